import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, subjectToken } from './support/client.js';
import { download, JOB_FIELDS, readZip, waitForJob, type JobView } from './support/exports.js';

/**
 * Exports of what is new, through a federation of its own (fresh SQLite
 * stores: it changes the person's data): a record corrected through the API,
 * one added and one removed in the community domain's store, and the next
 * export with since LAST_EXPORT holds exactly those — and the corrections
 * log's new entry — and lists the removed one. A failed export never becomes
 * what the next one compares with.
 */

const PERSON = '10000001';
let dataDir: string;
let federation: Federation;
let url: string;
let me: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'footprint-incremental-'));
  await seedAll({ dataDir });
  federation = await launchFederation({
    dataDir,
    stdio: 'ignore',
    env: { LOG_LEVEL: 'warn', FOOTPRINT_EXPORT_MAX_PER_WINDOW: '50', FOOTPRINT_EXPORT_RETRIES: '2', FOOTPRINT_EXPORT_RETRY_BASE_MS: '50' },
  });
  url = federation.gatewayUrl;
  me = bearer(await subjectToken(PERSON));
}, 240_000);

afterAll(async () => {
  await federation?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const INCREMENTAL = 'incremental { requested sinceJobId sinceFinishedAt newRecords changedRecords removedRecords } scheduleId';
type Job = JobView & { finishedAt: string | null; incremental: { requested: string; sinceJobId: string | null; sinceFinishedAt: string | null; newRecords: number; changedRecords: number; removedRecords: number } | null };

async function exportOf(since?: string): Promise<{ job: Job; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const res = await gql<{ requestExport: Job }>(url, `mutation($since: String) { requestExport(input: { since: $since }) { ${JOB_FIELDS} ${INCREMENTAL} } }`, { since: since ?? null }, me);
  return { job: res.data?.requestExport as Job, ...(res.errors ? { errors: res.errors } : {}) };
}

async function finished(id: string): Promise<Job> {
  await waitForJob(url, me, id);
  const res = await gql<{ exportJob: Job }>(url, `query($id: ID!) { exportJob(jobId: $id) { ${JOB_FIELDS} ${INCREMENTAL} } }`, { id }, me);
  return res.data!.exportJob;
}

interface Manifest {
  complete: boolean;
  incremental: { comparedWithEarlierExport: boolean; since: { jobId: string } | null; newRecords?: number; changedRecords?: number; removedRecords?: number } | null;
  domains: { kinds: { kind: string; records: number; expected: number | null; files: string[]; changes?: { read: number; new: number; changed: number; removed: number } }[] }[];
  files: { path: string; sha256: string; records: number | null; kind: string | null; format: string }[];
}

async function archiveOf(job: Job) {
  const file = join(dataDir, `${job.id}.download.zip`);
  expect((await download(job.archive!.url, me, file)).status).toBe(200);
  const entries = await readZip(file);
  const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
  for (const f of manifest.files) expect(createHash('sha256').update(entries.get(f.path)!).digest('hex'), f.path).toBe(f.sha256);
  const json = (path: string) => JSON.parse(entries.get(path)!.toString('utf8')) as { records: Record<string, unknown>[] } & { changes: { id: string; change: string }[] };
  /** Every record in the archive's data files (a kind's .json), by kind. */
  const records = new Map<string, Record<string, unknown>[]>();
  for (const d of manifest.domains) {
    for (const k of d.kinds) {
      const data = k.files.find((f) => f.endsWith('.json') && !f.endsWith('.changes.json'));
      if (data) records.set(k.kind, json(data).records);
    }
  }
  return { entries, manifest, records, json };
}

const recordCount = (records: Map<string, Record<string, unknown>[]>) => [...records.values()].reduce((n, r) => n + r.length, 0);

describe('exports of what is new (since LAST_EXPORT)', () => {
  it('need an earlier finished export, and say how to ask', async () => {
    const none = await exportOf('LAST_EXPORT');
    expect(none.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_BASELINE' });
    expect(none.errors?.[0]?.message).toMatch(/full export first/);
    const bad = await exportOf('last week');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'since' });
  });

  it('hold exactly the corrected and the added record, list the removed one, and a failed export is never the baseline', async () => {
    const full = await finished((await exportOf()).job.id);
    expect(full.state).toBe('SUCCEEDED');
    expect(full.incremental).toBeNull();
    const fullArchive = await archiveOf(full);
    expect(fullArchive.manifest.incremental).toBeNull();
    const logins = fullArchive.records.get('community.login')!;
    expect(logins.length).toBeGreaterThan(1);

    // Nothing changed yet: an export of what is new holds nothing, and says what it compared with.
    const quiet = await finished((await exportOf('LAST_EXPORT')).job.id);
    expect(quiet.state).toBe('SUCCEEDED');
    expect(quiet.incremental).toMatchObject({ requested: 'LAST_EXPORT', sinceJobId: full.id, sinceFinishedAt: full.finishedAt, newRecords: 0, changedRecords: 0, removedRecords: 0 });
    const quietArchive = await archiveOf(quiet);
    expect(recordCount(quietArchive.records)).toBe(0);
    expect(quietArchive.manifest.incremental).toMatchObject({ comparedWithEarlierExport: true, since: { jobId: full.id } });
    expect(quietArchive.entries.get('index.html')!.toString('utf8')).toContain('An export of what is new');
    // Its progress counts what it read, not only what it wrote.
    expect(quiet.progress.recordsDone).toBe(fullArchive.manifest.domains.flatMap((d) => d.kinds).reduce((n, k) => n + k.records, 0));

    // One record corrected through the API …
    const view = await gql<{ person: { correctionView: { correctable: { records: { recordId: string; values: { field: string; value: string | null; version: string }[] }[] }[] } } }>(
      url,
      `query { person(id: "${PERSON}") { correctionView(kinds: ["community.profile"]) { correctable { records { recordId values { field value version } } } } } }`,
      {},
      me,
    );
    const profile = view.data!.person.correctionView.correctable[0]!.records[0]!;
    const nickname = `new_${Math.random().toString(36).slice(2, 8)}`;
    const corrected = await gql<{ requestCorrection: { status: string } }>(
      url,
      'mutation($input: CorrectionInput!) { requestCorrection(input: $input) { status } }',
      { input: { recordId: profile.recordId, field: 'nickname', value: nickname, expectedVersion: profile.values.find((v) => v.field === 'nickname')!.version, reason: 'my new name' } },
      me,
    );
    expect(corrected.data?.requestCorrection.status).toBe('APPLIED');
    // … one sign-in added and the oldest removed in the community domain's own store.
    const db = new Database(join(dataDir, 'community.db'));
    const gone = db.prepare("select id, at from login where person_id = ? order by id limit 1").get(PERSON) as { id: number; at: string };
    db.prepare("insert into login (person_id, collected_at, region, source, at, ip, client) values (?, '2027-01-02T03:04:05.000Z', 'SINGAPORE', null, '2027-01-02T03:04:05.000Z', '192.0.2.77', 'incremental test')").run(PERSON);
    db.prepare('delete from login where id = ?').run(gone.id);
    db.close();

    const inc = await finished((await exportOf('LAST_EXPORT')).job.id);
    expect(inc.state, JSON.stringify(inc.error)).toBe('SUCCEEDED');
    // Compared with the last finished export (the quiet one), not the first.
    expect(inc.incremental).toMatchObject({ sinceJobId: quiet.id, newRecords: 2, changedRecords: 1, removedRecords: 1 });
    const a = await archiveOf(inc);
    expect(a.manifest).toMatchObject({ complete: true, incremental: { comparedWithEarlierExport: true, newRecords: 2, changedRecords: 1, removedRecords: 1 } });
    // Exactly: the corrected profile, the new sign-in, and the corrections log's entry about the correction.
    expect(recordCount(a.records)).toBe(3);
    expect(a.records.get('community.profile')).toEqual([expect.objectContaining({ id: profile.recordId, nickname })]);
    const added = a.records.get('community.login')!;
    expect(added).toEqual([expect.objectContaining({ ip: '192.0.2.77', client: 'incremental test' })]);
    const [logKind, logRecords] = [...a.records].find(([k, r]) => k !== 'community.profile' && k !== 'community.login' && r.length > 0)!;
    expect(logRecords).toEqual([expect.objectContaining({ newValue: nickname })]);
    expect(logKind).toMatch(/correction/);
    // The change list says which is which and names the removed sign-in, which the full archive held.
    const loginChanges = a.json('community/login.changes.json').changes;
    const removedId = logins.find((l) => l.at === gone.at)!.id;
    expect(loginChanges).toEqual([
      { id: added[0]!.id, change: 'NEW' },
      { id: removedId, change: 'REMOVED' },
    ]);
    expect(a.json('community/profile.changes.json').changes).toEqual([{ id: profile.recordId, change: 'CHANGED' }]);
    const loginKind = a.manifest.domains.flatMap((d) => d.kinds).find((k) => k.kind === 'community.login')!;
    expect(loginKind).toMatchObject({ records: 1, expected: 1, changes: { new: 1, changed: 0, removed: 1, read: logins.length } });

    // A failed export (the themes domain down) …
    await federation.stopSubgraph('themes');
    const failed = await finished((await exportOf()).job.id);
    expect(failed.state).toBe('FAILED');
    await federation.restart('themes');
    // … is not what the next one compares with: that is still the last one that finished.
    const after = await finished((await exportOf('LAST_EXPORT')).job.id);
    expect(after.state).toBe('SUCCEEDED');
    expect(after.incremental).toMatchObject({ sinceJobId: inc.id, newRecords: 0, changedRecords: 0, removedRecords: 0 });

    // A date-time before every kept baseline is refused, naming the one there is.
    const old = await exportOf('2020-01-01T00:00:00Z');
    expect(old.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NO_BASELINE' });
    // A date-time after the last finished export compares with it.
    const dated = await exportOf(new Date(Date.now() + 60_000).toISOString());
    expect(dated.errors).toBeUndefined();
    expect((await finished(dated.job.id)).incremental).toMatchObject({ sinceJobId: after.id });
  }, 600_000);
});

describe('an export of chosen kinds', () => {
  it('holds only those kinds, says so, refuses unknown kinds, and is never what an export of what is new compares with', async () => {
    const ask = (vars: Record<string, unknown>) => gql<{ requestExport: Job & { kinds: string[] | null } }>(url, `mutation($kinds: [String!], $since: String) { requestExport(input: { kinds: $kinds, since: $since }) { ${JOB_FIELDS} ${INCREMENTAL} kinds } }`, vars, me);
    const unknown = await ask({ kinds: ['community.login', 'no.such_kind'] });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kinds', unknown: ['no.such_kind'] });
    expect((await ask({ kinds: [] })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const last = (await gql<{ exportJobs: { id: string; state: string }[] }>(url, '{ exportJobs(first: 1) { id state } }', {}, me)).data!.exportJobs[0]!;
    expect(last.state).toBe('SUCCEEDED');

    const chosen = await ask({ kinds: ['community.login', 'community.login', 'account.profile'] });
    expect(chosen.data?.requestExport.kinds).toEqual(['account.profile', 'community.login']);
    const job = await finished(chosen.data!.requestExport.id);
    expect(job.state).toBe('SUCCEEDED');
    const a = await archiveOf(job);
    expect([...a.records.keys()].sort()).toEqual(['account.profile', 'community.login']);
    expect(a.manifest.domains.flatMap((d) => d.kinds.map((k) => k.kind)).sort()).toEqual(['account.profile', 'community.login']);
    expect(a.manifest).toMatchObject({ complete: true, selection: { kinds: ['account.profile', 'community.login'] } });
    // Every file of a kind is of a chosen kind: the data files and the viewer's pages of those kinds (viewer/data/<domain>/<kind>/).
    const ofKinds = a.manifest.files.filter((f) => f.kind !== null);
    expect([...new Set(ofKinds.map((f) => f.kind))].sort()).toEqual(['account.profile', 'community.login']);
    expect(ofKinds.filter((f) => f.format !== 'viewer').every((f) => f.path.startsWith('community/login.') || f.path.startsWith('account/profile.'))).toBe(true);
    expect(ofKinds.filter((f) => f.format === 'viewer').every((f) => f.path.startsWith('viewer/data/community/login/') || f.path.startsWith('viewer/data/account/profile/'))).toBe(true);
    const html = a.entries.get('index.html')!.toString('utf8');
    expect(html).toContain('only the 2 kinds of data you chose');
    expect(html).not.toContain('Every domain that holds data about you was read in full');

    // The next export of what is new still compares with the last export of everything.
    const next = await ask({ since: 'LAST_EXPORT' });
    expect((await finished(next.data!.requestExport.id)).incremental).toMatchObject({ sinceJobId: last.id });
  }, 300_000);
});
