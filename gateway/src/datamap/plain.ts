import type { Translator } from '@footprint/i18n';
import type { DataMap, DataMapEntry } from '@footprint/schema';
import { domainName, kindTitle, taxonomyText } from '../exports/archive/texts.js';

/** One data map entry's values in plain words, in the translator's language (catalogue namespace `datamap`). */
export interface PlainEntry {
  kind: string;
  title: string;
  domain: string;
  category: string;
  source: string;
  purposes: string[];
  legalBasis: string;
  retention: string;
  regions: string[];
  recipients: string[];
  erasure: string | null;
}

export function plainEntry(e: DataMapEntry, tr: Translator): PlainEntry {
  return {
    kind: e.kind,
    title: kindTitle(tr, e.kind, e.title),
    domain: domainName(tr, e.domain),
    category: taxonomyText(tr, 'DataCategory', e.category),
    source: taxonomyText(tr, 'DataSource', e.source),
    purposes: e.purposes.map((p) => taxonomyText(tr, 'Purpose', p)),
    legalBasis: taxonomyText(tr, 'LegalBasis', e.legalBasis),
    retention: taxonomyText(tr, 'RetentionRule', e.retention),
    regions: e.regions.map((r) => taxonomyText(tr, 'DataRegion', r)),
    recipients: e.recipients.map((r) => taxonomyText(tr, 'Recipient', r)),
    erasure: e.erasure ? tr.t(`datamap.erasure.${e.erasure}`) : null,
  };
}

/** The whole data map in plain words: what the privacy centre, `npm run data-map` and `dataMap(language:)` show a person. */
export function plainDataMap(map: DataMap, tr: Translator) {
  return {
    language: tr.language,
    domains: map.domains.map((d) => ({ name: d.name, title: domainName(tr, d.name), kinds: d.kinds })),
    entries: map.entries.map((e) => plainEntry(e, tr)),
  };
}
