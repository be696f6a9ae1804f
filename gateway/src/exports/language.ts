import { z } from 'zod';
import { LANGUAGES, negotiateLanguage, type Language } from '@footprint/i18n';

/** A language Footprint has catalogues for ("en", "az"); anything else is refused, naming the choices. */
export const LanguageArg = z.enum(LANGUAGES, { message: `language must be one of ${LANGUAGES.join(', ')}` });

/** An IANA time zone Intl knows (Asia/Baku, Europe/Amsterdam, UTC). */
export const TimeZoneArg = z
  .string()
  .max(64, 'timeZone is an IANA time zone such as Asia/Baku')
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'timeZone is not an IANA time zone (such as Asia/Baku or Europe/Amsterdam)' },
  );

/**
 * The language an archive is made in: the one asked for, else the requester's
 * Accept-Language (negotiated against the catalogues), else the default. (A
 * stored preference of the person, once the gateway keeps one, goes between.)
 */
export function archiveLanguage(explicit: Language | null | undefined, acceptLanguage: string | undefined): Language {
  return explicit ?? negotiateLanguage(acceptLanguage);
}
