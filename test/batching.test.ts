import { describe, expect, inject, it } from 'vitest';
import { HEAVY_PERSON } from '@footprint/kit';
import { firstPageOperation } from '@footprint/gateway/footprint';
import { bearer, footprintPlan, gql, sqlStatements, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');
const subgraphs = inject('subgraphUrls');

async function statementsFor(person: string, first: number) {
  const before = Object.fromEntries(await Promise.all(Object.entries(subgraphs).map(async ([n, u]) => [n, await sqlStatements(u)] as const)));
  const res = await gql(url, firstPageOperation(footprintPlan()), { id: person, first }, bearer(await subjectToken(person)));
  expect(res.errors).toBeUndefined();
  const after = Object.fromEntries(await Promise.all(Object.entries(subgraphs).map(async ([n, u]) => [n, await sqlStatements(u)] as const)));
  const perDomain = Object.fromEntries(Object.keys(subgraphs).map((n) => [n, after[n]! - before[n]!]));
  const records = JSON.stringify(res.data).match(/"meta":/g)?.length ?? 0;
  return { perDomain, total: Object.values(perDomain).reduce((a, b) => a + b, 0), records };
}

describe('batching', () => {
  it('a heavy person’s footprint costs the same SQL statements as a light one’s', async () => {
    const light = await statementsFor('10000001', 500);
    const heavy = await statementsFor(HEAVY_PERSON, 500);
    // The heavy page holds far more records (nested lists included)…
    expect(heavy.records).toBeGreaterThan(light.records * 5);
    // …for the same statements, domain by domain: nothing grows with the records.
    expect(heavy.perDomain).toEqual(light.perDomain);
    console.log(`statements: light ${light.total} for ${light.records} records, heavy ${heavy.total} for ${heavy.records} records`);
  });
});
