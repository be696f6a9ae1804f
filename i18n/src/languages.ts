import { LANGUAGES, REFERENCE_LANGUAGE } from './generated/catalogues.js';

/** A language Footprint has a catalogue for: one folder under i18n/catalogues/. */
export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = REFERENCE_LANGUAGE as Language;

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The best catalogue language for an Accept-Language header (or a browser's
 * navigator.languages): by quality, then order; a region ("az-AZ") matches its
 * language. Falls back to the default language.
 */
export function negotiateLanguage(accept: string | readonly string[] | null | undefined, fallback: Language = DEFAULT_LANGUAGE): Language {
  if (!accept) return fallback;
  const ranges = (typeof accept === 'string' ? accept.split(',') : [...accept])
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((r) => r.tag && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of ranges) {
    const primary = tag.split('-')[0];
    if (isLanguage(tag)) return tag;
    if (isLanguage(primary)) return primary;
  }
  return fallback;
}
