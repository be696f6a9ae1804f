import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildDataMap, INVENTORY, inventoryKinds, listSubgraphs, TAXONOMY } from '@footprint/schema';

/** The data map from the committed supergraph (the gateway package exports it): no service needed. */
const supergraph = readFileSync(createRequire(import.meta.url).resolve('@footprint/gateway/supergraph.graphql'), 'utf8');

describe('the data map, from the composed supergraph', () => {
  const map = buildDataMap(supergraph);

  it('lists every record type of every domain with its kind, inventory item and complete policy metadata', () => {
    expect(map.problems).toEqual([]);
    const domains = listSubgraphs().map((s) => s.name);
    expect(map.domains.map((d) => d.name)).toEqual(expect.arrayContaining(domains));
    const product = map.entries.filter((e) => domains.includes(e.domain));
    expect(product.map((e) => e.kind).sort()).toEqual([...inventoryKinds()].sort());
    for (const e of product) {
      expect(e.kind.startsWith(`${e.domain}.`), e.kind).toBe(true);
      expect(INVENTORY.find((i) => i.id === e.inventoryItem)?.kinds, e.kind).toContain(e.kind);
      expect(TAXONOMY.DataCategory.values).toContain(e.category);
      expect(e.purposes.length).toBeGreaterThan(0);
      expect(e.regions).toEqual(TAXONOMY.DataRegion.values);
      expect(e.policySection).toMatch(/§\d/);
      if (!e.correctable) expect(e.correctionNote, e.kind).toBeTruthy();
    }
    // A value the policy fixes, read back through composition.
    expect(map.entries.find((e) => e.kind === 'orders.payment_method')).toMatchObject({ domain: 'orders', category: 'FINANCIAL', sensitive: true });
  });
});
