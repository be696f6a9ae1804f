import { CATALOGUES, REFERENCE_LANGUAGE, type MessageKey, type MessageValues, type Translator } from '@footprint/i18n';
import { TAXONOMY } from '@footprint/schema';

/** The datamap catalogue's name for each taxonomy (catalogues/<language>/datamap.json: `<name>.<VALUE>`). */
export const TAXONOMY_KEYS = {
  DataCategory: 'category',
  DataSource: 'source',
  Purpose: 'purpose',
  LegalBasis: 'basis',
  RetentionRule: 'retention',
  DataRegion: 'region',
  Recipient: 'recipient',
} as const satisfies Record<keyof typeof TAXONOMY, string>;
export type TaxonomyName = keyof typeof TAXONOMY_KEYS;

/**
 * A key built from data (a kind, a taxonomy value) as a MessageKey, when the
 * reference catalogue has it. Keys written in code are checked by tsc; these
 * are checked here, and test/unit/datamap-texts.test.ts checks that every kind
 * and value of the supergraph has one.
 */
export function messageKey(key: string): MessageKey | null {
  return CATALOGUES[REFERENCE_LANGUAGE]?.[key] === undefined ? null : (key as MessageKey);
}

/** The text of a key built from data, or `fallback` (the schema's English) when the catalogues do not have it yet. */
export function textOr(tr: Translator, key: string, fallback: string, values?: MessageValues): string {
  const k = messageKey(key);
  return k ? tr.t(k, values) : fallback;
}

/** A taxonomy value in plain words, in the translator's language. */
export function taxonomyText(tr: Translator, taxonomy: TaxonomyName, code: string): string {
  const describe = TAXONOMY[taxonomy].describe as Record<string, string>;
  return textOr(tr, `datamap.${TAXONOMY_KEYS[taxonomy]}.${code}`, describe[code] ?? code);
}

/** A kind's plain-words title (`datamap.kind.<kind>.title`, the key the archive viewer reads too). */
export const kindTitle = (tr: Translator, kind: string, fallback: string) => textOr(tr, `datamap.kind.${kind}.title`, fallback);

/** A domain's name as a person reads it. */
export const domainName = (tr: Translator, domain: string) => textOr(tr, `datamap.domain.${domain}`, domain);

/** A country's name in the language (Intl knows every ISO 3166 code in az and en). */
export function countryName(tr: Translator, code: string): string {
  try {
    return new Intl.DisplayNames([tr.language], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
