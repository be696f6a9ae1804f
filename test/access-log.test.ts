import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { download, JOB_FIELDS, readZip, startGateway, waitForJob, type JobView, type Proc } from './support/exports.js';

/**
 * Access transparency and the archive's language, through a gateway of this
 * file's own (its own store: audit log, jobs) over the shared seeded domains:
 * an operator reads a person with a reason; the person's accessLog shows it
 * (role, reason, time) with their earlier export; the next export — asked in
 * Azerbaijani — holds it in access.json, is written in Azerbaijani and names
 * the controller for where the person lives; another person sees none of it.
 */

const subgraphUrls = inject('subgraphUrls');
const PERSON = '10000002'; // registered in India (the seed's country for the INDIA region)
const OTHER = '10000001';
const REASON = 'DSAR ticket 4711';
let gateway: Proc;
let dir: string;

const ENTRY = 'id at source actor who action description what reason state';
interface Entry {
  id: string;
  at: string;
  source: string;
  actor: string;
  who: string;
  action: string;
  description: string;
  what: string;
  reason: string | null;
  state: string | null;
}
interface Page {
  entries: Entry[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function myLog(headers: Record<string, string>, first = 100, after?: string | null) {
  return gql<{ me: { accessLog: Page } }>(gateway.url, `query L($first: Int, $after: String) { me { accessLog(first: $first, after: $after) { entries { ${ENTRY} } pageInfo { hasNextPage endCursor } } } }`, { first, after: after ?? null }, headers);
}

async function exportAndWait(headers: Record<string, string>, input: Record<string, unknown>): Promise<JobView & { language: string }> {
  const res = await gql<{ requestExport: JobView & { language: string } }>(gateway.url, `mutation R($input: ExportRequestInput) { requestExport(input: $input) { ${JOB_FIELDS} language timeZone } }`, { input }, headers);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const job = await waitForJob(gateway.url, headers, res.data!.requestExport.id);
  expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
  return { ...job, language: res.data!.requestExport.language };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'footprint-access-log-'));
  gateway = await startGateway(dir, subgraphUrls, { FOOTPRINT_EXPORT_MAX_PER_WINDOW: '50' });
}, 120_000);
afterAll(async () => {
  await gateway?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('who accessed my data', () => {
  let person: Record<string, string>;
  let firstJob: JobView;
  let readAt: number;

  beforeAll(async () => {
    person = bearer(await subjectToken(PERSON));
    // No language named: the request's Accept-Language decides.
    firstJob = await exportAndWait({ ...person, 'accept-language': 'az-AZ,az;q=0.9,en;q=0.5' }, {});
    expect((firstJob as JobView & { language: string }).language).toBe('az');
    const op = bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': REASON });
    readAt = Date.now();
    const read = await gql(gateway.url, `query OperatorRead($id: ID!) { person(id: $id) { account { profile { nodes { name } } } } }`, { id: PERSON }, op);
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  }, 150_000);

  it("shows the person the operator's read — by role, with the reason and the time — and their own earlier export", async () => {
    const res = await myLog({ ...person, 'accept-language': 'az-AZ,az;q=0.9' });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const entries = res.data!.me.accessLog.entries;
    const read = entries.find((e) => e.source === 'AUDIT' && e.action === 'READ');
    expect(read, JSON.stringify(entries)).toMatchObject({ actor: 'PRIVACY_TEAM', who: 'Məxfilik komandası (operator)', reason: REASON, description: 'Məlumatlarınıza baxış' });
    expect(read!.what).toMatch(/person/);
    expect(Math.abs(Date.parse(read!.at) - readAt)).toBeLessThan(30_000);
    // Never the operator's own identity.
    expect(JSON.stringify(entries)).not.toMatch(/ops-/);
    expect(entries.find((e) => e.id === `EXPORT:${firstJob.id}`)).toMatchObject({ actor: 'YOU', action: 'EXPORT', state: 'SUCCEEDED' });
    // Newest first.
    const times = entries.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('pages with cursors: one entry at a time gives the same list, and a forged cursor is refused', async () => {
    const all = (await myLog(person)).data!.me.accessLog;
    expect(all.pageInfo.hasNextPage).toBe(false);
    expect(all.entries.length).toBeGreaterThanOrEqual(2);
    const paged: Entry[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const page: Page = (await myLog(person, 1, after)).data!.me.accessLog;
      paged.push(...page.entries);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged.map((e) => e.id)).toEqual(all.entries.map((e) => e.id));
    const bad = await myLog(person, 1, 'not-a-cursor');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await myLog(person, 101);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("lets no one else see it: another person is refused, and their own log does not hold it", async () => {
    const other = bearer(await subjectToken(OTHER));
    const refused = await gql(gateway.url, `query($id: ID!) { person(id: $id) { accessLog { entries { id } } } }`, { id: PERSON }, other);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data?.person ?? null).toBeNull();
    const own = await myLog(other);
    expect(own.errors).toBeUndefined();
    expect(JSON.stringify(own.data!.me.accessLog.entries)).not.toContain(REASON);
  });

  it('gives an operator the log only with a reason, and lists that read too', async () => {
    const noReason = await gql(gateway.url, `query($id: ID!) { person(id: $id) { accessLog { entries { id } } } }`, { id: PERSON }, bearer(await operatorToken(['footprint:read'])));
    expect(noReason.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const op = bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'Complaint 88: who read the file' });
    const res = await gql<{ person: { accessLog: Page } }>(gateway.url, `query Log($id: ID!) { person(id: $id) { accessLog(first: 50) { entries { ${ENTRY} } } } }`, { id: PERSON }, op);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data!.person.accessLog.entries.some((e) => e.reason === REASON)).toBe(true);
    const after = (await myLog(person)).data!.me.accessLog.entries;
    expect(after.some((e) => e.reason === 'Complaint 88: who read the file' && /accessLog|person/.test(e.what))).toBe(true);
  });

  it('writes it into the next archive as access.json — the read just before, the earlier export — in the language asked for', async () => {
    const job = (await exportAndWait(person, { language: 'az', timeZone: 'Asia/Baku' })) as JobView & { language?: string };
    const zip = join(dir, 'second.zip');
    expect((await download(job.archive!.url, person, zip)).status).toBe(200);
    const files = await readZip(zip);
    const json = <T>(name: string) => JSON.parse(files.get(name)!.toString('utf8')) as T;
    const manifest = json<{ language: string; timeZone: string; files: { path: string; columns?: { name: string; label: string }[] }[] }>('manifest.json');
    expect(manifest).toMatchObject({ language: 'az', timeZone: 'Asia/Baku' });
    expect(manifest.files.map((f) => f.path)).toContain('access.json');

    const access = json<{ language: string; operatorsShownAs: string; entries: (Entry & { when: string })[] }>('access.json');
    expect(access.language).toBe('az');
    expect(access.operatorsShownAs).toBe('ROLE');
    const read = access.entries.find((e) => e.reason === REASON);
    expect(read).toMatchObject({ actor: 'PRIVACY_TEAM', action: 'READ', who: 'Məxfilik komandası (operator)' });
    expect(read!.when).toMatch(/\d{4}/);
    expect(access.entries.some((e) => e.id === `EXPORT:${firstJob.id}`)).toBe(true);
    expect(access.entries.some((e) => e.id === `EXPORT:${job.id}`)).toBe(true);

    const processing = json<{ language: string; about: string; controller: { jurisdiction: string; name: string; residence: string }; rights: { code: string; right: string }[]; kinds: { kind: string; title: string }[] }>('processing.json');
    expect(processing.language).toBe('az');
    expect(processing.about).toMatch(/emal/);
    expect(processing.controller).toMatchObject({ jurisdiction: 'INDIA', name: 'Xiaomi Technology India Private Limited', residence: 'IN' });
    expect(processing.rights.find((r) => r.code === 'ERASURE')!.right).toBe('silmək hüququ');
    expect(processing.kinds.find((k) => k.kind === 'account.profile')!.title).toBe('Hesab profili');

    // CSV: the header row is the labels, in Azerbaijani; the manifest keeps each column's machine name beside its label.
    const profile = manifest.files.find((f) => f.path === 'account/profile.csv')!;
    const header = files.get('account/profile.csv')!.toString('utf8').replace(/^\uFEFF/, '').split('\r\n')[0]!;
    expect(header.split(',')[0]).toBe('Qeydin ID-si');
    expect(profile.columns![0]).toMatchObject({ name: 'id', label: 'Qeydin ID-si' });
    expect(header.split(',')).toHaveLength(profile.columns!.length);
    // JSON data files are unchanged: machine names.
    expect(Object.keys(json<{ records: Record<string, unknown>[] }>('account/profile.json').records[0]!)).toContain('meta');
  }, 150_000);

  it('npm run export --language az makes the archive in Azerbaijani; a language without a catalogue is refused', async () => {
    const out = join(dir, 'cli.zip');
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'export.js'), '--user', PERSON, '--gateway', gateway.url, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LANG: 'C' } });
    const ok = cli(['--language', 'az', '--time-zone', 'Asia/Baku', '--out', out]);
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    const files = await readZip(out);
    expect(JSON.parse(files.get('manifest.json')!.toString('utf8'))).toMatchObject({ language: 'az', timeZone: 'Asia/Baku' });
    const bad = cli(['--language', 'xx', '--out', join(dir, 'bad.zip')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--language takes one of az, en/);
  }, 150_000);
});
