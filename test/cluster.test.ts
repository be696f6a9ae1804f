import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster, type Cluster } from '@footprint/scripts/cluster';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, subjectToken } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/engine.js';
import { download, getJob, JOB_FIELDS, readZip, requestExport, waitForJob, type JobView } from './support/exports.js';
import { requires } from './support/requires.js';

await Promise.all([requires('postgres'), requires('redis'), requires('haproxy')]);

/**
 * The scale-out shape (npm run start:cluster) as processes: every store on a
 * PostgreSQL database of this run's, the export queue on Redis under a prefix
 * of this run's, two gateways behind HAProxy, two export workers, the eight
 * subgraphs. Needs PostgreSQL, Redis and HAProxy (scripts/setup-system.sh):
 * it fails without them.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomUUID().slice(0, 8);
const PEOPLE = Array.from({ length: 8 }, (_, i) => String(20000001 + i));
let database: TestDatabase;
let cluster: Cluster;
let dataDir: string;
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
const env = {
  REDIS_URL,
  FOOTPRINT_EXPORT_QUEUE: `cluster-${run}`,
  FOOTPRINT_EXPORT_QUEUE_PREFIX: `footprint-cluster-${run}`,
  FOOTPRINT_EXPORT_LOCK_MS: '1500',
  FOOTPRINT_EXPORT_MAX_PER_WINDOW: '50',
  // Small pages, so jobs are still running when a worker is killed.
  FOOTPRINT_EXPORT_PAGE_SIZE: '3',
  FOOTPRINT_EXPORT_RETRY_BASE_MS: '100',
  LOG_LEVEL: 'warn',
};

beforeAll(async () => {
  await redis.connect();
  database = await createTestDatabase('cluster');
  dataDir = mkdtempSync(join(tmpdir(), 'footprint-cluster-'));
  const before = process.env.FOOTPRINT_DATABASE_URL;
  process.env.FOOTPRINT_DATABASE_URL = database.url;
  try {
    await seedAll({ dataDir, users: PEOPLE.length });
  } finally {
    if (before === undefined) delete process.env.FOOTPRINT_DATABASE_URL;
    else process.env.FOOTPRINT_DATABASE_URL = before;
  }
  cluster = await launchCluster({ dataDir, env: { ...env, FOOTPRINT_DATABASE_URL: database.url }, workers: 2 });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${env.FOOTPRINT_EXPORT_QUEUE_PREFIX}:*`, count: 500 })) keys.push(...(batch as string[]));
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const gatewayUrl = (i: number) => `http://127.0.0.1:${cluster.gateways[i]!.port}/graphql`;

/** Downloads an archive and checks every file against the manifest's size and SHA-256. */
async function verifyArchive(job: JobView, headers: Record<string, string>, via?: string): Promise<number> {
  const link = via ? job.archive!.url.replace(/^http:\/\/[^/]+/, via) : job.archive!.url;
  const file = join(dataDir, `${job.id}-${Math.random().toString(36).slice(2, 6)}.zip`);
  const got = await download(link, headers, file);
  expect(got.status, got.body).toBe(200);
  const entries = await readZip(file);
  const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { complete: boolean; files: { path: string; size: number; sha256: string }[] };
  expect(manifest.complete).toBe(true);
  for (const f of manifest.files) expect(createHash('sha256').update(entries.get(f.path)!).digest('hex'), f.path).toBe(f.sha256);
  return manifest.files.length;
}

describe('stateless gateways on one PostgreSQL and one Redis', () => {
  it('a job made by one gateway is seen, finished and downloaded through the other; one cancelled through the other is cancelled for both', async () => {
    const me = bearer(await subjectToken('10000001'));
    const made = await requestExport(gatewayUrl(0), me);
    expect(made.errors).toBeUndefined();
    const id = made.data!.requestExport.id;
    expect((await getJob(gatewayUrl(1), me, id))?.id).toBe(id);
    const done = await waitForJob(gatewayUrl(1), me, id);
    expect(done.state).toBe('SUCCEEDED');
    // The link names the balancer; the other gateway serves it too, from the shared export directory.
    expect(await verifyArchive(done, me)).toBeGreaterThan(0);
    expect(await verifyArchive(done, me, `http://127.0.0.1:${cluster.gateways[0]!.port}`)).toBeGreaterThan(0);

    const other = bearer(await subjectToken('10000002'));
    const second = await requestExport(gatewayUrl(1), other);
    expect(second.errors).toBeUndefined();
    const cancel = await gql<{ cancelExport: JobView }>(gatewayUrl(0), `mutation C($id: ID!) { cancelExport(jobId: $id) { ${JOB_FIELDS} } }`, { id: second.data!.requestExport.id }, other);
    expect(cancel.errors).toBeUndefined();
    const seen = await waitForJob(gatewayUrl(1), other, second.data!.requestExport.id);
    expect(['CANCELLED', 'SUCCEEDED']).toContain(seen.state);
    if (seen.state === 'CANCELLED') expect(seen.archive).toBeNull();
  }, 120_000);
});

describe('behind HAProxy, one gateway and one worker killed under load', () => {
  it('loses no request about a job; every job ends SUCCEEDED with a verified archive or FAILED saying why', async () => {
    const people = await Promise.all(PEOPLE.map(async (p) => ({ id: p, headers: bearer(await subjectToken(p)) })));
    const jobs = new Map<string, { id: string; headers: Record<string, string> }>();
    for (const p of people) {
      const r = await requestExport(cluster.url, p.headers);
      expect(r.errors, p.id).toBeUndefined();
      jobs.set(p.id, { id: r.data!.requestExport.id, headers: p.headers });
    }
    // Bounded load: every job's status asked over and over through the balancer while the processes die.
    let asked = 0;
    const lost: string[] = [];
    let killed = false;
    const poll = async () => {
      for (;;) {
        let open = 0;
        for (const [person, j] of jobs) {
          asked += 1;
          const res = await gql<{ exportJob: JobView | null }>(cluster.url, `query J($id: ID!) { exportJob(jobId: $id) { id state } }`, { id: j.id }, j.headers).catch((e: unknown) => ({ errors: [{ message: String(e) }], data: undefined }));
          if (res.errors?.length || res.data?.exportJob?.id !== j.id) lost.push(`${person}: ${JSON.stringify(res.errors ?? res.data)}`);
          else if (['QUEUED', 'RUNNING'].includes(res.data.exportJob.state)) open += 1;
        }
        if (open === 0 && killed) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const load = Promise.all([poll(), poll(), poll()]);
    await new Promise((r) => setTimeout(r, 1500));
    const openAtKill = (await Promise.all([...jobs.values()].map((j) => getJob(gatewayUrl(1), j.headers, j.id)))).filter((j) => j && ['QUEUED', 'RUNNING'].includes(j.state)).length;
    expect(openAtKill, 'jobs still open when the processes were killed').toBeGreaterThan(0);
    cluster.gateways[0]!.child.kill('SIGKILL');
    cluster.workers[0]!.child.kill('SIGKILL');
    killed = true;
    await Promise.race([load, new Promise((_, reject) => setTimeout(() => reject(new Error('jobs did not finish within 150 s')), 150_000))]);
    expect(lost, `${lost.length} of ${asked} requests about jobs were lost`).toEqual([]);
    for (const [person, j] of jobs) {
      const job = (await getJob(cluster.url, j.headers, j.id))!;
      expect(['SUCCEEDED', 'FAILED'], `${person} ${job.state}`).toContain(job.state);
      if (job.state === 'SUCCEEDED') expect(await verifyArchive(job, j.headers)).toBeGreaterThan(0);
      else expect(job.error?.message, person).toBeTruthy();
    }
  }, 200_000);
});
