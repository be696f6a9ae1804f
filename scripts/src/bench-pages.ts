import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HEAVY_PERSON } from '@footprint/kit';
import { heavyFederation, postGraphQL } from './bench-heavy.js';
import { credentialHeaders, gatewayPage, kindPlan, personRepresentation, subgraphPage } from './bench-queries.js';
import { median, record } from './bench-table.js';
import { mintToken } from './tokens.js';

/**
 * One page of 5,000 records of a kind, three ways: straight from SQLite (the
 * floor: the page's rows in id order and the rows its records carry — a
 * location's device, a message's senders and recipients — each read in one
 * statement as the subgraph reads them, serialised to JSON), from the kind's
 * subgraph over HTTP (`_entities`, with the internal credential), and through
 * the gateway (the footprint's page operation, with a subject token).
 * Per-record metadata, as exports read. Median of BENCH_PAGE_ROUNDS (9) after a warm-up, the three
 * interleaved: with 3, one slow round on a busy 2-core machine moved the gateway's share by tens of percent.
 * The page's own rows alone are printed beside the floor, for context.
 */
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_PAGE_ROUNDS ?? 9);

interface PageBench {
  label: string;
  domain: string;
  field: string;
  table: string;
  /**
   * Part of the floor (issue 24): the other rows the page's records carry, read as the subgraph reads them (one
   * statement for the page), with @person and @page as parameters.
   */
  carried?: { what: string; sql: string };
}

const PAGES: PageBench[] = [
  {
    label: 'cloud locations',
    domain: 'cloud',
    field: 'locations',
    table: 'device_location',
    carried: {
      what: 'their devices',
      sql: 'select * from device where person_id = @person and id in (select device_id from device_location where person_id = @person order by id limit @page)',
    },
  },
  {
    label: 'messages',
    domain: 'messaging',
    field: 'messages',
    table: 'message',
    carried: {
      what: 'their senders and recipients',
      sql: `select mp.message_id, mp.role, c.phone_masked from message_party mp join correspondent c on c.id = mp.correspondent_id
            where mp.person_id = @person and c.person_id = @person and mp.message_id in (select message_id from message where person_id = @person order by id limit @page) order by mp.id`,
    },
  },
];

export async function benchPages(): Promise<void> {
  const h = await heavyFederation();
  const token = await mintToken(h.jwtSecret, { sub: HEAVY_PERSON });
  const credential = await credentialHeaders(HEAVY_PERSON, h.internalSecret);
  console.log(`\none page of ${PAGE} records of a kind (heavy person, per-record metadata): SQL of the rows its records carry / subgraph over HTTP / through the gateway; median of ${ROUNDS} after a warm-up`);
  for (const p of PAGES) {
    const k = kindPlan(h.schema, p.domain, p.field, 'record');
    const sub = h.fed.subgraphs.get(p.domain);
    if (!sub) throw new Error(`No ${p.domain} subgraph running`);
    const db = new Database(join(h.dataDir, `${p.domain}.db`), { readonly: true, fileMustExist: true });
    const stmt = db.prepare(`select * from "${p.table}" where person_id = ? order by id limit ?`);
    const carried = p.carried ? db.prepare(p.carried.sql) : null;
    const times = { rows: [] as number[], sql: [] as number[], subgraph: [] as number[], gateway: [] as number[] };
    const counts = { sql: 0, subgraph: 0, gateway: 0 };
    try {
      for (let round = 0; round <= ROUNDS; round++) {
        // The page's own rows alone (context), then the floor: those rows and the rows they carry, serialised together.
        let t = performance.now();
        const rows = stmt.all(HEAVY_PERSON, PAGE) as unknown[];
        JSON.stringify(rows);
        if (round > 0) times.rows.push(performance.now() - t);
        counts.sql = rows.length;

        t = performance.now();
        JSON.stringify({ rows: stmt.all(HEAVY_PERSON, PAGE), carried: carried ? carried.all({ person: HEAVY_PERSON, page: PAGE }) : [] });
        if (round > 0) times.sql.push(performance.now() - t);

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
    const rowsOnly = median(times.rows);
    const sql = median(times.sql);
    const subgraph = median(times.subgraph);
    const gateway = median(times.gateway);
    const ratio = subgraph / sql;
    const added = gateway / subgraph - 1;
    const floorIs = p.carried ? `the page's rows with ${p.carried.what}` : "the page's rows";
    console.log(
      `  ${p.label}: SQL ${sql.toFixed(1)} ms (${floorIs}; ${counts.sql} rows alone ${rowsOnly.toFixed(1)} ms), subgraph ${subgraph.toFixed(1)} ms (${counts.subgraph}), gateway ${gateway.toFixed(1)} ms (${counts.gateway})`,
    );
    if (counts.sql !== counts.subgraph || counts.subgraph !== counts.gateway) console.log(`  note: the three read different numbers of records`);
    record({
      measure: `one page of ${PAGE} ${p.label}: SQL (${floorIs}) / subgraph / gateway`,
      figure: `${sql.toFixed(0)} / ${subgraph.toFixed(0)} / ${gateway.toFixed(0)} ms: subgraph ${ratio.toFixed(1)}× SQL, gateway adds ${(added * 100).toFixed(0)}% (${(subgraph / rowsOnly).toFixed(1)}× the rows alone)`,
      target: 'subgraph ≤ 3× SQL, gateway adds ≤ 30%',
      pass: ratio <= 3 && added <= 0.3,
    });
  }
}
