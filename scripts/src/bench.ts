import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { listSubgraphs } from '@footprint/schema';
import { HEAVY_PERSON } from '@footprint/kit';
import { DirectSource, gatewaySource, kindOwners, planFootprint, traverseFootprint, type PageSource } from '@footprint/gateway/footprint';
import { postToDomain } from '@footprint/gateway/transport';
import { benchErasure } from './bench-erasure.js';
import { benchExport } from './bench-export.js';
import { benchViewer } from './bench-viewer.js';
import { benchRequests } from './bench-requests.js';
import { residentMb } from './rss.js';
import { closeHeavy, heavyFederation } from './bench-heavy.js';
import { benchLoad } from './bench-load.js';
import { benchOverload } from './bench-overload.js';
import { benchPages } from './bench-pages.js';
import { byKind, firstDifference, openFootprintFloor } from './bench-floor.js';
import { machine, median, printSummary, record } from './bench-table.js';
import { mintToken } from './tokens.js';

/**
 * npm run bench: the heavy person's whole footprint through the federation
 * (gateway + subgraphs, real HTTP, page by page) against the floor — the same
 * answer built straight from the SQLite files in one process (bench-floor.ts).
 */
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
/** Clients reading the whole footprint at once in the load phase (gateway memory under load). */
const LOAD_CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 3);

/** The person's bare rows of every table, serialised: the footprint's floor before issue 24, printed for context. */
function bareRowsOf(dataDir: string, person: string): { rows: number; bytes: number } {
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
        const order = cols.some((c) => c.name === 'id') ? ' order by id' : '';
        const stmt = byPerson ? db.prepare(`select * from "${t}" where person_id = ?${order}`) : db.prepare(`select * from "${t}"`);
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

async function benchFootprint(): Promise<void> {
  const h = await heavyFederation();
  const { fed, dataDir, schema } = h;
  {
    const token = await mintToken(h.jwtSecret, { sub: HEAVY_PERSON });
    // The same HTTP client as the direct readers below (undici's request), so the two rows differ by the gateway alone.
    const execute = async (query: string, variables: Record<string, unknown>) => {
      const res = await postToDomain(fed.gatewayUrl, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        timeoutMs: 60_000,
      });
      return (await res.json()) as { data?: unknown; errors?: { message: string }[] };
    };
    const urls = [...fed.subgraphs.values()].map((s) => s.url);
    // The old floor, for context: the person's bare rows of every table, serialised (no metadata, no shaping).
    const bareTimes: number[] = [];
    let bareRows = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const t = performance.now();
      bareRows = bareRowsOf(dataDir, HEAVY_PERSON).rows;
      if (round > 0) bareTimes.push(performance.now() - t);
    }
    const bare = median(bareTimes);
    console.log(`
footprint of the heavy person (${HEAVY_PERSON}); median of ${ROUNDS} rounds after a warm-up; page size ${PAGE}, ${CONCURRENCY} kinds at a time
  floor = the same answer (the same JSON, metadata included) built straight from SQLite in one process, checked equal to the gateway's
  (bare rows of every table → JSON, no metadata: ${bare.toFixed(0)} ms for ${bareRows} rows; the floor before issue 24, for context)`);
    const ratios: { meta: string; ratio: number; records: number; same: boolean }[] = [];
    const floors = new Map<'record' | 'full', number>();
    for (const meta of ['record', 'full'] as const) {
      const plan = planFootprint(schema, { meta });
      const label = meta === 'full' ? 'every RecordMeta field on every record' : 'per-record metadata only (as exports read)';
      // The floor for this selection, and whether it answers what the gateway answers (one untimed read each).
      const sameAnswer = await openFootprintFloor(dataDir, schema, h.supergraphSdl, plan);
      const floorTimes: number[] = [];
      const times: number[] = [];
      let floorRecords = 0;
      let records = 0;
      let stmts = 0;
      let difference: string | null;
      try {
        // The gateway's answer, every page of every kind kept, against the floor's (in a function, so neither is held while timing).
        difference = await (async () => {
          const pages = new Map<string, Record<string, unknown>[]>();
          const g = await traverseFootprint(plan, HEAVY_PERSON, execute, { onPage: (p) => { const key = `${p.kind.domain}.${p.kind.field}`; pages.set(key, (pages.get(key) ?? []).concat(p.records)); } }, PAGE, { concurrency: CONCURRENCY });
          if (g.failedDomains.size) throw new Error(`domains failed: ${[...g.failedDomains.keys()].join(', ')}`);
          return firstDifference(JSON.stringify(byKind(plan.kinds, (k) => pages.get(`${k.domain}.${k.field}`) ?? [])), sameAnswer.read(HEAVY_PERSON).json);
        })();
        // The floor and the federation interleaved, round by round: on a shared machine both then see the same load.
        for (let round = 0; round <= ROUNDS; round++) {
          let t = performance.now();
          floorRecords = sameAnswer.read(HEAVY_PERSON).records;
          if (round > 0) floorTimes.push(performance.now() - t);
          const before = await statements(urls);
          t = performance.now();
          // Each page is serialised inside the timed traversal, as an export writes it; the sum itself is not reported.
          // biome-ignore lint/correctness/noUnusedVariables: written so the serialisation is not dead code; never read
          let bytes = 0;
          const r = await traverseFootprint(plan, HEAVY_PERSON, execute, { onPage: (p) => { bytes += JSON.stringify(p.records).length; } }, PAGE, { concurrency: CONCURRENCY });
          if (round > 0) times.push(performance.now() - t);
          if (r.failedDomains.size) throw new Error(`domains failed: ${[...r.failedDomains.keys()].join(', ')}`);
          stmts = (await statements(urls)) - before;
          records = r.records;
        }
      } finally {
        sameAnswer.close();
      }
      const floorMs = median(floorTimes);
      floors.set(meta, floorMs);
      console.log(`  floor, ${label}: ${floorMs.toFixed(0)} ms for ${floorRecords} records; the same JSON as the gateway's answer: ${difference === null ? 'yes' : `NO — first difference at ${difference}`}`);
      const f = median(times);
      console.log(`  federation, ${label}:
      ${f.toFixed(0)} ms for ${records} records → ${(f / floorMs).toFixed(2)}× the floor (target ≤ 3×; ${(f / bare).toFixed(2)}× the bare rows); ${stmts} SQL statements`);
      ratios.push({ meta: meta === 'full' ? 'every metadata field' : 'per-record metadata', ratio: f / floorMs, records, same: difference === null });
    }
    // Which way the gateway answered those requests: its fast path (domain bytes forwarded) or Apollo's execution.
    const fastPath = ((await (await fetch(new URL('/health', fed.gatewayUrl))).json()) as { fastPath?: { fast: number; apollo: number; handedOver: number } | null }).fastPath;
    if (fastPath) console.log(`  gateway requests so far: ${fastPath.fast} on the fast path, ${fastPath.apollo} through Apollo (${fastPath.handedOver} handed over)`);
    record({
      measure: `heavy person's whole footprint (${ratios[0]?.records ?? '?'} records) through the gateway vs the same answer straight from SQLite`,
      figure: ratios.map((r) => `${r.ratio.toFixed(2)}× with ${r.meta}${r.same ? '' : ' (floor NOT the same answer)'}`).join(', '),
      target: '≤ 3× both, against a floor that gives the same JSON',
      // A floor that answers something else measures nothing: no verdict then.
      pass: ratios.every((r) => r.same) ? ratios.every((r) => r.ratio <= 3) : null,
    });
    // The same footprint read from each kind's own subgraph (`_entities`, as exports read it): the subgraphs' share of the gateway's ratio.
    const subgraphUrls = Object.fromEntries([...fed.subgraphs.entries()].map(([name, s]) => [name, s.url]));
    const direct: { meta: string; ratio: number }[] = [];
    for (const meta of ['record', 'full'] as const) {
      const plan = planFootprint(schema, { meta });
      const source = (): PageSource =>
        new DirectSource({
          owners: kindOwners(schema, plan, subgraphUrls),
          fallback: gatewaySource(execute),
          credential: { actor: HEAVY_PERSON, actorType: 'subject', person: HEAVY_PERSON, scopes: [], requestId: 'bench-direct' },
          internalSecret: h.internalSecret,
          // The export worker's transport (without its circuit breakers).
          fetchFor: () => (u, init) => postToDomain(u, { headers: init.headers ?? {}, body: Buffer.from(init.body ?? '').toString('utf8'), timeoutMs: 60_000 }),
          timeoutMs: 60_000,
        });
      const times: number[] = [];
      for (let round = 0; round <= ROUNDS; round++) {
        const t = performance.now();
        // biome-ignore lint/correctness/noUnusedVariables: written so the serialisation is not dead code; never read
        let bytes = 0;
        const r = await traverseFootprint(plan, HEAVY_PERSON, source(), { onPage: (p) => { bytes += JSON.stringify(p.records).length; } }, PAGE, { concurrency: CONCURRENCY });
        if (round > 0) times.push(performance.now() - t);
        if (r.failedDomains.size) throw new Error(`domains failed (direct): ${[...r.failedDomains.keys()].join(', ')}`);
      }
      const f = median(times);
      const fl = floors.get(meta)!;
      console.log(`  each kind from its own subgraph (_entities, no gateway), ${meta === 'full' ? 'every metadata field' : 'per-record metadata'}: ${f.toFixed(0)} ms → ${(f / fl).toFixed(2)}× the floor`);
      direct.push({ meta: meta === 'full' ? 'every metadata field' : 'per-record metadata', ratio: f / fl });
    }
    record({
      measure: 'heavy whole footprint read straight from the subgraphs (no gateway) vs the same-answer floor',
      figure: direct.map((r) => `${r.ratio.toFixed(2)}× with ${r.meta}`).join(', '),
      target: '≤ 2.5× both (so the gateway path can stay ≤ 3×)',
      pass: direct.every((r) => r.ratio <= 2.5),
    });
    // Memory under load: several clients read the whole footprint (full metadata) at once, three times over.
    const gw = fed.gateway.child.pid;
    const subgraphPeak = () => Math.max(...[...fed.subgraphs.values()].map((s) => residentMb(s.child.pid).peak));
    const before = residentMb(gw);
    const plan = planFootprint(schema, { meta: 'full' });
    try {
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: LOAD_CLIENTS }, () => traverseFootprint(plan, HEAVY_PERSON, execute, { onPage: () => {} }, PAGE, { concurrency: CONCURRENCY })));
      }
    } catch (err) {
      // Not a row of the table: said here, and the other parts still run on this federation.
      console.log(`  memory under load: did not complete — ${err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
    const after = residentMb(gw);
    const health = (await (await fetch(new URL('/health', fed.gatewayUrl))).json()) as { memory?: { heapUsedMb: number; heapLimitMb: number } };
    const mb = (n: number) => `${n.toFixed(0)} MB`;
    console.log(`  memory: gateway RSS ${mb(before.now)} before the load; ${LOAD_CLIENTS} clients × 3 rounds of the whole footprint (${CONCURRENCY} kinds each at a time):
      gateway peak RSS ${mb(after.peak)} (whole run), ${mb(after.now)} after; heap ${health.memory?.heapUsedMb ?? '?'} of ${health.memory?.heapLimitMb ?? '?'} MB; subgraph peak RSS ${mb(subgraphPeak())} (target: flat, < 300 MB)`);
  }
}

/**
 * BENCH_ONLY runs some parts (comma-separated): footprint, pages, export, cpu (footprint vs bare gateway),
 * subgraph (gateway / subgraph RPS), discovery, load (cpu + subgraph + discovery), overload (heavy readers), erasure, requests,
 * viewer (the archive viewer on the heavy person's archive in Chromium).
 * Unset: all of them, and the summary of every row of issue 14's table at the end.
 */
const PARTS = ['footprint', 'pages', 'export', 'cpu', 'subgraph', 'discovery', 'overload', 'erasure', 'requests', 'viewer'] as const;
const only = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').flatMap((p) => (p.trim() === 'load' ? ['cpu', 'subgraph', 'discovery'] : [p.trim()])));
const unknown = [...only].filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length) throw new Error(`BENCH_ONLY: unknown part(s) ${unknown.join(', ')}; known: ${PARTS.join(', ')}, load`);
console.log(`benchmark (${[...only].join(', ')}) on ${machine()}`);
/** A part that fails (e.g. a service that would not start on an overloaded machine) is reported in the summary; the others still run. */
async function part(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    console.log(`\n${name}: did not complete — ${why}`);
    record({ measure: `${name} (part did not complete)`, figure: why.slice(0, 160), target: 'see README', pass: null });
  }
}
try {
  if (only.has('footprint')) await part('footprint', benchFootprint);
  if (only.has('pages')) await part('pages', benchPages);
  if (only.has('viewer')) await part('viewer', benchViewer);
  const load = new Set((['cpu', 'subgraph', 'discovery'] as const).filter((p) => only.has(p)));
  if (load.size) await part([...load].join(','), () => benchLoad(load));
  // Last on the shared federation: it may leave the gateway restarted.
  if (only.has('overload')) await part('overload', benchOverload);
} finally {
  await closeHeavy();
}
if (only.has('export')) await part('export', benchExport);
if (only.has('erasure')) await part('erasure', benchErasure);
if (only.has('requests')) await part('requests', benchRequests);
printSummary();
console.log(`\nend: ${machine()}`);
