import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '@footprint/kit';
import { launchCluster, type Cluster } from './cluster.js';
import { seedAll } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * npm run bench:scale [-- --users 200 --seconds 10]: printed, not asserted.
 * On a PostgreSQL database made for the run (FOOTPRINT_BENCH_POSTGRES_URL's server, dropped after) and Redis:
 * 1. exports of every seeded person with 1, 2 and 4 workers: records per second and the ratio to one worker;
 * 2. one footprint query at concurrency 50 against one gateway, then against two behind HAProxy.
 * The CPU count is printed beside the ratios: on a machine with fewer cores than processes they measure the cores.
 */
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : def;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive whole number`);
  return v;
};
const USERS = arg('users', 200);
const SECONDS = arg('seconds', 10);
const CONCURRENCY = 50;
const SERVER = process.env.FOOTPRINT_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** FOOTPRINT_BENCH_LOGS=1: the services' logs on this terminal (a service that will not start says why). */
const stdio = process.env.FOOTPRINT_BENCH_LOGS === '1' ? 'inherit' : 'ignore';
const secret = loadConfig().jwtSecret;
if (!secret) throw new Error('bench:scale mints its own tokens: it needs the development JWT secret (not NODE_ENV=production)');

async function admin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

const people = Array.from({ length: USERS }, (_, i) => String(20000001 + i));
const QUERY = '{ me { account { profile { nodes { name email } } } orders { orders(first: 20) { totalCount nodes { orderNumber total status } } } } }';

async function post(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: Record<string, unknown>; errors?: { message: string }[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
}

async function exportsRound(cluster: Cluster, tokens: Map<string, string>): Promise<{ records: number; seconds: number; failed: number }> {
  const start = performance.now();
  const ids = await Promise.all(
    people.map(async (p) => {
      const r = await post(cluster.url, tokens.get(p)!, 'mutation { requestExport { id } }');
      if (r.errors?.length) throw new Error(`requestExport for ${p}: ${r.errors[0]!.message}`);
      return { p, id: (r.data!.requestExport as { id: string }).id };
    }),
  );
  let records = 0;
  let failed = 0;
  const open = new Set(ids.map((x) => x.id));
  while (open.size > 0) {
    await new Promise((r) => setTimeout(r, 250));
    for (const { p, id } of ids) {
      if (!open.has(id)) continue;
      const r = await post(cluster.url, tokens.get(p)!, 'query J($id: ID!) { exportJob(jobId: $id) { state archive { records } } }', { id });
      const job = r.data?.exportJob as { state: string; archive: { records: number } | null } | undefined;
      if (!job || ['QUEUED', 'RUNNING'].includes(job.state)) continue;
      open.delete(id);
      if (job.state === 'SUCCEEDED') records += job.archive?.records ?? 0;
      else failed += 1;
    }
  }
  return { records, seconds: (performance.now() - start) / 1000, failed };
}

async function load(url: string, tokens: string[]): Promise<{ rps: number; p50: number; p95: number; errors: number }> {
  const times: number[] = [];
  let errors = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      while (Date.now() < end) {
        const t = performance.now();
        const r = await post(url, tokens[i % tokens.length]!, QUERY).catch(() => ({ errors: [{ message: 'network' }] }));
        times.push(performance.now() - t);
        if (r.errors?.length) errors += 1;
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { rps: times.length / SECONDS, p50: times[Math.floor(times.length * 0.5)] ?? 0, p95: times[Math.floor(times.length * 0.95)] ?? 0, errors };
}

const dbName = `fp_bench_scale_${process.pid}_${randomBytes(3).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'footprint-bench-scale-'));
await admin(`create database ${dbName}`);
const url = new URL(SERVER);
url.pathname = `/${dbName}`;
const databaseUrl = url.toString();
try {
  console.log(`CPU: ${availableParallelism()} available (${cpus()[0]?.model ?? 'unknown'}); PostgreSQL ${dbName}; Redis ${REDIS_URL}`);
  process.env.FOOTPRINT_DATABASE_URL = databaseUrl;
  const seedStart = performance.now();
  await seedAll({ dataDir, users: USERS });
  console.log(`seeded ${USERS} people in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const tokens = new Map(await Promise.all(people.map(async (p) => [p, await mintToken(secret, { sub: p, ttlSeconds: 3600 })] as const)));
  const env = { FOOTPRINT_DATABASE_URL: databaseUrl, REDIS_URL, FOOTPRINT_EXPORT_MAX_PER_WINDOW: '1000', LOG_LEVEL: 'warn' };

  console.log(`\nExports of ${USERS} people through HAProxy, two gateways:`);
  let base = 0;
  for (const workers of [1, 2, 4]) {
    const run = randomBytes(4).toString('hex');
    const cluster = await launchCluster({ stdio, dataDir, exportDir: join(dataDir, `exports-${run}`), workers, env: { ...env, FOOTPRINT_EXPORT_QUEUE: `bench-${run}`, FOOTPRINT_EXPORT_QUEUE_PREFIX: `footprint-bench-${run}` } });
    try {
      const r = await exportsRound(cluster, tokens);
      const rate = r.records / r.seconds;
      if (workers === 1) base = rate;
      console.log(`  ${workers} worker(s): ${r.records} records in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)} records/s, ×${(rate / base).toFixed(2)} of one worker${r.failed ? `, ${r.failed} FAILED` : ''} (${availableParallelism()} CPUs)`);
    } finally {
      await cluster.stop();
    }
  }

  console.log(`\nFootprint query, ${CONCURRENCY} concurrent clients for ${SECONDS} s each:`);
  const run = randomBytes(4).toString('hex');
  const cluster = await launchCluster({ stdio, dataDir, workers: 1, env: { ...env, FOOTPRINT_EXPORT_QUEUE: `bench-${run}`, FOOTPRINT_EXPORT_QUEUE_PREFIX: `footprint-bench-${run}` } });
  try {
    const list = [...tokens.values()];
    const one = await load(`http://127.0.0.1:${cluster.gateways[0]!.port}/graphql`, list);
    console.log(`  one gateway:          ${one.rps.toFixed(0)} req/s, p50 ${one.p50.toFixed(0)} ms, p95 ${one.p95.toFixed(0)} ms, ${one.errors} errors`);
    const two = await load(cluster.url, list);
    console.log(`  two behind HAProxy:   ${two.rps.toFixed(0)} req/s, p50 ${two.p50.toFixed(0)} ms, p95 ${two.p95.toFixed(0)} ms, ${two.errors} errors — ×${(two.rps / one.rps).toFixed(2)} (${availableParallelism()} CPUs)`);
  } finally {
    await cluster.stop();
  }
} finally {
  await admin(`drop database if exists ${dbName} with (force)`);
  rmSync(dataDir, { recursive: true, force: true });
}
