import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { listSubgraphs } from '@footprint/schema';
import { HEAVY_PERSON } from '@footprint/kit';
import { launchForBench } from './bench-heavy.js';
import { seedAll } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * The erasure benchmark: the heavy person's whole account (50,000+ records)
 * erased through the federation — an erasure job in the gateway, every
 * domain's `_erase` over real HTTP, batched statements in one transaction per
 * kind, receipts checked against discovery — against the floor: the same
 * person's rows deleted straight with SQL (one DELETE per table that has a
 * person_id, one transaction per store) in one process, on a second copy of
 * the same seed. Prints both times, their ratio, the rows each removed, and
 * the services' peak RSS (bounded memory: it must not grow with the person).
 */

const FLOOR_ROUNDS = 3;

/** Peak resident set (VmHWM) of a process, in MB (Linux). */
function peakRssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function floor(dataDir: string, person: string): { ms: number; rows: number } {
  const t = performance.now();
  let rows = 0;
  for (const { name } of listSubgraphs()) {
    const file = join(dataDir, `${name}.db`);
    if (!existsSync(file)) continue;
    const db = new Database(file);
    try {
      const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely_%' and name not like 'sqlite_%'").all() as { name: string }[]).filter(
        ({ name: t2 }) => (db.prepare(`pragma table_info("${t2}")`).all() as { name: string }[]).some((c) => c.name === 'person_id'),
      );
      db.pragma('foreign_keys = OFF');
      db.transaction(() => {
        for (const { name: t2 } of tables) rows += db.prepare(`delete from "${t2}" where person_id = ?`).run(person).changes;
      })();
    } finally {
      db.close();
    }
  }
  return { ms: performance.now() - t, rows };
}

interface Receipt {
  domain: string;
  kinds: { deleted: number; anonymized: number; retained: number }[];
}

export async function benchErasure(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-bench-erase-'));
  const floorDir = mkdtempSync(join(tmpdir(), 'footprint-bench-erase-floor-'));
  console.log('seeding the heavy person twice (federation and floor) …');
  await seedAll({ dataDir, heavy: true });
  await seedAll({ dataDir: floorDir, heavy: true });
  const jwtSecret = randomBytes(32).toString('hex');
  const env = { NODE_ENV: 'production', FOOTPRINT_JWT_SECRET: jwtSecret, FOOTPRINT_INTERNAL_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn' };
  const fed = await launchForBench({ dataDir, env });
  try {
    const token = await mintToken(jwtSecret, { sub: 'bench-operator', operator: true, scopes: ['footprint:erase', 'footprint:read'] });
    const call = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
      const res = await fetch(fed.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-footprint-reason': 'erasure benchmark' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
      if (body.errors?.length || !body.data) throw new Error(`gateway: ${body.errors?.[0]?.message ?? `HTTP ${res.status}`}`);
      return body.data;
    };
    const countAll = async () => {
      const d = await call<{ person: { discovery: { domains: { kinds: { count: number }[] }[] } } }>('query($id: ID!) { person(id: $id) { discovery { domains { kinds { count } } } } }', { id: HEAVY_PERSON });
      return d.person.discovery.domains.flatMap((x) => x.kinds).reduce((n, k) => n + k.count, 0);
    };
    const held = await countAll();
    const t = performance.now();
    const started = await call<{ requestErasure: { id: string } }>('mutation($id: ID!) { requestErasure(personId: $id, input: { reason: "benchmark" }) { id } }', { id: HEAVY_PERSON });
    const id = started.requestErasure.id;
    let job: { state: string; error: { message: string } | null; receipts: Receipt[] };
    for (;;) {
      job = (await call<{ erasureJob: typeof job }>('query($id: ID!) { erasureJob(jobId: $id) { state error { message } receipts { domain kinds { deleted anonymized retained } } } }', { id })).erasureJob;
      if (job.state !== 'QUEUED' && job.state !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t;
    if (job.state !== 'SUCCEEDED') throw new Error(`the erasure ${job.state}: ${job.error?.message}`);
    const kinds = job.receipts.flatMap((r) => r.kinds);
    const deleted = kinds.reduce((n, k) => n + k.deleted, 0);
    const anonymized = kinds.reduce((n, k) => n + k.anonymized, 0);
    const retained = kinds.reduce((n, k) => n + k.retained, 0);
    const rss = [['gateway', fed.gateway.child.pid] as const, ...[...fed.subgraphs.values()].map((s) => [s.name, s.child.pid] as const)].map(([n, pid]) => `${n} ${peakRssMb(pid).toFixed(0)}`);
    // The floor is cheap to repeat: each round deletes from a fresh copy of the seeded files (the copy is not timed).
    const rounds: { ms: number; rows: number }[] = [];
    for (let round = 0; round < FLOOR_ROUNDS; round++) {
      const copy = mkdtempSync(join(tmpdir(), 'footprint-bench-erase-round-'));
      try {
        for (const f of readdirSync(floorDir)) if (f.endsWith('.db')) copyFileSync(join(floorDir, f), join(copy, f));
        rounds.push(floor(copy, HEAVY_PERSON));
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    }
    const fl = { ms: [...rounds.map((r) => r.ms)].sort((a, b) => a - b)[Math.floor(rounds.length / 2)]!, rows: rounds[0]!.rows };
    console.log(`
erasure of the heavy person (${HEAVY_PERSON}, ${held} records) — whole account, ${job.receipts.length} domains, account last
  floor (the same person's rows deleted straight with SQL, one process; median of ${FLOOR_ROUNDS}): ${fl.ms.toFixed(0)} ms for ${fl.rows} rows (every table with a person_id, retained ones too)
  federation (erasure job, receipts verified against discovery): ${ms.toFixed(0)} ms → ${(ms / fl.ms).toFixed(1)}× the floor
      ${deleted} deleted, ${anonymized} anonymised, ${retained} retained by law
  peak RSS (MB): ${rss.join(', ')}`);
  } finally {
    await fed.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(floorDir, { recursive: true, force: true });
  }
}
