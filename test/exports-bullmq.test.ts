import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, subjectToken } from './support/client.js';
import { download, readZip, requestExport, startGateway, startWorker, waitForJob, type JobView, type Proc } from './support/exports.js';
import { requires } from './support/requires.js';

await requires('redis');

/**
 * The Redis path: the gateway puts jobs on a BullMQ queue on the real Redis at
 * 127.0.0.1:6379 and `npm run worker` processes run them. The queue name and
 * key prefix are unique to this run, and every key under the prefix is deleted
 * afterwards.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const subgraphUrls = inject('subgraphUrls');
const run = randomUUID().slice(0, 8);
const env = {
  REDIS_URL,
  FOOTPRINT_EXPORT_QUEUE: `exports-test-${run}`,
  FOOTPRINT_EXPORT_QUEUE_PREFIX: `footprint-test-${run}`,
  FOOTPRINT_EXPORT_LOCK_MS: '1500',
  FOOTPRINT_EXPORT_MAX_PER_WINDOW: '50',
};
/** One record per page, so a job is still running when a worker is stopped. */
const SLOW = { FOOTPRINT_EXPORT_PAGE_SIZE: '1', FOOTPRINT_EXPORT_RETRIES: '3', FOOTPRINT_EXPORT_RETRY_BASE_MS: '50' };

let dir: string;
let gateway: Proc;
const workers: (Proc & { output: () => string })[] = [];
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });

function worker(extra: Record<string, string> = {}) {
  const w = startWorker({ ...env, ...extra, FOOTPRINT_DATA_DIR: dir, FOOTPRINT_GATEWAY_URL: gateway.url });
  workers.push(w);
  return w;
}

async function ready(w: Proc & { output: () => string }): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!w.output().includes('export worker ready')) {
    if (w.child.exitCode !== null) throw new Error(`worker exited (${w.child.exitCode}): ${w.output()}`);
    if (Date.now() > deadline) throw new Error('worker did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const row = (id: string) => {
  const db = new Database(join(dir, 'gateway.db'), { readonly: true });
  try {
    return db.prepare('select state, runs, worker from export_job where id = ?').get(id) as { state: string; runs: number; worker: string | null };
  } finally {
    db.close();
  }
};

async function archiveOf(job: JobView, headers: Record<string, string>) {
  const file = join(dir, `${job.id}.download.zip`);
  expect((await download(job.archive!.url, headers, file)).status).toBe(200);
  const entries = await readZip(file);
  return JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { complete: boolean; job: { runs: number }; domains: { kinds: { run: number | null; status: string }[] }[] };
}

beforeAll(async () => {
  await redis.connect();
  dir = mkdtempSync(join(tmpdir(), 'footprint-bullmq-'));
  gateway = await startGateway(dir, subgraphUrls, env);
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await gateway?.kill('SIGTERM');
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${env.FOOTPRINT_EXPORT_QUEUE_PREFIX}:*`, count: 500 })) keys.push(...(batch as string[]));
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe('exports on a BullMQ queue (REDIS_URL)', () => {
  it('the gateway only queues; standalone workers — several at once — run the jobs', async () => {
    const one = bearer(await subjectToken('10000001'));
    const two = bearer(await subjectToken('10000002'));
    const a = (await requestExport(gateway.url, one)).data!.requestExport.id;
    const b = (await requestExport(gateway.url, two)).data!.requestExport.id;
    // No worker yet: the gateway runs none of its own in this mode, so the jobs wait on the queue.
    await new Promise((r) => setTimeout(r, 1500));
    expect(row(a).state).toBe('QUEUED');
    expect(await redis.exists(`${env.FOOTPRINT_EXPORT_QUEUE_PREFIX}:${env.FOOTPRINT_EXPORT_QUEUE}:${a}`)).toBe(1);

    const [w1, w2] = [worker(), worker()];
    await Promise.all([ready(w1), ready(w2)]);
    const [ja, jb] = await Promise.all([waitForJob(gateway.url, one, a), waitForJob(gateway.url, two, b)]);
    expect([ja.state, jb.state]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    for (const id of [a, b]) expect(row(id).worker, id).toMatch(/^worker:/);
    expect((await archiveOf(ja, one)).complete).toBe(true);
    expect((await archiveOf(jb, two)).complete).toBe(true);
    // Done jobs leave the queue.
    expect(await redis.exists(`${env.FOOTPRINT_EXPORT_QUEUE_PREFIX}:${env.FOOTPRINT_EXPORT_QUEUE}:${a}`)).toBe(0);
  }, 180_000);

  it('a worker killed mid-job: another takes the job over when its lock expires and resumes from the checkpoints', async () => {
    for (const w of workers.splice(0)) await w.kill('SIGTERM');
    const slow = [worker(SLOW), worker(SLOW)];
    await Promise.all(slow.map(ready));
    const headers = bearer(await subjectToken('10000001'));
    const id = (await requestExport(gateway.url, headers)).data!.requestExport.id;
    await waitForJob(gateway.url, headers, id, (j) => j.state === 'RUNNING' && j.progress.domains.some((d) => d.status === 'COMPLETE') && j.progress.recordsDone >= 40, 90_000, 50);
    const owner = row(id).worker!;
    const victim = slow.find((w) => owner.includes(`:${w.child.pid}:`))!;
    expect(victim).toBeDefined();
    await victim.kill('SIGKILL');
    const done = await waitForJob(gateway.url, headers, id);
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    expect(done.runs).toBe(2);
    expect(row(id).worker).not.toBe(owner);
    const manifest = await archiveOf(done, headers);
    expect(manifest.complete).toBe(true);
    const runs = manifest.domains.flatMap((d) => d.kinds.map((k) => k.run));
    expect(runs).toContain(1);
    expect(runs).toContain(2);
  }, 180_000);

  it('a worker stopped gracefully hands its running job back, and another finishes it', async () => {
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    if (alive.length < 2) {
      const extra = worker(SLOW);
      await ready(extra);
      alive.push(extra);
    }
    const headers = bearer(await subjectToken('10000002'));
    const id = (await requestExport(gateway.url, headers)).data!.requestExport.id;
    await waitForJob(gateway.url, headers, id, (j) => j.state === 'RUNNING' && j.progress.recordsDone >= 10, 90_000, 50);
    const owner = row(id).worker!;
    const stopping = alive.find((w) => owner.includes(`:${w.child.pid}:`))!;
    const exited = new Promise<number | null>((r) => stopping.child.once('exit', (code) => r(code)));
    stopping.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const done = await waitForJob(gateway.url, headers, id);
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    expect(done.runs).toBe(2);
    expect((await archiveOf(done, headers)).complete).toBe(true);
  }, 180_000);
});
