import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CATALOGUES, createTranslator, LANGUAGES } from '@footprint/i18n';
import { buildDataMap, ERASURE_ACTIONS, TAXONOMY } from '@footprint/schema';
import { planFootprint, schemaFromSupergraph } from '@footprint/gateway/footprint';
import { plainDataMap } from '@footprint/gateway/datamap/plain';

/**
 * Every kind the committed supergraph serves, every domain and every taxonomy
 * value has its plain-words text in the `datamap` catalogue of every language
 * (the archive, the data map and the archive viewer read these keys), so a new
 * kind or value fails here until it is worded in English and Azerbaijani.
 */
const supergraph = readFileSync(createRequire(import.meta.url).resolve('@footprint/gateway/supergraph.graphql'), 'utf8');
const map = buildDataMap(supergraph);
const NAMESPACE = { DataCategory: 'category', DataSource: 'source', Purpose: 'purpose', LegalBasis: 'basis', RetentionRule: 'retention', DataRegion: 'region', Recipient: 'recipient' } as const;

const missing = (keys: string[]) => LANGUAGES.flatMap((lang) => keys.filter((k) => !CATALOGUES[lang]?.[k]?.trim()).map((k) => `${lang}: ${k}`));

describe('datamap texts', () => {
  it('title every kind of the supergraph (datamap.kind.<kind>.title) in every language', () => {
    expect(map.entries.length).toBeGreaterThanOrEqual(49);
    expect(missing(map.entries.map((e) => `datamap.kind.${e.kind}.title`))).toEqual([]);
  });

  it('name every domain: the data map’s and the footprint plan’s (Person fields such as corrections)', () => {
    const domains = new Set([...map.domains.map((d) => d.name), ...planFootprint(schemaFromSupergraph(supergraph)).domains]);
    expect(missing([...domains].map((d) => `datamap.domain.${d}`))).toEqual([]);
  });

  it('word every taxonomy value and erasure action', () => {
    const keys = [
      ...Object.entries(TAXONOMY).flatMap(([name, t]) => t.values.map((v) => `datamap.${NAMESPACE[name as keyof typeof NAMESPACE]}.${v}`)),
      ...ERASURE_ACTIONS.map((a) => `datamap.erasure.${a}`),
    ];
    expect(keys.length).toBeGreaterThan(45);
    expect(missing(keys)).toEqual([]);
  });

  it('word every reason a kind cannot be corrected and every erasure note, the English as the schema says it', () => {
    const notes = map.entries.flatMap((e) => [
      ...(e.correctionNote ? [[`datamap.kind.${e.kind}.reason`, e.correctionNote] as const] : []),
      ...(e.erasureNote ? [[`datamap.kind.${e.kind}.erasureNote`, e.erasureNote] as const] : []),
    ]);
    expect(notes.length).toBeGreaterThan(40);
    expect(missing(notes.map(([k]) => k))).toEqual([]);
    // A domain that rewords its @personalData note rewords the catalogue too: the English may not drift from it.
    for (const [key, sdl] of notes) expect(CATALOGUES.en![key], key).toBe(sdl);
  });

  it('give the plain data map in Azerbaijani with no English left, and in English', () => {
    const az = plainDataMap(map, createTranslator('az'));
    const en = plainDataMap(map, createTranslator('en'));
    expect(az.entries.find((e) => e.kind === 'orders.payment_method')).toMatchObject({ title: 'Ödəniş üsulları', domain: 'Onlayn mağaza (mi.com)' });
    expect(en.entries.find((e) => e.kind === 'orders.payment_method')!.title).toBe('Payment methods');
    for (const [i, e] of az.entries.entries()) {
      expect(e.title, e.kind).not.toBe(en.entries[i]!.title);
      expect(e.legalBasis, e.kind).not.toBe(en.entries[i]!.legalBasis);
      expect(e.retention, e.kind).not.toBe(en.entries[i]!.retention);
    }
  });
});

describe('CSV header labels', () => {
  it('label every column of every kind in every language, each label unique within its file', async () => {
    const { exportPlan } = await import('@footprint/gateway/exports/plan');
    const { columnLabels } = await import('@footprint/gateway/exports/archive/column-labels');
    const plan = exportPlan(supergraph);
    for (const lang of LANGUAGES) {
      const tr = createTranslator(lang);
      for (const k of plan.kinds) {
        const labels = columnLabels(k.columns, tr);
        expect(labels.filter((l, i) => l === k.columns[i]!.name), `${lang} ${k.kind}`).toEqual([]);
        expect(new Set(labels).size, `${lang} ${k.kind}`).toBe(labels.length);
      }
    }
  });
});
