import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { inventoryKinds } from '@footprint/schema';
import { bearer, gql, subjectToken } from './support/client.js';
import { download, readZip, requestExport, signLink, startGateway, startSubgraph, waitForJob, type JobView, type Proc } from './support/exports.js';

/**
 * Export jobs under failure, each against a gateway process of its own (its own
 * store and export folder) in front of the shared subgraphs — so it can be
 * killed — and, where a domain must fail, a subgraph process of its own.
 */
const subgraphUrls = inject('subgraphUrls');
const sharedData = inject('dataDir');
const dirs: string[] = [];
const procs: Proc[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `footprint-${name}-`));
  dirs.push(d);
  return d;
};
const track = <T extends Proc>(p: T): T => {
  procs.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Slow enough to stop part-way: one record per page, quick retries. */
const SLOW = { FOOTPRINT_EXPORT_PAGE_SIZE: '1', FOOTPRINT_EXPORT_RETRIES: '2', FOOTPRINT_EXPORT_RETRY_BASE_MS: '50', FOOTPRINT_EXPORT_MAX_PER_WINDOW: '50' };

interface ManifestLite {
  complete: boolean;
  job: { runs: number };
  domains: { domain: string; status: string; reason: string | null; kinds: { kind: string; status: string; records: number; expected: number | null; run: number | null; files: string[] }[] }[];
  files: { path: string; size: number; sha256: string; records: number | null; kind: string | null; format: string }[];
}

async function fetchArchive(job: JobView, headers: Record<string, string>, dir: string) {
  const file = join(dir, `${job.id}.download.zip`);
  const got = await download(job.archive!.url, headers, file);
  expect(got.status, got.body).toBe(200);
  const entries = await readZip(file);
  const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as ManifestLite;
  for (const f of manifest.files) {
    expect(entries.get(f.path)?.length, f.path).toBe(f.size);
    expect(createHash('sha256').update(entries.get(f.path)!).digest('hex'), f.path).toBe(f.sha256);
  }
  return { entries, manifest };
}

const jobRow = (dir: string, id: string) => {
  const db = new Database(join(dir, 'gateway.db'), { readonly: true });
  try {
    return db.prepare('select state, runs, worker from export_job where id = ?').get(id) as { state: string; runs: number; worker: string | null };
  } finally {
    db.close();
  }
};

const filesOf = (dir: string, id: string) => (existsSync(join(dir, 'exports')) ? readdirSync(join(dir, 'exports')).filter((n) => n.startsWith(id)) : []);
/** A worker deletes a failed or cancelled job's files right after it records the state: wait (bounded) for that. */
async function filesAfterCleanup(dir: string, id: string, ms = 15_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (filesOf(dir, id).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return filesOf(dir, id);
}

describe('a crash mid-export', () => {
  it('resumes from the kinds it had finished when the gateway comes back, and never serves a half-written file', async () => {
    const dir = tempDir('resume');
    // This one builds in the export thread (FOOTPRINT_EXPORT_THREAD, the default); the domain-failure ones in the gateway's event loop.
    const env = { ...SLOW, FOOTPRINT_EXPORT_STALE_MS: '1500', FOOTPRINT_EXPORT_THREAD: '1' };
    const g1 = track(await startGateway(dir, subgraphUrls, env));
    const headers = bearer(await subjectToken('10000001'));
    const id = (await requestExport(g1.url, headers)).data!.requestExport.id;
    await waitForJob(g1.url, headers, id, (j) => j.state === 'RUNNING' && j.progress.domains.some((d) => d.status === 'COMPLETE') && j.progress.recordsDone >= 40, 90_000, 50);
    await g1.kill('SIGKILL');

    expect(jobRow(dir, id)).toMatchObject({ state: 'RUNNING', runs: 1 });
    expect(filesOf(dir, id)).toEqual([`${id}.parts`]);

    const g2 = track(await startGateway(dir, subgraphUrls, env));
    // Whatever the state while it resumes, the download route has no archive to give.
    const expires = Math.floor(Date.now() / 1000) + 600;
    const early = await fetch(`http://127.0.0.1:${g2.port}/exports/${id}.zip?expires=${expires}&sig=${signLink(id, expires, '10000001')}`, { headers });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('CONFLICT');

    const done = await waitForJob(g2.url, headers, id);
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    expect(done.runs).toBe(2);
    const { entries, manifest } = await fetchArchive(done, headers, dir);
    expect(manifest.complete).toBe(true);
    expect(manifest.job.runs).toBe(2);
    const kinds = manifest.domains.flatMap((d) => d.kinds);
    // The kinds finished before the kill kept the first run's files; the rest were read by the second run.
    expect(kinds.filter((k) => k.run === 1).length).toBeGreaterThan(0);
    expect(kinds.filter((k) => k.run === 2).length).toBeGreaterThan(0);
    expect(kinds.every((k) => k.status === 'COMPLETE' && k.records === k.expected)).toBe(true);
    for (const k of inventoryKinds()) expect(kinds.find((x) => x.kind === k)?.records ?? 0, k).toBeGreaterThan(0);
    for (const f of manifest.files.filter((x) => x.format === 'json' && x.kind)) {
      const ids = (JSON.parse(entries.get(f.path)!.toString('utf8')) as { records: { id: string }[] }).records.map((r) => r.id);
      expect(new Set(ids).size, f.path).toBe(ids.length);
    }
    expect(filesOf(dir, id)).toEqual([`${id}.zip`]);
  }, 240_000);
});

describe('a gateway restarted mid-export', () => {
  it('takes back its own unfinished job at once, while another gateway leaves it alone until the stale threshold', async () => {
    const dir = tempDir('own');
    // The stale threshold is an hour: nothing here can be recovered as stale, only taken back by its own worker.
    const env = { ...SLOW, FOOTPRINT_EXPORT_STALE_MS: '3600000', FOOTPRINT_EXPORT_THREAD: '1' };
    const g1 = track(await startGateway(dir, subgraphUrls, env));
    const headers = bearer(await subjectToken('10000001'));
    const id = (await requestExport(g1.url, headers)).data!.requestExport.id;
    await waitForJob(g1.url, headers, id, (j) => j.state === 'RUNNING' && j.progress.domains.some((d) => d.status === 'COMPLETE') && j.progress.recordsDone >= 20, 90_000, 50);
    await g1.kill('SIGKILL');
    const left = jobRow(dir, id);
    expect(left).toMatchObject({ state: 'RUNNING', runs: 1 });
    // The worker column: <name>/<incarnation>, the name being this gateway's host and port.
    expect(left.worker).toMatch(new RegExp(`^gateway:[^/]+:${g1.port}/\\d+-[0-9a-f]{8}$`));

    // Another gateway on the same store (another name) does not take it: it is not stale.
    const other = track(await startGateway(dir, subgraphUrls, env));
    const seen = await waitForJob(other.url, headers, id, (j) => j.state === 'RUNNING');
    expect(seen.runs).toBe(1);
    await other.kill('SIGTERM');
    expect(jobRow(dir, id)).toEqual(left);

    // The same gateway again (same port, so the same name): it takes the job back at once and finishes it.
    const g2 = track(await startGateway(dir, subgraphUrls, env, g1.port));
    const done = await waitForJob(g2.url, headers, id);
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    expect(done.runs).toBe(2);
    expect(jobRow(dir, id).worker).toMatch(new RegExp(`^gateway:[^/]+:${g1.port}/`));
    expect(jobRow(dir, id).worker).not.toBe(left.worker);
  }, 240_000);
});

describe('a domain that stops answering mid-export', () => {
  async function setup(name: string) {
    const dir = tempDir(name);
    // The first domain the export reads, as a process of its own to stop.
    const account = track(await startSubgraph('account', sharedData));
    const gateway = track(await startGateway(dir, { ...subgraphUrls, account: account.url }, { ...SLOW, FOOTPRINT_EXPORT_THREAD: '0' }));
    return { dir, account, gateway, headers: bearer(await subjectToken('10000001')) };
  }
  const accountStarted = (j: JobView) => j.state !== 'QUEUED' && (j.progress.domains.find((d) => d.domain === 'account')?.recordsDone ?? 0) >= 2;

  it('fails the job, naming the domain, and keeps no file', async () => {
    const { dir, account, gateway, headers } = await setup('fail');
    const id = (await requestExport(gateway.url, headers)).data!.requestExport.id;
    const before = await waitForJob(gateway.url, headers, id, accountStarted, 90_000, 20);
    expect(before.state).toBe('RUNNING');
    await account.kill('SIGKILL');
    const job = await waitForJob(gateway.url, headers, id);
    expect(job.state).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'account' });
    expect(job.error!.message).toMatch(/The account domain could not be read, so the export stopped: .*account/);
    expect(job.archive).toBeNull();
    expect(await filesAfterCleanup(dir, id)).toEqual([]);
  }, 180_000);

  it('with allowPartial, finishes an archive that says plainly the domain is INCOMPLETE', async () => {
    const { dir, account, gateway, headers } = await setup('partial');
    const requested = await requestExport(gateway.url, headers, { allowPartial: true });
    expect(requested.data!.requestExport.allowPartial).toBe(true);
    const id = requested.data!.requestExport.id;
    await waitForJob(gateway.url, headers, id, accountStarted, 90_000, 20);
    await account.kill('SIGKILL');
    const job = await waitForJob(gateway.url, headers, id);
    expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
    // account, and any domain that needs account to answer (the gateway's corrections history reads every domain).
    expect(job.incompleteDomains).toContain('account');
    expect(job.progress.domains.find((d) => d.domain === 'account')).toMatchObject({ status: 'INCOMPLETE' });
    const { entries, manifest } = await fetchArchive(job, headers, dir);
    expect(manifest.complete).toBe(false);
    const account_ = manifest.domains.find((d) => d.domain === 'account')!;
    expect(account_.status).toBe('INCOMPLETE');
    expect(account_.reason).toMatch(/account/);
    expect(manifest.domains.filter((d) => d.status !== 'COMPLETE').map((d) => d.domain)).toEqual(job.incompleteDomains);
    for (const d of manifest.domains.filter((x) => x.status !== 'COMPLETE')) expect(d.reason, d.domain).toBeTruthy();
    expect(manifest.domains.filter((d) => d.status === 'COMPLETE').length).toBeGreaterThan(3);
    // The kind that broke part-way says so in its own file, and has fewer records than the domain holds.
    const broken = account_.kinds.find((k) => k.status === 'INCOMPLETE')!;
    expect(broken.records).toBeLessThan(broken.expected!);
    const doc = JSON.parse(entries.get(broken.files[0]!)!.toString('utf8')) as { complete: boolean; count: number };
    expect(doc).toMatchObject({ complete: false, count: broken.records });
    expect(account_.kinds.filter((k) => k.status === 'NOT_READ').every((k) => k.files.length === 0)).toBe(true);
    const html = entries.get('index.html')!.toString('utf8');
    expect(html).toContain('This archive is INCOMPLETE');
    expect(html).toMatch(/<li><strong>Xiaomi Account<\/strong> <small>\(account\)<\/small>: /);
    expect(entries.get('INCOMPLETE.txt')!.toString('utf8')).toMatch(/^THIS ARCHIVE IS INCOMPLETE\.[\s\S]*- Xiaomi Account \(account\): /);
    expect(manifest.files.some((f) => f.path === 'INCOMPLETE.txt')).toBe(true);
  }, 240_000);
});

describe('a domain killed while another kind is being read', () => {
  it('fails the job naming the domain that died, with every kind in a final state', async () => {
    const dir = tempDir('died');
    // music is read late; the gateway's corrections history (which asks every domain) may notice first.
    const music = track(await startSubgraph('music', sharedData));
    const gateway = track(await startGateway(dir, { ...subgraphUrls, music: music.url }, SLOW));
    const headers = bearer(await subjectToken('10000001'));
    const id = (await requestExport(gateway.url, headers)).data!.requestExport.id;
    await waitForJob(gateway.url, headers, id, (j) => j.state === 'RUNNING' && j.progress.recordsDone >= 3, 90_000, 20);
    await music.kill('SIGKILL');
    const job = await waitForJob(gateway.url, headers, id);
    expect(job.state).toBe('FAILED');
    expect(job.error).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'music' });
    expect(job.error!.message).toMatch(/^The music domain could not be read, so the export stopped: .*music/);
    // No kind is left running or waiting: each domain is COMPLETE (read before the failure) or INCOMPLETE with why.
    for (const d of job.progress.domains) {
      expect(['COMPLETE', 'INCOMPLETE'], `${d.domain} ${d.status}`).toContain(d.status);
      if (d.status === 'INCOMPLETE') expect(d.error, d.domain).toBeTruthy();
    }
    expect(job.progress.domains.find((d) => d.domain === 'music')).toMatchObject({ status: 'INCOMPLETE' });
    const db = new Database(join(dir, 'gateway.db'), { readonly: true });
    try {
      const { progress } = db.prepare('select progress from export_job where id = ?').get(id) as { progress: string };
      const kinds = (JSON.parse(progress) as { kinds: { kind: string; status: string; error: string | null }[] }).kinds;
      expect(kinds.filter((k) => k.status === 'RUNNING' || k.status === 'PENDING')).toEqual([]);
      for (const k of kinds.filter((x) => x.status === 'NOT_READ')) expect(k.error, k.kind).toMatch(/^Not read: the export failed before this kind was finished \(the music domain, SUBGRAPH_UNAVAILABLE\)/);
    } finally {
      db.close();
    }
    expect(await filesAfterCleanup(dir, id)).toEqual([]);
  }, 180_000);
});

describe('cancelling', () => {
  it('stops a running export and deletes its files', async () => {
    const dir = tempDir('cancel');
    const gateway = track(await startGateway(dir, subgraphUrls, SLOW));
    const headers = bearer(await subjectToken('10000002'));
    const id = (await requestExport(gateway.url, headers)).data!.requestExport.id;
    await waitForJob(gateway.url, headers, id, (j) => j.state === 'RUNNING' && j.progress.recordsDone > 3, 90_000, 20);
    const res = await gql<{ cancelExport: JobView }>(gateway.url, 'mutation($id: ID!) { cancelExport(jobId: $id) { state } }', { id }, headers);
    expect(res.data?.cancelExport.state).toBe('CANCELLED');
    expect(await filesAfterCleanup(dir, id)).toEqual([]);
    const later = await waitForJob(gateway.url, headers, id);
    expect(later.state).toBe('CANCELLED');
    const again = await gql(gateway.url, 'mutation($id: ID!) { cancelExport(jobId: $id) { state } }', { id }, headers);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  }, 180_000);
});
