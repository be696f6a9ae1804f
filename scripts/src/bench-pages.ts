import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HEAVY_PERSON } from '@footprint/kit';
import { heavyFederation, postGraphQL } from './bench-heavy.js';
import { credentialHeaders, gatewayPage, kindPlan, personRepresentation, subgraphPage } from './bench-queries.js';
import { median, record } from './bench-table.js';
import { mintToken } from './tokens.js';

/**
 * One page of 5,000 records of a kind, three ways: straight from SQLite
 * (the rows of the page in id order, serialised to JSON: the floor), from the
 * kind's subgraph over HTTP (`_entities`, with the internal credential), and
 * through the gateway (the footprint's page operation, with a subject token).
 * Per-record metadata, as exports read. Median of BENCH_PAGE_ROUNDS (9) after a warm-up, the three
 * interleaved: with 3, one slow round on a busy 2-core machine moved the gateway's share by tens of percent.
 */
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_PAGE_ROUNDS ?? 9);

const PAGES = [
  { label: 'cloud locations', domain: 'cloud', field: 'locations', table: 'device_location' },
  { label: 'messages', domain: 'messaging', field: 'messages', table: 'message' },
] as const;

export async function benchPages(): Promise<void> {
  const h = await heavyFederation();
  const token = await mintToken(h.jwtSecret, { sub: HEAVY_PERSON });
  const credential = await credentialHeaders(HEAVY_PERSON, h.internalSecret);
  console.log(`\none page of ${PAGE} records of a kind (heavy person, per-record metadata): SQL / subgraph over HTTP / through the gateway; median of ${ROUNDS} after a warm-up`);
  for (const p of PAGES) {
    const k = kindPlan(h.schema, p.domain, p.field, 'record');
    const sub = h.fed.subgraphs.get(p.domain);
    if (!sub) throw new Error(`No ${p.domain} subgraph running`);
    const db = new Database(join(h.dataDir, `${p.domain}.db`), { readonly: true, fileMustExist: true });
    const stmt = db.prepare(`select * from "${p.table}" where person_id = ? order by id limit ?`);
    const times = { sql: [] as number[], subgraph: [] as number[], gateway: [] as number[] };
    const counts = { sql: 0, subgraph: 0, gateway: 0 };
    try {
      for (let round = 0; round <= ROUNDS; round++) {
        let t = performance.now();
        const rows = stmt.all(HEAVY_PERSON, PAGE) as unknown[];
        JSON.stringify(rows);
        if (round > 0) times.sql.push(performance.now() - t);
        counts.sql = rows.length;

        t = performance.now();
        const s = await postGraphQL<{ _entities: Record<string, Record<string, { nodes: unknown[] }>>[] }>(sub.url, credential, subgraphPage(k), { representations: personRepresentation(HEAVY_PERSON), first: PAGE });
        if (round > 0) times.subgraph.push(performance.now() - t);
        counts.subgraph = s.data._entities[0]![p.domain]![p.field]!.nodes.length;

        t = performance.now();
        const g = await postGraphQL<{ person: Record<string, Record<string, { nodes: unknown[] }>> }>(h.fed.gatewayUrl, { authorization: `Bearer ${token}` }, gatewayPage(k), { id: HEAVY_PERSON, first: PAGE, after: null });
        if (round > 0) times.gateway.push(performance.now() - t);
        counts.gateway = g.data.person[p.domain]![p.field]!.nodes.length;
      }
    } finally {
      db.close();
    }
    const sql = median(times.sql);
    const subgraph = median(times.subgraph);
    const gateway = median(times.gateway);
    const ratio = subgraph / sql;
    const added = gateway / subgraph - 1;
    console.log(`  ${p.label}: SQL ${sql.toFixed(1)} ms (${counts.sql} rows), subgraph ${subgraph.toFixed(1)} ms (${counts.subgraph}), gateway ${gateway.toFixed(1)} ms (${counts.gateway})`);
    if (counts.sql !== counts.subgraph || counts.subgraph !== counts.gateway) console.log(`  note: the three read different numbers of records`);
    record({
      measure: `one page of ${PAGE} ${p.label}: SQL / subgraph / gateway`,
      figure: `${sql.toFixed(0)} / ${subgraph.toFixed(0)} / ${gateway.toFixed(0)} ms: subgraph ${ratio.toFixed(1)}× SQL, gateway adds ${(added * 100).toFixed(0)}%`,
      target: 'subgraph ≤ 3× SQL, gateway adds ≤ 30%',
      pass: ratio <= 3 && added <= 0.3,
    });
  }
}
