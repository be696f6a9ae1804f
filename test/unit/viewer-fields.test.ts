import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CATALOGUES, LANGUAGES } from '@footprint/i18n';
import { exportPlan } from '@footprint/gateway/exports/plan';

/**
 * The archive viewer labels every field with the person's words: each field
 * the archive writes for any kind (the committed supergraph's export plan:
 * the CSV columns, nested fields as dot paths) has a `fields.<path>` label in
 * every language, and so do the order items the viewer shows as a table.
 */
const supergraph = readFileSync(createRequire(import.meta.url).resolve('@footprint/gateway/supergraph.graphql'), 'utf8');
const plan = exportPlan(supergraph);

describe('viewer field labels', () => {
  const fields = [...new Set(plan.kinds.flatMap((k) => k.columns.map((c) => c.name)))].sort();
  const nested = ['items.name', 'items.sku', 'items.position', 'items.quantity', 'items.unitPrice', 'items.lineTotal'];

  it('covers a plan with every domain', () => {
    expect(new Set(plan.kinds.map((k) => k.domain)).size).toBeGreaterThanOrEqual(8);
    expect(fields.length).toBeGreaterThan(100);
  });

  for (const language of LANGUAGES) {
    it(`has a label in ${language} for every field of every kind the archive writes`, () => {
      const catalogue = CATALOGUES[language] ?? {};
      const missing = [...fields, ...nested].filter((f) => !catalogue[`fields.${f}`]?.trim());
      expect(missing).toEqual([]);
    });
  }

  it('labels a field differently from its API name in Azerbaijani (a translation, not a copy)', () => {
    const az = CATALOGUES.az ?? {};
    const en = CATALOGUES.en ?? {};
    const copied = fields.filter((f) => az[`fields.${f}`] === en[`fields.${f}`] && !/^(imei|model|status|region|GPS|Wi-Fi|Video)$/i.test(en[`fields.${f}`] ?? ''));
    // Proper names and codes (IMEI, Model, Status) read the same in both; everything else is translated.
    expect(copied).toEqual([]);
  });
});
