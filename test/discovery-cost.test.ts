import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { CREDENTIAL_HEADER, discoveryQuery, HEAVY_PERSON, summaryQuery } from '@footprint/kit';
import { postGraphQL, startTestSubgraph } from '@footprint/kit/testing';
import { subgraph as cloud } from '@footprint/subgraph-cloud';
import { seed } from '@footprint/subgraph-cloud/seed';
import { tables as cloudTables } from '@footprint/subgraph-cloud/store';

/**
 * A domain's discovery reads the person's rows of the summary the database
 * keeps (kit/src/discovery-summary.ts), never a record, in one statement per
 * request: as cheap as the footprint's counts, however many records the
 * person holds. The full scan it replaced (the reference the summary's tests
 * compare with) reads only the record tables' discovery indexes.
 */
describe('discovery cost in a subgraph', () => {
  let sg: Awaited<ReturnType<typeof start>>;
  const tables: string[] = Object.values(cloudTables.kinds);
  const start = () =>
    startTestSubgraph(cloud.createServer, seed, [
      { id: '10000001', scale: 2 },
      { id: HEAVY_PERSON, scale: 150 },
    ]);
  beforeAll(async () => {
    sg = await start();
  });
  afterAll(async () => {
    await sg?.close();
  });

  const planOf = (compiled: { sql: string; parameters: readonly unknown[] }) => {
    const db = new Database(join(sg.dataDir, 'cloud.db'), { readonly: true });
    try {
      return (db.prepare(`explain query plan ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail);
    } finally {
      db.close();
    }
  };

  it('the statement the resolver runs reads one key range of the summary (no record table, no scan, no sort)', () => {
    const plan = planOf(summaryQuery(sg.store.db as Kysely<unknown>, tables, HEAVY_PERSON).compile());
    const searches = plan.filter((d) => /^(SEARCH|SCAN) /.test(d));
    expect(searches).toHaveLength(1);
    expect(searches[0]).toMatch(/^SEARCH discovery_summary USING (PRIMARY KEY|INDEX \w+|COVERING INDEX \w+) \(person_id=\?/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('every record table has its discovery index, and the reference scan reads only those indexes (no table, no sort)', () => {
    const compiled = discoveryQuery(sg.store.db as Kysely<unknown>, tables, HEAVY_PERSON).compile();
    const db = new Database(join(sg.dataDir, 'cloud.db'), { readonly: true });
    try {
      const plan = (db.prepare(`explain query plan ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail);
      const searches = plan.filter((d) => /^(SEARCH|SCAN) /.test(d));
      expect(searches).toHaveLength(tables.length);
      for (const d of searches) expect(d).toMatch(/^SEARCH \w+ USING COVERING INDEX \w+_discovery_idx \(person_id=\?\)$/);
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  it('costs one statement per request, even when the document asks for discovery twice, for a heavy person as for a light one', async () => {
    const cost = async (person: string) => {
      const before = sg.store.statements;
      const res = await postGraphQL<{ _entities: { a: { discovery: { kinds: { count: number }[] } }; b: { discovery: { kinds: { count: number }[] } } }[] }>(
        sg.url,
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { a: cloud { discovery { kinds { kind count earliest latest regions sources } } } b: cloud { discovery { domain kinds { kind count } } } } } }',
        { r: [{ __typename: 'Person', id: person }] },
        { [CREDENTIAL_HEADER]: await sg.credential(person) },
      );
      expect(res.errors).toBeUndefined();
      const e = res.data!._entities[0]!;
      expect(e.a.discovery.kinds.map((k) => k.count)).toEqual(e.b.discovery.kinds.map((k) => k.count));
      return { statements: sg.store.statements - before, records: e.a.discovery.kinds.reduce((n, k) => n + k.count, 0) };
    };
    await cost('10000001'); // the first request readies the kit's own tables
    const light = await cost('10000001');
    const heavy = await cost(HEAVY_PERSON);
    expect(heavy.records).toBeGreaterThan(light.records * 20);
    expect(light.statements).toBe(1);
    expect(heavy.statements).toBe(1);
  });
});
