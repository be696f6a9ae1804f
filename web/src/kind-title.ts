import { CATALOGUES, REFERENCE_LANGUAGE, type MessageKey, type Translator } from '@footprint/i18n';

/**
 * A kind of data named as the data map's catalogue names it (`datamap.kind.<kind>.title`) in the reader's
 * language — the same words as the archive, the viewer and the privacy centre's data map. `fallback` (the
 * schema's English title, or the kind itself) only for a kind no catalogue has yet.
 */
export function kindTitle(tr: Translator, kind: string, fallback: string = kind): string {
  const key = `datamap.kind.${kind}.title`;
  return CATALOGUES[REFERENCE_LANGUAGE]?.[key] === undefined ? fallback : tr.t(key as MessageKey);
}
