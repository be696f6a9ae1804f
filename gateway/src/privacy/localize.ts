import type { IncomingMessage } from 'node:http';
import { createTranslator, isLanguage, LANGUAGES, negotiateLanguage, type Language, type MessageKey } from '@footprint/i18n';
import type { Asset } from './feature.js';

/**
 * The pages are served already translated, so a reader never sees another
 * language first: every element of the built HTML marked `data-i18n="<key>"`
 * gets that catalogue message as its text, every `data-i18n-attr="attr:key;…"`
 * those attributes, and `<html lang>` the language. Done once per language at
 * startup; the page's script does the same in the browser on a switch.
 */

const COOKIE = 'footprint_lang';
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The page in one language. Marked elements hold text only (no markup), so their content is replaced whole. */
export function localizeHtml(html: string, language: Language): string {
  const { t } = createTranslator(language);
  return html
    .replace(/<html lang="[^"]*"/, `<html lang="${language}"`)
    .replace(/(<([a-z][a-z0-9]*)\b[^>]*\sdata-i18n="([^"]+)"[^>]*>)([^<]*)(<\/\2>)/g, (_m, open: string, _tag: string, key: string, _text: string, close: string) => `${open}${escapeHtml(t(key as MessageKey))}${close}`)
    .replace(/<[a-z][a-z0-9]*\b[^>]*\sdata-i18n-attr="([^"]+)"[^>]*>/g, (tag: string, spec: string) =>
      spec.split(';').reduce((out, pair) => {
        const [attr, key] = pair.split(':').map((s) => s.trim());
        if (!attr || !key) return out;
        return out.replace(new RegExp(`(\\s${attr}=")[^"]*(")`), `$1${escapeHtml(t(key as MessageKey))}$2`);
      }, tag),
    );
}

/** Every language's version of a page, built once. */
export function localizedPages(asset: Asset): Map<Language, Asset> {
  const html = asset.body.toString('utf8');
  return new Map(LANGUAGES.map((l) => [l, { type: asset.type, body: Buffer.from(localizeHtml(html, l)) }]));
}

/** The reader's language for a page: the choice kept on their browser (cookie), else their Accept-Language. */
export function pageLanguage(req: Pick<IncomingMessage, 'headers'>): Language {
  const cookie = /(?:^|;\s*)footprint_lang=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (cookie && isLanguage(decodeURIComponent(cookie))) return decodeURIComponent(cookie) as Language;
  return negotiateLanguage(req.headers['accept-language']);
}

export const PAGE_LANGUAGE_COOKIE = COOKIE;
