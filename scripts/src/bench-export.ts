import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { listSubgraphs } from '@footprint/schema';
import { HEAVY_PERSON } from '@footprint/kit';
import { launchForBench } from './bench-heavy.js';
import { peakRssMb } from './rss.js';
import { record } from './bench-table.js';
import { seedAll } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * The export benchmark: the heavy person's portability archive built through
 * the federation (an export job: gateway, subgraphs, real HTTP, page by page)
 * against the floor — the same rows read straight from the SQLite files and
 * written by the same archive code into a ZIP, in one process. Reported for a
 * person of about 10k records and one of over 1M: throughput (records/s) and
 * the ratio to the floor (target ≥ 50%), and peak RSS (target flat, < 300 MB).
 *
 * BENCH_EXPORT_SIZES (default "10000,100000": records of the heavy person,
 * roughly — the seed grows by scale units; add 1000000 for the 1M row, which
 * seeds for several minutes), or BENCH_EXPORT_SCALES (heavy-person scales,
 * about 64 records per unit; messaging stays at scale 4,000 at most).
 * The services run with default settings (launchFederation's, as `npm start`:
 * FOOTPRINT_GATEWAY_HEAP_MB / FOOTPRINT_SUBGRAPH_HEAP_MB, else 256 MB); with
 * BENCH_EXPORT_HEAP_MB a second run bounds both heaps to that many MB.
 * BENCH_EXPORT_PAGE_SIZE (default: the export default); any FOOTPRINT_EXPORT_*
 * variable is passed to the gateway (the run is then not "default settings").
 *
 * Each federation exports the person BENCH_EXPORT_ROUNDS (default 3) times in a
 * row: the first export after the services start also pays their one-off
 * warm-up (every subgraph compiling and validating the export's query shapes
 * once, V8 optimising the code paths), the later ones are the steady state of
 * a running service — the throughput the target is about, as the footprint
 * rows are measured after a warm-up. Both are printed; the floor is the median
 * of FLOOR_RUNS runs, each in a fresh process.
 */

const RECORDS_PER_SCALE = 64;
/** The messaging seed cannot invent more than a few hundred distinct masked correspondents: it stays at this scale, the other domains make up the 1M. */
const MESSAGING_MAX_SCALE = 4000;
/** About this many records per scale unit are messaging's, which stop growing at MESSAGING_MAX_SCALE. */
const MESSAGING_PER_SCALE = 10;
/** The floor is one process's read of SQLite files: the median of a few runs, since one run swings by ±15% on a busy 2-core machine. */
const FLOOR_RUNS = 3;

/** The heavy-person scale that seeds about `records` records. */
function scaleFor(records: number): number {
  const capped = RECORDS_PER_SCALE * MESSAGING_MAX_SCALE;
  if (records <= capped) return Math.max(1, Math.round(records / RECORDS_PER_SCALE));
  return Math.round((records - MESSAGING_PER_SCALE * MESSAGING_MAX_SCALE) / (RECORDS_PER_SCALE - MESSAGING_PER_SCALE));
}

interface FloorResult {
  records: number;
  bytes: number;
  ms: number;
  maxRssMb: number;
}

// The gateway's archive code, the same the export jobs use; loaded only in the floor's own process.
type ArchiveFacts = Parameters<typeof import('@footprint/gateway/exports/archive/build').buildArchive>[0];
type FloorSpec = import('@footprint/gateway/exports/archive/stage').KindSpec;

/**
 * The floor, in the process that runs it: every record table of every domain
 * store, the person's rows in id order, streamed in chunks into the same
 * KindWriter and buildArchive the export jobs use.
 */
async function runFloor(dataDir: string, person: string, outDir: string): Promise<FloorResult> {
  const { KindWriter } = await import('@footprint/gateway/exports/archive/stage');
  const { buildArchive } = await import('@footprint/gateway/exports/archive/build');
  const { contentPath, stageContent } = await import('@footprint/gateway/exports/archive/content');
  const staging = join(outDir, 'floor.parts');
  mkdirSync(staging, { recursive: true });
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const kinds: ArchiveFacts['kinds'] = [];
  const domains: string[] = [];
  let records = 0;
  for (const { name: domain } of listSubgraphs()) {
    const db = new Database(join(dataDir, `${domain}.db`), { readonly: true, fileMustExist: true });
    domains.push(domain);
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely_%' and name not like 'sqlite_%'").all() as { name: string }[];
      for (const { name: table } of tables) {
        const cols = db.prepare(`pragma table_info("${table}")`).all() as { name: string }[];
        // Record tables only (the kit's createRecordTable columns): the rows the export reads as records.
        if (!['person_id', 'collected_at', 'region', 'source'].every((n) => cols.some((c) => c.name === n))) continue;
        const columns: FloorSpec['columns'] = [
          { name: 'id', path: ['id'], type: 'ID', json: false, nullable: false },
          { name: 'provenance', path: ['provenance'], type: 'String', json: false, nullable: false },
          { name: 'portable', path: ['portable'], type: 'Boolean', json: false, nullable: false },
          ...cols.filter((c) => c.name !== 'id').map((c) => ({ name: c.name, path: [c.name], type: 'String', json: false, nullable: true })),
        ];
        const spec: FloorSpec = { kind: `${domain}.${table}`, domain, stem: table, typename: table, meta: undefined, columns };
        const writer = await KindWriter.open(spec, staging);
        const order = cols.some((c) => c.name === 'id') ? ' order by id' : '';
        let chunk: Record<string, unknown>[] = [];
        for (const row of db.prepare(`select * from "${table}" where person_id = ?${order}`).iterate(person) as Iterable<Record<string, unknown>>) {
          chunk.push(row);
          if (chunk.length === 5000) {
            await writer.page(chunk);
            chunk = [];
          }
        }
        await writer.page(chunk);
        const r = await writer.finish(true);
        records += r.records;
        kinds.push({ kind: spec.kind, domain, field: table, typename: table, status: 'COMPLETE', done: r.records, total: r.records, run: 1, error: null, ...r });
      }
      // The person's file content (photos, synced files), as the job streams it from the cloud subgraph's /files:
      // here straight from the blob folder, hashed and checked by the same staging code.
      for (const { name: table } of tables) {
        const cols = new Set((db.prepare(`pragma table_info("${table}")`).all() as { name: string }[]).map((c) => c.name));
        if (!['record_id', 'person_id', 'sha256', 'bytes', 'mime_type'].every((n) => cols.has(n))) continue;
        const contents: ArchiveFacts['kinds'][number]['contents'] = [];
        const seen = new Set<string>();
        for (const row of db.prepare(`select record_id as recordId, sha256, bytes, mime_type as mimeType from "${table}" where person_id = ? order by record_id`).iterate(person) as Iterable<{ recordId: number; sha256: string; bytes: number; mimeType: string }>) {
          const path = contentPath(domain, row.sha256, row.mimeType);
          if (seen.has(path)) continue;
          seen.add(path);
          const blob = join(dataDir, `${domain}-blobs`, row.sha256.slice(0, 2), row.sha256.slice(2, 4), row.sha256);
          contents.push({ ...(await stageContent(staging, path, { sha256: row.sha256, bytes: Number(row.bytes), recordId: String(row.recordId) }, createReadStream(blob))), mediaType: row.mimeType });
        }
        const none = { provided: 0, observed: 0, inferred: 0, received: 0 };
        kinds.push({ kind: `${domain}.${table}`, domain, field: table, typename: table, status: 'COMPLETE', done: 0, total: 0, run: 1, error: null, files: [], contents, provenance: none, portable: 0, regions: [], sources: [], origins: [], residence: null });
      }
    } finally {
      db.close();
    }
  }
  const finishedAt = new Date().toISOString();
  const facts: ArchiveFacts = {
    jobId: randomUUID(),
    person,
    requestedBy: 'SUBJECT',
    allowPartial: false,
    createdAt: startedAt,
    startedAt,
    finishedAt,
    runs: 1,
    footprintVersion: 'floor',
    schemaHash: 'sha256:floor',
    domains,
    kinds,
    meta: new Map(),
    columns: new Map(),
    language: 'en',
    timeZone: null,
    residence: { country: null, region: null },
    gatewayRegion: 'NETHERLANDS',
    access: { entries: [], truncated: false },
  };
  const built = await buildArchive(facts, '# floor\n', staging, join(outDir, 'floor.zip'), 1);
  const ms = performance.now() - started;
  rmSync(staging, { recursive: true, force: true });
  return { records, bytes: built.bytes, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

/** The floor in a child process of its own, so its peak RSS is its own and not the seeding's. */
function floorInChild(dataDir: string, person: string, outDir: string): Promise<FloorResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--export-floor', dataDir, person, outDir], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the floor exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as FloorResult);
    });
  });
}

const Job = z.object({
  state: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: z.object({ recordsDone: z.number() }),
  error: z.object({ message: z.string() }).nullable(),
  archive: z.object({ sizeBytes: z.number() }).nullable(),
});

interface FederationResult {
  records: number;
  bytes: number;
  /** The first export after the services started. */
  firstMs: number;
  /** The median of the exports after it (the first one's again with a single round). */
  steadyMs: number;
  /** An export of what is new after the rounds (nothing changed: every record read and compared, none written). */
  incrementalMs: number;
  /** Peak RSS over every round (and the export of what is new). */
  gatewayRssMb: number;
  subgraphRssMb: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** heapMb undefined: launchFederation's defaults (as npm start); a number bounds both kinds of service. */
async function runFederation(dataDir: string, person: string, pageSize: string | undefined, heapMb: number | undefined, rounds: number): Promise<FederationResult> {
  // As in production: graphql-js skips its development-only checks there; throw-away secrets.
  const jwtSecret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    FOOTPRINT_JWT_SECRET: jwtSecret,
    FOOTPRINT_INTERNAL_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    // Export settings given to the benchmark (FOOTPRINT_EXPORT_*) reach the gateway, for tuning.
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('FOOTPRINT_EXPORT_') && e[1] !== undefined)),
    ...(pageSize ? { FOOTPRINT_EXPORT_PAGE_SIZE: pageSize } : {}),
    // The same person is exported once per round: §10's per-person limit would refuse the fourth.
    FOOTPRINT_EXPORT_MAX_PER_WINDOW: String(Math.max(3, rounds + 1)),
  };
  // A bounded heap makes V8 collect instead of growing with the garbage rate; an export that held a person whole would not fit.
  const fed = await launchForBench({ dataDir, env, heapMb: { gateway: heapMb, subgraph: heapMb } });
  try {
    const token = await mintToken(jwtSecret, { sub: person });
    const call = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await fetch(fed.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
    };
    const exportOnce = async (since?: string): Promise<{ records: number; bytes: number; ms: number }> => {
      const requested = since ? await call('mutation($since: String) { requestExport(input: { since: $since }) { id } }', { since }) : await call('mutation { requestExport { id } }');
      if (requested.errors?.length) throw new Error(`requestExport: ${requested.errors[0]!.message}`);
      const id = (requested.data!.requestExport as { id: string }).id;
      for (;;) {
        await new Promise((r) => setTimeout(r, 250));
        const res = await call('query($id: ID!) { exportJob(jobId: $id) { state startedAt finishedAt progress { recordsDone } error { message } archive { sizeBytes } } }', { id });
        const job = Job.parse(res.data?.exportJob);
        if (job.state === 'QUEUED' || job.state === 'RUNNING') continue;
        if (job.state !== 'SUCCEEDED') throw new Error(`export ${job.state}: ${job.error?.message}`);
        return { records: job.progress.recordsDone, bytes: job.archive!.sizeBytes, ms: Date.parse(job.finishedAt!) - Date.parse(job.startedAt!) };
      }
    };
    const runs: { records: number; bytes: number; ms: number }[] = [];
    for (let i = 0; i < rounds; i++) runs.push(await exportOnce());
    // Then one export of what is new (nothing changed): it reads every record and compares each page with the last
    // export's fingerprints, writing none — its time and memory beside the full ones'.
    const incremental = await exportOnce('LAST_EXPORT');
    const first = runs[0]!;
    // Every round exports the same records into an archive of the same size (the times inside it differ, not its length).
    const odd = runs.find((r) => r.records !== first.records);
    if (odd) throw new Error(`the exports of one person differ: ${first.records} records, then ${odd.records}`);
    return {
      records: first.records,
      bytes: first.bytes,
      firstMs: first.ms,
      steadyMs: median((runs.length > 1 ? runs.slice(1) : runs).map((r) => r.ms)),
      incrementalMs: incremental.ms,
      gatewayRssMb: peakRssMb(fed.gateway.child.pid),
      subgraphRssMb: Math.max(...[...fed.subgraphs.values()].map((s) => peakRssMb(s.child.pid))),
    };
  } finally {
    await fed.stop();
  }
}

const nf = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const mb = (n: number) => `${n.toFixed(0)} MB`;

export async function benchExport(): Promise<void> {
  const scales = process.env.BENCH_EXPORT_SCALES
    ? process.env.BENCH_EXPORT_SCALES.split(',').map((x) => z.coerce.number().int().min(1).parse(x.trim()))
    : (process.env.BENCH_EXPORT_SIZES ?? '10000,100000').split(',').map((x) => scaleFor(z.coerce.number().int().min(64).parse(x.trim())));
  const pageSize = process.env.BENCH_EXPORT_PAGE_SIZE;
  const bounded = process.env.BENCH_EXPORT_HEAP_MB ? z.coerce.number().int().min(32).parse(process.env.BENCH_EXPORT_HEAP_MB) : undefined;
  const tuned = Object.keys(process.env).filter((k) => k.startsWith('FOOTPRINT_EXPORT_') || k === 'FOOTPRINT_GATEWAY_HEAP_MB' || k === 'FOOTPRINT_SUBGRAPH_HEAP_MB');
  if (pageSize) tuned.push('BENCH_EXPORT_PAGE_SIZE');
  console.log(
    `\nexport benchmark: the heavy person's archive through the federation vs the floor (scales ${scales.join(', ')}, ~${RECORDS_PER_SCALE} records per unit; ${availableParallelism()} CPUs, load ${loadavg()[0]!.toFixed(1)})`,
  );
  const rounds = z.coerce.number().int().min(1).max(10).parse(process.env.BENCH_EXPORT_ROUNDS ?? '3');
  const rows: string[] = [];
  const defaults: { records: number; first: number; steady: number; gatewayRssMb: number; subgraphRssMb: number }[] = [];
  for (const scale of scales) {
    const dataDir = mkdtempSync(join(tmpdir(), 'footprint-bench-export-'));
    try {
      const t = performance.now();
      await seedAll({ dataDir, users: 0, heavy: true, heavyScale: scale, heavyScaleByDomain: { messaging: Math.min(scale, MESSAGING_MAX_SCALE) } });
      console.log(`  seeded scale ${scale} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const floors: FloorResult[] = [];
      for (let i = 0; i < FLOOR_RUNS; i++) floors.push(await floorInChild(dataDir, HEAVY_PERSON, dataDir));
      const floorMs = median(floors.map((f) => f.ms));
      const floorRecords = floors[0]!.records;
      const floorRate = floorRecords / (floorMs / 1000);
      console.log(`  floor: ${nf.format(floorRecords)} records in ${floors.map((f) => (f.ms / 1000).toFixed(2)).join(', ')} s (median ${(floorMs / 1000).toFixed(2)} s)`);
      // Default settings (what npm start and the systemd units use), then, if asked, with a tighter heap bound.
      for (const heap of bounded ? [undefined, bounded] : [undefined]) {
        const fed = await runFederation(dataDir, HEAVY_PERSON, pageSize, heap, rounds);
        const label = heap ? `heap ${heap} MB` : 'defaults';
        console.log(`  federation (${label}): ${nf.format(fed.records)} records, first export in ${(fed.firstMs / 1000).toFixed(2)} s, then ${(fed.steadyMs / 1000).toFixed(2)} s (median of ${Math.max(1, rounds - 1)}); of what is new since the last (nothing): ${(fed.incrementalMs / 1000).toFixed(2)} s`);
        const rate = (ms: number) => fed.records / (ms / 1000);
        const ratio = (ms: number) => rate(ms) / floorRate;
        if (!heap) defaults.push({ records: fed.records, first: ratio(fed.firstMs), steady: ratio(fed.steadyMs), gatewayRssMb: fed.gatewayRssMb, subgraphRssMb: fed.subgraphRssMb });
        rows.push(
          [
            nf.format(fed.records).padStart(10),
            label.padEnd(12),
            `${nf.format(rate(fed.steadyMs))}/s`.padStart(9),
            `${nf.format(floorRate)}/s`.padStart(9),
            `${(ratio(fed.steadyMs) * 100).toFixed(0)}%`.padStart(5),
            `${nf.format(rate(fed.firstMs))}/s`.padStart(9),
            `${(ratio(fed.firstMs) * 100).toFixed(0)}%`.padStart(5),
            mb(fed.gatewayRssMb).padStart(8),
            mb(fed.subgraphRssMb).padStart(8),
            mb(Math.max(...floors.map((f) => f.maxRssMb))).padStart(8),
            `${(fed.bytes / 1024 / 1024).toFixed(1)} MB`.padStart(9),
          ].join('  '),
        );
        if (fed.records !== floorRecords) console.log(`  note: the federation exported ${fed.records} records, the floor read ${floorRecords} rows`);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log('\n   records  services      steady     floor  ratio     first  ratio   gateway  subgraph     floor        ZIP');
  console.log('                                                                 peak RSS  peak RSS  peak RSS');
  for (const r of rows) console.log(r);
  console.log(`  steady: the median of exports 2…${rounds} of one running federation; first: the export right after the services started (their one-off warm-up included); peak RSS over all ${rounds}`);
  if (!defaults.some((d) => d.records >= 1_000_000)) console.log('  (the 1M row: BENCH_ONLY=export BENCH_EXPORT_SIZES=10000,100000,1000000 npm run bench — the 1M seed alone takes minutes)');
  if (tuned.length) console.log(`  note: ${tuned.join(', ')} set — not default settings`);
  const sizes = defaults.map((d) => nf.format(d.records)).join(' / ');
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  record({
    measure: `export throughput vs the DB→ZIP floor, running service (${sizes} records)`,
    figure: `${defaults.map((d) => pct(d.steady)).join(' / ')} (first export after start: ${defaults.map((d) => pct(d.first)).join(' / ')})`,
    target: '≥ 50% at every size',
    pass: defaults.length ? defaults.every((d) => d.steady >= 0.5) : null,
  });
  // Flat: the largest export's peak within 25% of the smallest's; the gateway runs the export (in a worker thread), the subgraphs serve its pages.
  const peaks = defaults.map((d) => Math.max(d.gatewayRssMb, d.subgraphRssMb));
  const flat = peaks.length > 1 ? peaks[peaks.length - 1]! <= peaks[0]! * 1.25 : null;
  record({
    measure: `peak RSS over ${rounds} exports, default settings (${sizes} records)`,
    figure: defaults.map((d) => `gateway ${mb(d.gatewayRssMb)}, subgraphs ≤ ${mb(d.subgraphRssMb)}`).join(' / ') + (flat === null ? '' : flat ? ' — flat' : ' — grows'),
    target: 'flat (largest ≤ 1.25× smallest), < 300 MB, no manual flags',
    pass: defaults.length && !tuned.length ? peaks.every((p) => p < 300) && flat !== false : null,
  });
}

// Run directly: `node scripts/dist/bench-export.js` (the whole benchmark) or, internally, one floor run.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--export-floor') {
    const [dataDir, person, outDir] = process.argv.slice(3) as [string, string, string];
    const r = await runFloor(dataDir, person, outDir);
    statSync(join(outDir, 'floor.zip'));
    rmSync(join(outDir, 'floor.zip'), { force: true });
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    await benchExport();
  }
}
