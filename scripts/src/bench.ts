import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { HEAVY_PERSON, listSubgraphs, loadConfig, REPO_ROOT } from '@footprint/schema';
import { planFootprint, schemaFromSupergraph, traverseFootprint } from '@footprint/gateway/footprint';
import { launchFederation } from './federation.js';
import { seedAll } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * npm run bench: the heavy person's whole footprint through the federation
 * (gateway + subgraphs, real HTTP, page by page) against the floor — the same
 * rows read straight from the SQLite files and serialised in one process.
 */
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function floor(dataDir: string, person: string): { rows: number; bytes: number } {
  let rows = 0;
  let bytes = 0;
  for (const { name } of listSubgraphs()) {
    const file = join(dataDir, `${name}.db`);
    if (!existsSync(file)) continue;
    const db = new Database(file, { readonly: true });
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely_%' and name not like 'sqlite_%'").all() as { name: string }[];
      for (const { name: t } of tables) {
        const cols = db.prepare(`pragma table_info("${t}")`).all() as { name: string }[];
        const byPerson = cols.some((c) => c.name === 'person_id');
        const stmt = byPerson ? db.prepare(`select * from "${t}" where person_id = ? order by id`) : db.prepare(`select * from "${t}"`);
        const all = (byPerson ? stmt.all(person) : stmt.all()) as unknown[];
        rows += all.length;
        bytes += JSON.stringify(all).length;
      }
    } finally {
      db.close();
    }
  }
  return { rows, bytes };
}

async function statements(urls: string[]): Promise<number> {
  const counts = await Promise.all(urls.map(async (u) => ((await (await fetch(new URL('/metrics', u))).json()) as { sqlStatements: number }).sqlStatements));
  return counts.reduce((a, b) => a + b, 0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function benchFootprint(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-bench-'));
  console.log('seeding the heavy person …');
  await seedAll({ dataDir, heavy: true });
  const fed = await launchFederation({ dataDir, env: { LOG_LEVEL: 'warn' } });
  try {
    const plan = planFootprint(schemaFromSupergraph(readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8')));
    const secret = loadConfig().jwtSecret!;
    const token = await mintToken(secret, { sub: HEAVY_PERSON });
    const execute = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(fed.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: unknown; errors?: { message: string }[] };
    };
    const urls = [...fed.subgraphs.values()].map((s) => s.url);
    const fedTimes: number[] = [];
    const floorTimes: number[] = [];
    let records = 0;
    let stmts = 0;
    let floorRows = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const before = await statements(urls);
      let t = performance.now();
      let bytes = 0;
      const r = await traverseFootprint(plan, HEAVY_PERSON, execute, { onPage: (p) => void (bytes += JSON.stringify(p.records).length) }, PAGE);
      const fedMs = performance.now() - t;
      if (r.failedDomains.size) throw new Error(`domains failed: ${[...r.failedDomains.keys()].join(', ')}`);
      stmts = (await statements(urls)) - before;
      records = r.records;
      t = performance.now();
      floorRows = floor(dataDir, HEAVY_PERSON).rows;
      const floorMs = performance.now() - t;
      if (round > 0) {
        fedTimes.push(fedMs);
        floorTimes.push(floorMs);
      }
    }
    const f = median(fedTimes);
    const fl = median(floorTimes);
    console.log(`
footprint of the heavy person (${HEAVY_PERSON}), median of ${ROUNDS} rounds after a warm-up
  records through the federation : ${records}  (page size ${PAGE})
  rows read by the floor         : ${floorRows}
  federation (gateway + 7 subgraphs over HTTP): ${f.toFixed(0)} ms
  floor (SQLite → JSON in one process)        : ${fl.toFixed(0)} ms
  ratio                                       : ${(f / fl).toFixed(2)}× the floor (target ≤ 3×)
  SQL statements for the whole footprint      : ${stmts}`);
  } finally {
    await fed.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await benchFootprint();
