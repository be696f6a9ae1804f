import { describe, expect, inject, it } from 'vitest';
import { INVENTORY, inventoryKinds, TAXONOMY } from '@footprint/schema';
import { FIRST_REQUEST_RECORDS, traverseFootprint } from '@footprint/gateway/footprint';
import { bearer, footprintPlan, gql, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');

async function readFootprint(person: string, pageSize = 200) {
  const t = await subjectToken(person);
  const byKind = new Map<string, Record<string, unknown>[]>();
  const totals = new Map<string, number>();
  const result = await traverseFootprint(
    footprintPlan(),
    person,
    async (query, variables) => gql(url, query, variables, bearer(t)),
    {
      onPage: ({ records, totalCount }) => {
        for (const r of records) {
          const kind = (r.meta as { kind: string }).kind;
          byKind.set(kind, [...(byKind.get(kind) ?? []), r]);
          totals.set(kind, totalCount);
        }
      },
    },
    pageSize,
  );
  return { byKind, totals, result };
}

describe('a person’s whole footprint through the gateway', () => {
  it('returns every inventory item of every domain, each record with complete metadata', async () => {
    const { byKind, result } = await readFootprint('10000001');
    expect(result.failedDomains.size).toBe(0);
    const missing = inventoryKinds().filter((k) => !byKind.has(k));
    expect(missing, `inventory kinds with no record: ${missing.join(', ')}`).toEqual([]);
    for (const item of INVENTORY) expect(item.kinds.some((k) => byKind.has(k)), item.id).toBe(true);
    for (const [kind, records] of byKind) {
      for (const r of records) {
        const meta = r.meta as Record<string, unknown>;
        expect(r.id, kind).toMatch(new RegExp(`^${kind.replace('.', '\\.')}:`));
        expect(meta.domain).toBe(kind.split('.')[0]);
        expect(TAXONOMY.DataCategory.values).toContain(meta.category);
        expect(TAXONOMY.DataSource.values).toContain(meta.source);
        expect(TAXONOMY.LegalBasis.values).toContain(meta.legalBasis);
        expect(TAXONOMY.RetentionRule.values).toContain(meta.retention);
        expect(TAXONOMY.DataRegion.values).toContain(meta.region);
        expect((meta.purposes as string[]).length).toBeGreaterThan(0);
        expect(Date.parse(meta.collectedAt as string)).not.toBeNaN();
        expect(typeof meta.correctable).toBe('boolean');
        if (!meta.correctable) expect(meta.correctionNote, `${kind} needs a reason it cannot be corrected`).toBeTruthy();
        expect(meta.policySection).toMatch(/§/);
      }
    }
  });

  it('follows every cursor to the end: record counts match totalCount, ids are unique', async () => {
    const { byKind, totals } = await readFootprint('10000001', 2);
    for (const [kind, records] of byKind) {
      expect(records.length, kind).toBe(totals.get(kind));
      expect(new Set(records.map((r) => r.id)).size, kind).toBe(records.length);
    }
  });

  it('keeps every request of the heavy person to one page of records, the first pages (every kind at once) included', async () => {
    const t = await subjectToken('10000099');
    const plan = footprintPlan();
    const asked: { first: number; kinds: number }[] = [];
    let records = 0;
    let largest = 0;
    const result = await traverseFootprint(
      plan,
      '10000099',
      async (query, variables) => {
        asked.push({ first: Number(variables.first), kinds: (query.match(/\(first: \$first/g) ?? []).length });
        return gql(url, query, variables, bearer(t));
      },
      {
        onPage: ({ records: page }) => {
          records += page.length;
          largest = Math.max(largest, page.length);
        },
      },
      5000,
    );
    expect(result.failedDomains.size).toBe(0);
    // The first requests (one per domain, sent at once) name every kind; all of them together may read at most FIRST_REQUEST_RECORDS records.
    const domains = new Set(plan.kinds.map((k) => k.domain)).size;
    const firsts = asked.slice(0, domains);
    expect(firsts.reduce((n, a) => n + a.kinds, 0)).toBe(plan.kinds.length);
    expect(new Set(firsts.map((a) => a.first)).size).toBe(1);
    expect(firsts[0]!.first * plan.kinds.length).toBeLessThanOrEqual(FIRST_REQUEST_RECORDS);
    for (const a of asked.slice(domains)) expect(a).toEqual({ first: 5000, kinds: 1 });
    expect(largest).toBe(5000);
    expect(records).toBeGreaterThan(50_000);
  });

  it('shows each person only their own records', async () => {
    const one = await readFootprint('10000001');
    const two = await readFootprint('10000002');
    const ids1 = new Set([...one.byKind.values()].flat().map((r) => r.id));
    for (const r of [...two.byKind.values()].flat()) expect(ids1.has(r.id)).toBe(false);
    const profile = two.byKind.get('account.profile')![0] as { accountId: string };
    expect(profile.accountId).toBe('10000002');
  });

  it('answers `me` and person(id) alike for the signed-in person', async () => {
    const t = await subjectToken('10000002');
    const q = '{ me { id account { profile { nodes { accountId } } } } p: person(id: "10000002") { id } }';
    const res = await gql<{ me: { id: string; account: { profile: { nodes: { accountId: string }[] } } }; p: { id: string } }>(url, q, {}, bearer(t));
    expect(res.errors).toBeUndefined();
    expect(res.data!.me.id).toBe('10000002');
    expect(res.data!.me.account.profile.nodes[0]!.accountId).toBe('10000002');
    expect(res.data!.p.id).toBe('10000002');
  });
});
