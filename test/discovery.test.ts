import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listSubgraphs } from '@footprint/schema';
import { HEAVY_PERSON } from '@footprint/kit';
import { DISCOVERY_QUERY, firstPageOperation, gatewayExecutor, readDiscovery } from '@footprint/gateway/footprint';
import { freePort, launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, footprintPlan, gql, operatorToken, sqlStatements, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');
const subgraphs = inject('subgraphUrls');
const dataDir = inject('dataDir');
const domains = listSubgraphs().map((s) => s.name);

type Summary = { domain: string; kinds: { kind: string; count: number; earliest: string | null; latest: string | null; regions: string[]; sources: string[] }[] };

describe('a person’s discovery summary (Person.discovery)', () => {
  it('says per domain and kind how many records there are, their dates, regions and sources — matching the records', async () => {
    const t = await subjectToken('10000001');
    const { domains: found, errors } = await readDiscovery('10000001', gatewayExecutor(url, bearer(t)));
    expect(errors).toEqual([]);
    expect(found.map((d) => d.domain).sort()).toEqual([...domains].sort());
    const page = await gql<{ person: Record<string, Record<string, { totalCount: number; nodes: { meta: { kind: string; collectedAt: string; region: string; source: string } }[] }>> }>(
      url,
      firstPageOperation(footprintPlan()),
      { id: '10000001', first: 5000 },
      bearer(t),
    );
    expect(page.errors).toBeUndefined();
    const records = Object.values(page.data!.person).flatMap((d) => (typeof d === 'object' && d ? Object.values(d).flatMap((c) => c.nodes) : []));
    for (const d of found) {
      expect(d.kinds.length, d.domain).toBeGreaterThan(0);
      for (const k of d.kinds) {
        const mine = records.filter((r) => r.meta.kind === k.kind);
        const dates = mine.map((r) => r.meta.collectedAt).sort();
        const sorted = (xs: string[]) => [...new Set(xs)].sort();
        expect({ ...k, regions: sorted(k.regions), sources: sorted(k.sources) }, k.kind).toEqual({
          kind: k.kind,
          title: expect.any(String),
          count: mine.length,
          earliest: dates[0] ?? null,
          latest: dates.at(-1) ?? null,
          regions: sorted(mine.map((r) => r.meta.region)),
          sources: sorted(mine.map((r) => r.meta.source)),
        });
      }
    }
  });

  it('costs one SQL statement per domain, for a heavy person as for a light one', async () => {
    // Other test files share these subgraphs, so a measurement can only be inflated by them: take the least of three.
    const cost = async (person: string) => {
      const t = await subjectToken(person);
      const least: Record<string, number> = {};
      for (let i = 0; i < 3; i++) {
        const before = Object.fromEntries(await Promise.all(Object.entries(subgraphs).map(async ([n, u]) => [n, await sqlStatements(u)] as const)));
        const res = await gql(url, DISCOVERY_QUERY, { id: person }, bearer(t));
        expect(res.errors).toBeUndefined();
        for (const [n, u] of Object.entries(subgraphs)) least[n] = Math.min(least[n] ?? Infinity, (await sqlStatements(u)) - before[n]!);
      }
      return least;
    };
    const one = Object.fromEntries(domains.map((d) => [d, 1]));
    expect(await cost('10000001')).toEqual(one);
    expect(await cost(HEAVY_PERSON)).toEqual(one);
    const heavy = await readDiscovery(HEAVY_PERSON, gatewayExecutor(url, bearer(await subjectToken(HEAVY_PERSON))));
    expect(heavy.domains.reduce((n, d) => n + d.kinds.reduce((m, k) => m + k.count, 0), 0)).toBeGreaterThan(50_000);
  });

  it('follows the footprint’s authorisation: another person is refused whole; an operator needs the scope and a reason, and is audited', async () => {
    const other = await gql(url, DISCOVERY_QUERY, { id: '10000002' }, bearer(await subjectToken('10000001')));
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.data ?? null).toBeNull();
    const noReason = await gql(url, DISCOVERY_QUERY, { id: '10000002' }, bearer(await operatorToken(['footprint:read'])));
    expect(noReason.errors?.[0]?.message).toMatch(/X-Footprint-Reason/);
    expect(noReason.data ?? null).toBeNull();
    const noScope = await gql(url, DISCOVERY_QUERY, { id: '10000002' }, bearer(await operatorToken(['footprint:export']), { 'x-footprint-reason': 'r' }));
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const actor = `ops-discovery-${Math.random().toString(36).slice(2)}`;
    const reason = `DSAR ${Math.random().toString(36).slice(2)}`;
    const res = await readDiscovery('10000002', gatewayExecutor(url, bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': reason })));
    expect(res.domains.map((d) => d.domain).sort()).toEqual([...domains].sort());
    const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      expect(db.prepare('select person, reason, outcome, operation from audit_log where actor = ?').all(actor)).toEqual([
        { person: '10000002', reason, outcome: 'allowed', operation: 'query Discovery [person]' },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('discovery with domains down', () => {
  let fed: Federation;
  let dir: string;
  const up = ['account', 'music'];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'footprint-discovery-'));
    await seedAll({ dataDir: dir, only: up });
    // The others point at a port nothing listens on (not their listed ports, which a running `npm start` may hold).
    const closed = `http://127.0.0.1:${await freePort()}/graphql`;
    const env = Object.fromEntries(domains.filter((d) => !up.includes(d)).map((d) => [`FOOTPRINT_SUBGRAPH_${d.toUpperCase()}_URL`, closed]));
    fed = await launchFederation({ dataDir: dir, only: up, env: { ...env, LOG_LEVEL: 'silent' } });
  });
  afterAll(async () => {
    await fed?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers for the domains that are up and names each one that is not', async () => {
    const res = await gql<{ person: { discovery: { domains: (Summary | null)[] } } }>(fed.gatewayUrl, DISCOVERY_QUERY, { id: '10000001' }, bearer(await subjectToken('10000001')));
    expect(res.status).toBe(200);
    const list = res.data!.person.discovery.domains;
    expect(list).toHaveLength(domains.length);
    expect(list.filter((d): d is Summary => d !== null).map((d) => d.domain)).toEqual(up);
    const down = domains.filter((d) => !up.includes(d));
    expect(res.errors?.map((e) => e.extensions?.domain).sort()).toEqual([...down].sort());
    for (const e of res.errors ?? []) {
      expect(e.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      expect(e.message).toMatch(new RegExp(`The ${String(e.extensions?.domain)} domain is unavailable`));
      expect(e.path?.slice(0, 3)).toEqual(['person', 'discovery', 'domains']);
    }
  });
});
