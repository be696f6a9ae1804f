import { createTranslator, negotiateLanguage, type Language, type Translator } from '@footprint/i18n';

/** The language of the caller's request (Accept-Language), for the errors and texts answered to it. */
export function requestLanguage(ctx: { acceptLanguage?: string }): Language {
  return negotiateLanguage(ctx.acceptLanguage);
}

export function requestTranslator(ctx: { acceptLanguage?: string }): Translator {
  return createTranslator(requestLanguage(ctx), 'UTC');
}
