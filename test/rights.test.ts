import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, DEV_MAILBOX, signCredential } from '@footprint/kit';
import { freePort, launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { download, internalSecret, readZip, requestExport, startGateway, startSubgraph, waitForJob, type Proc } from './support/exports.js';
import { requires } from './support/requires.js';

/**
 * Erasure, restriction, objection and consent withdrawal through the real
 * federation (a federation of its own with fresh stores, since it erases):
 * every bad input refused with its code and nothing changed; each right's
 * effect seen in the processing state, the footprint, the discovery summary
 * and a later export; whole-account erasure with the account domain last,
 * the person's tokens refused after, same receipts on a repeat; a domain that
 * is down FAILS the job naming it.
 */

const PERSON = '10000001';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
await requires('redis');
const OTHER = '10000002';

let dataDir: string;
let federation: Federation;
let url: string;
let me: Record<string, string>;
let other: Record<string, string>;
let ops: Record<string, string>;

interface Entry {
  kind: string;
  title: string;
  domain: string;
  legalBasis: string;
  purposes: string[];
  retention: string;
  erasure: string;
  erasureFields: string[];
  erasureNote: string | null;
}
let entries: Entry[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'footprint-rights-'));
  await seedAll({ dataDir, users: 3 });
  federation = await launchFederation({
    dataDir,
    stdio: 'ignore',
    env: { LOG_LEVEL: 'warn', FOOTPRINT_ERASURE_RETRIES: '2', FOOTPRINT_ERASURE_RETRY_BASE_MS: '50', FOOTPRINT_ERASURE_EXPORT_WAIT_MS: '30000' },
  });
  url = federation.gatewayUrl;
  me = bearer(await subjectToken(PERSON));
  other = bearer(await subjectToken(OTHER));
  ops = bearer(await operatorToken(['footprint:read', 'footprint:erase', 'footprint:restrict', 'footprint:export']), { 'x-footprint-reason': 'DSAR ticket 4711' });
  const map = await gql<{ dataMap: { entries: Entry[] } }>(url, '{ dataMap { entries { kind title domain legalBasis purposes retention erasure erasureFields erasureNote } } }', {}, me);
  expect(map.errors).toBeUndefined();
  entries = map.data!.dataMap.entries.filter((e) => e.domain !== 'gateway');
}, 180_000);

afterAll(async () => {
  await federation?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const PROCESSING = 'processing { restrictions { kind title domain since reason until ground } objections withdrawnConsents unavailableDomains }';
type Processing = { restrictions: { kind: string; domain: string; reason: string; until: string | null; ground: string }[]; objections: string[]; withdrawnConsents: string[]; unavailableDomains: string[] };
const RECEIPTS = 'receipts { domain requestId erasedAt kinds { kind title action deleted anonymized retained fields ground retainedUntil noticesRecorded remaining } chain { table seq hash } }';
const JOB = `id personId state wholeAccount kinds requestedBy runs progress { domain status attempts error } exportBefore { exportJobId outcome } error { code message domain } receiptUrl ${RECEIPTS}`;
type Receipt = { domain: string; requestId: string; chain: { table: string; seq: number; hash: string } | null; kinds: { kind: string; action: string; deleted: number; anonymized: number; retained: number; noticesRecorded: number; ground: string | null; retainedUntil: string | null; remaining: number }[] };
type Job = { id: string; personId: string; state: string; wholeAccount: boolean; runs: number; progress: { domain: string; status: string; attempts: number; error: string | null }[]; exportBefore: { exportJobId: string; outcome: string } | null; error: { code: string; message: string; domain: string | null } | null; receiptUrl: string | null; receipts: Receipt[] };

async function processing(headers = me, id = PERSON): Promise<Processing> {
  const res = await gql<{ person: { processing: Processing } }>(url, `query($id: ID!) { person(id: $id) { ${PROCESSING} } }`, { id }, headers);
  expect(res.errors).toBeUndefined();
  return res.data!.person.processing;
}

async function counts(id: string, headers: Record<string, string>): Promise<Map<string, number>> {
  const res = await gql<{ person: { discovery: { domains: ({ kinds: { kind: string; count: number }[] } | null)[] } } }>(url, 'query($id: ID!) { person(id: $id) { discovery { domains { kinds { kind count } } } } }', { id }, headers);
  expect(res.errors).toBeUndefined();
  return new Map(res.data!.person.discovery.domains.flatMap((d) => d!.kinds.map((k) => [k.kind, k.count] as [string, number])));
}

/** The latest one-time code sent to the person (the dev mailbox of this federation's data folder). */
function lastCode(confirmationId: string): string {
  const file = join(dataDir, DEV_MAILBOX);
  expect(existsSync(file)).toBe(true);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { confirmationId: string; code: string });
  return lines.find((l) => l.confirmationId === confirmationId)!.code;
}

async function confirmation(headers = me): Promise<{ confirmationId: string; code: string }> {
  const res = await gql<{ requestErasureCode: { confirmationId: string; sentTo: string } }>(url, 'mutation { requestErasureCode { confirmationId sentTo expiresAt } }', {}, headers);
  expect(res.errors).toBeUndefined();
  expect(res.data!.requestErasureCode.sentTo).toContain('•');
  const id = res.data!.requestErasureCode.confirmationId;
  return { confirmationId: id, code: lastCode(id) };
}

async function job(id: string, headers: Record<string, string>): Promise<Job> {
  const res = await gql<{ erasureJob: Job | null }>(url, `query($id: ID!) { erasureJob(jobId: $id) { ${JOB} } }`, { id }, headers);
  expect(res.errors).toBeUndefined();
  return res.data!.erasureJob!;
}

async function finished(id: string, headers: Record<string, string>, timeoutMs = 60_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = await job(id, headers);
    if (!['QUEUED', 'RUNNING'].includes(j.state)) return j;
    if (Date.now() > deadline) throw new Error(`erasure ${id} still ${j.state}: ${JSON.stringify(j.progress)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const firstDeletable = (domain: string) => entries.find((e) => e.domain === domain && e.erasure === 'DELETE')!;

describe('bad input is refused with a code, and nothing changes', () => {
  it('refuses unknown kinds, another person, a past end, a retained kind, a missing or wrong code, missing scopes', async () => {
    const before = await processing();
    const unknown = await gql(url, 'mutation { restrictProcessing(input: { kinds: ["orders.nope"], reason: "x" }) { objections } }', {}, me);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', unknownKinds: ['orders.nope'] });
    const malformed = await gql(url, 'mutation { requestErasure(input: { kinds: ["NOT A KIND"] }) { id } }', {}, me);
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const someoneElse = await gql(url, `mutation { restrictProcessing(personId: "${OTHER}", input: { kinds: ["community.post"], reason: "x" }) { objections } }`, {}, me);
    expect(someoneElse.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const eraseOther = await gql(url, `mutation { requestErasure(personId: "${OTHER}") { id } }`, {}, me);
    expect(eraseOther.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const past = await gql(url, 'mutation { restrictProcessing(input: { kinds: ["community.post"], reason: "x", until: "2020-01-01T00:00:00Z" }) { objections } }', {}, me);
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });

    const retained = entries.find((e) => e.erasure === 'RETAIN');
    expect(retained, 'the contract declares at least one RETAIN kind (e.g. invoices)').toBeDefined();
    const keep = await gql(url, 'mutation($k: [String!]) { requestErasure(input: { kinds: $k }) { id } }', { k: [retained!.kind] }, me);
    expect(keep.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RETAINED' });
    expect(keep.errors?.[0]?.message).toContain(retained!.kind);

    const noCode = await gql(url, 'mutation($k: [String!]) { requestErasure(input: { kinds: $k }) { id } }', { k: [firstDeletable('community').kind] }, me);
    expect(noCode.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    const { confirmationId } = await confirmation();
    const wrong = await gql(url, 'mutation($k: [String!], $c: ID) { requestErasure(input: { kinds: $k, confirmationId: $c, code: "000000" }) { id } }', { k: [firstDeletable('community').kind], c: confirmationId }, me);
    // (one in a million: the code may really be 000000)
    if (lastCode(confirmationId) !== '000000') expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });

    const noScope = await gql(url, `mutation { requestErasure(personId: "${OTHER}") { id } }`, {}, bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'ticket 1' }));
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noReason = await gql(url, `mutation { requestErasure(personId: "${OTHER}") { id } }`, {}, bearer(await operatorToken(['footprint:erase'])));
    expect(noReason.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const notConsent = await gql(url, 'mutation { withdrawConsent(input: { purpose: LEGAL_COMPLIANCE }) { objections } }', {}, me);
    expect(notConsent.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'purpose' });

    expect(await processing()).toEqual(before);
    // The correction view says what erasure does to each kind, too.
    const view = await gql<{ me: { correctionView: { nonCorrectable: { kind: string; erasure: { action: string; note: string | null } }[] } } }>(url, '{ me { correctionView(first: 1) { nonCorrectable { kind erasure { action note retainFor retainFrom } } } } }', {}, me);
    expect(view.errors).toBeUndefined();
    const kept = view.data!.me.correctionView.nonCorrectable.find((k) => k.kind === retained!.kind);
    if (kept) expect(kept.erasure).toMatchObject({ action: 'RETAIN', note: expect.any(String) });
    expect(view.data!.me.correctionView.nonCorrectable.every((k) => ['DELETE', 'ANONYMIZE', 'RETAIN'].includes(k.erasure.action))).toBe(true);
    const jobs = await gql<{ me: { erasures: unknown[] } }>(url, '{ me { erasures { id } } }', {}, me);
    expect(jobs.data!.me.erasures).toEqual([]);
  });
});

describe('restriction, objection and consent withdrawal', () => {
  it('withdraws a consent with one mutation; repeating it is CONFLICT', async () => {
    const purposes = [...new Set(entries.filter((e) => e.legalBasis === 'CONSENT').flatMap((e) => e.purposes))];
    expect(purposes).toContain('MARKETING');
    const res = await gql<{ withdrawConsent: Processing }>(url, `mutation { withdrawConsent(input: { purpose: MARKETING, reason: "no more" }) { withdrawnConsents } }`, {}, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.withdrawConsent.withdrawnConsents).toContain('MARKETING');
    // Kinds kept only until consent is withdrawn, for that purpose alone, are gone from the discovery summary.
    const gone = entries.filter((e) => e.legalBasis === 'CONSENT' && e.retention === 'UNTIL_WITHDRAWN' && e.purposes.length === 1 && e.purposes[0] === 'MARKETING');
    const now = await counts(PERSON, me);
    for (const e of gone) expect(now.get(e.kind) ?? 0, e.kind).toBe(0);
    const again = await gql(url, `mutation { withdrawConsent(input: { purpose: MARKETING }) { withdrawnConsents } }`, {}, me);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // The account domain records the withdrawal on the person's consent records.
    const consents = await gql<{ me: { account: { consents: { nodes: { purpose: string; granted: boolean; at: string }[] } } } }>(url, '{ me { account { consents(first: 100) { nodes { purpose granted at } } } } }', {}, me);
    const marketing = consents.data!.me.account.consents.nodes.filter((c) => c.purpose === 'MARKETING').sort((a, b) => a.at.localeCompare(b.at));
    expect(marketing.at(-1)?.granted).toBe(false);
  });

  it('gives the consent again with one mutation, the withdrawal kept as proof; giving it twice is CONFLICT', async () => {
    const res = await gql<{ giveConsent: Processing }>(url, 'mutation { giveConsent(input: { purpose: MARKETING, reason: "offers welcome again" }) { withdrawnConsents } }', {}, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.giveConsent.withdrawnConsents).not.toContain('MARKETING');
    const again = await gql(url, 'mutation { giveConsent(input: { purpose: MARKETING }) { withdrawnConsents } }', {}, me);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const consents = await gql<{ me: { account: { consents: { nodes: { purpose: string; granted: boolean; at: string }[] } } } }>(url, '{ me { account { consents(first: 100) { nodes { purpose granted at } } } } }', {}, me);
    const marketing = consents.data!.me.account.consents.nodes.filter((c) => c.purpose === 'MARKETING').sort((a, b) => a.at.localeCompare(b.at));
    expect(marketing.slice(-2).map((c) => c.granted)).toEqual([false, true]);
  });

  it('restricts a kind: recorded by the owning domain, shown on every record, refused twice, lifted', async () => {
    const kind = 'community.post';
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const res = await gql<{ restrictProcessing: Processing }>(url, 'mutation($u: DateTime) { restrictProcessing(input: { kinds: ["community.post"], reason: "I dispute these posts", until: $u, ground: CONTESTED_ACCURACY }) { restrictions { kind domain reason until ground } } }', { u: until }, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.restrictProcessing.restrictions).toContainEqual(expect.objectContaining({ kind, domain: 'community', reason: 'I dispute these posts', ground: 'CONTESTED_ACCURACY' }));
    const posts = await gql<{ me: { community: { posts: { nodes: { meta: { restricted: boolean; restriction: { reason: string; ground: string } | null } }[] } } } }>(url, '{ me { community { posts(first: 50) { nodes { meta { restricted restriction { reason ground since until } } } } } } }', {}, me);
    expect(posts.errors).toBeUndefined();
    expect(posts.data!.me.community.posts.nodes.length).toBeGreaterThan(0);
    for (const p of posts.data!.me.community.posts.nodes) expect(p.meta).toMatchObject({ restricted: true, restriction: { reason: 'I dispute these posts', ground: 'CONTESTED_ACCURACY' } });
    const twice = await gql(url, 'mutation { restrictProcessing(input: { kinds: ["community.post"], reason: "again" }) { objections } }', {}, me);
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    // The other person is untouched.
    expect((await processing(other, OTHER)).restrictions).toEqual([]);
    const lifted = await gql<{ liftRestriction: Processing }>(url, 'mutation { liftRestriction(input: { kinds: ["community.post"] }) { restrictions { kind } } }', {}, me);
    expect(lifted.data!.liftRestriction.restrictions.map((r) => r.kind)).not.toContain(kind);
    // Left restricted for the export below.
    const again = await gql(url, 'mutation { restrictProcessing(input: { kinds: ["community.post"], reason: "keep, do not use" }) { objections } }', {}, me);
    expect(again.errors).toBeUndefined();
  });

  it('a contested e-mail address is restricted until its correction is confirmed (Art. 18(1)(a))', async () => {
    const view = await gql<{ me: { correctionView: { correctable: { kind: string; records: { recordId: string; values: { field: string; version: string }[] }[] }[] } } }>(
      url,
      '{ me { correctionView(kinds: ["account.profile"]) { correctable { kind records { recordId values { field version } } } } } }',
      {},
      me,
    );
    expect(view.errors).toBeUndefined();
    const record = view.data!.me.correctionView.correctable[0]!.records[0]!;
    const version = record.values.find((v) => v.field === 'email')!.version;
    const asked = await gql<{ requestCorrection: { status: string; confirmation: { id: string } } }>(
      url,
      'mutation($input: CorrectionInput!) { requestCorrection(input: $input) { status confirmation { id } } }',
      { input: { recordId: record.recordId, field: 'email', value: 'contested@example.com', expectedVersion: version, restrictUntilResolved: true } },
      me,
    );
    expect(asked.errors).toBeUndefined();
    expect(asked.data!.requestCorrection.status).toBe('PENDING_CONFIRMATION');
    const contested = (await processing()).restrictions.filter((r) => r.ground === 'CONTESTED_ACCURACY' && r.kind === 'account.profile');
    expect(contested).toHaveLength(1);
    const confirmationId = asked.data!.requestCorrection.confirmation.id;
    const code = lastCode(confirmationId.slice(confirmationId.indexOf(':') + 1));
    const confirmed = await gql(url, 'mutation($id: ID!, $code: String!) { confirmCorrection(confirmationId: $id, code: $code) { status } }', { id: confirmationId, code }, me);
    expect(confirmed.errors).toBeUndefined();
    expect((await processing()).restrictions.filter((r) => r.ground === 'CONTESTED_ACCURACY' && r.kind === 'account.profile')).toEqual([]);
  });

  it('objects to ad profiling: the ad segments are erased and the objection is in force everywhere', async () => {
    expect((await counts(PERSON, me)).get('push.ad_segment') ?? 0).toBeGreaterThan(0);
    const res = await gql<{ objectToProcessing: Processing }>(url, 'mutation { objectToProcessing(input: { purpose: AD_PROFILING, reason: "no ads" }) { objections } }', {}, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.objectToProcessing.objections).toContain('AD_PROFILING');
    expect((await counts(PERSON, me)).get('push.ad_segment') ?? 0).toBe(0);
    const again = await gql(url, 'mutation { objectToProcessing(input: { purpose: AD_PROFILING }) { objections } }', {}, me);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await counts(OTHER, other)).get('push.ad_segment') ?? 0).toBeGreaterThan(0);
  });
});

describe('an erasure never ends half-known: a domain stopped across every retry, a gateway killed', () => {
  // Small timeouts and retries so a stopped domain costs seconds; the circuit stays closed so every attempt is sent.
  const FAST = {
    FOOTPRINT_SUBGRAPH_TIMEOUT_MS: '1500',
    FOOTPRINT_ERASURE_RETRIES: '3',
    FOOTPRINT_ERASURE_RETRY_BASE_MS: '50',
    FOOTPRINT_BREAKER_FAILURES: '50',
    FOOTPRINT_EXPORT_CONCURRENCY: '0',
  };
  const WHOLE = `mutation($c: ID, $code: String) { requestErasure(input: { confirmationId: $c, code: $code }) { ${JOB} } }`;
  let account: Proc | null = null;
  const subgraphUrls = () => ({ ...Object.fromEntries([...federation.subgraphs.values()].map((s) => [s.name, s.url])), account: account!.url });

  beforeAll(async () => {
    // A second account process over the same data, so stopping it leaves the shared federation alone.
    account = await startSubgraph('account', dataDir);
  }, 90_000);
  afterAll(async () => {
    account?.child.kill('SIGCONT');
    await account?.kill('SIGTERM');
  });

  const jobAt = async (gw: string, id: string): Promise<Job> => {
    const res = await gql<{ erasureJob: Job }>(gw, `query($id: ID!) { erasureJob(jobId: $id) { ${JOB} } }`, { id }, ops);
    expect(res.errors).toBeUndefined();
    return res.data!.erasureJob;
  };
  const until = async (gw: string, id: string, done: (j: Job) => boolean, what: string, timeoutMs = 60_000): Promise<Job> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const j = await jobAt(gw, id);
      if (done(j)) return j;
      if (Date.now() > deadline) throw new Error(`erasure ${id} is not ${what}: ${JSON.stringify(j)}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  /** The account domain's own receipts for a request id, asked as the gateway asks (signed credential, rights:erase). */
  const domainReceipts = async (person: string, requestId: string): Promise<{ kinds: { kind: string; deleted: number }[] } | null> => {
    const credential = await signCredential({ actor: 'rights-test', actorType: 'operator', person, scopes: ['rights:erase'], requestId }, internalSecret);
    const res = await gql<{ _erasureReceipts: { kinds: { kind: string; deleted: number }[] } | null }>(account!.url, 'query($r: ID!) { _erasureReceipts(requestId: $r) { kinds { kind deleted } } }', { r: requestId }, { [CREDENTIAL_HEADER]: credential });
    expect(res.errors).toBeUndefined();
    return res.data!._erasureReceipts;
  };
  const accountCounts = async (gw: string, person: string): Promise<number> => {
    const res = await gql<{ person: { discovery: { domains: ({ domain: string; kinds: { count: number }[] } | null)[] } } }>(gw, 'query($id: ID!) { person(id: $id) { discovery { domains { domain kinds { count } } } } }', { id: person }, ops);
    expect(res.errors).toBeUndefined();
    return res.data!.person.discovery.domains.filter((d) => d?.domain === 'account').reduce((n, d) => n + d!.kinds.reduce((m, k) => m + k.count, 0), 0);
  };
  /** SIGCONT, then wait until the domain answers again (its queued calls are read first). */
  const resume = async () => {
    account!.child.kill('SIGCONT');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ok = await fetch(account!.url.replace(/\/graphql$/, '/health')).then((r) => r.ok).catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the account subgraph did not answer after SIGCONT');
  };

  it('the account domain stopped across every retry, then continued: FAILED with the domain untouched (its queued calls refused), and the person finishes it without a new code', async () => {
    const person = '20000001';
    const self = bearer(await subjectToken(person));
    const store = mkdtempSync(join(dataDir, 'gw-stop-'));
    const gw = await startGateway(store, subgraphUrls(), { ...FAST, FOOTPRINT_ERASURE_SWEEP_MS: '300' });
    try {
      const before = await accountCounts(gw.url, person);
      expect(before).toBeGreaterThan(0);
      const sent = await gql<{ requestErasureCode: { confirmationId: string } }>(gw.url, 'mutation { requestErasureCode { confirmationId } }', {}, self);
      expect(sent.errors).toBeUndefined();
      const confirmationId = sent.data!.requestErasureCode.confirmationId;
      const mail = readFileSync(join(store, DEV_MAILBOX), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { confirmationId: string; code: string });
      const code = mail.find((m) => m.confirmationId === confirmationId)!.code;

      account!.child.kill('SIGSTOP');
      let id = '';
      try {
        const asked = await gql<{ requestErasure: Job }>(gw.url, WHOLE, { c: confirmationId, code }, self);
        expect(asked.errors).toBeUndefined();
        id = asked.data!.requestErasure.id;
        const failed = await until(gw.url, id, (j) => j.state === 'FAILED', 'FAILED');
        expect(failed.error).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'account' });
        expect(failed.progress.find((d) => d.domain === 'account')!.attempts).toBeGreaterThanOrEqual(3);
      } finally {
        await resume();
      }
      // Every call the gateway gave up on now reaches the domain; give the sweep a few rounds to ask it.
      await new Promise((r) => setTimeout(r, 3000));
      const settled = await jobAt(gw.url, id);
      // Never in between: FAILED with the domain untouched (it refused the late calls), or SUCCEEDED with its receipt.
      if (settled.state === 'FAILED') {
        expect(await accountCounts(gw.url, person)).toBe(before);
        expect(await domainReceipts(person, id)).toBeNull();
        const me = await gql<{ me: { account: { profile: { totalCount: number } } } }>(gw.url, '{ me { account { profile { totalCount } } } }', {}, self);
        expect(me.data?.me.account.profile.totalCount).toBeGreaterThan(0);
      } else {
        expect(settled.state).toBe('SUCCEEDED');
        expect(settled.receipts.map((r) => r.domain)).toContain('account');
      }

      // Asking again (no code: it was confirmed when started) finishes the same job: the domains' request id.
      const again = await gql<{ requestErasure: Job }>(gw.url, WHOLE, {}, self);
      expect(again.errors).toBeUndefined();
      expect(again.data!.requestErasure.id).toBe(id);
      const done = await until(gw.url, id, (j) => j.state === 'SUCCEEDED', 'SUCCEEDED');
      expect(done.receipts.map((r) => r.domain).sort()).toEqual(done.progress.map((d) => d.domain).sort());
      const acc = done.receipts.find((r) => r.domain === 'account')!;
      // The account's records appear in the receipt the gateway keeps (not `deleted: 0` from a second request).
      expect(acc.kinds.reduce((n, k) => n + k.deleted + k.anonymized + k.retained, 0)).toBe(before);
      expect((await domainReceipts(person, id))!.kinds.length).toBe(acc.kinds.length);
      const refused = await gql(gw.url, '{ me { account { profile { totalCount } } } }', {}, self);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_ERASED' });
    } finally {
      await gw.kill('SIGTERM');
    }
  }, 180_000);

  it('a gateway killed mid-job while the domain is stopped: the next gateway resumes the job and adopts what the domain did meanwhile', async () => {
    const person = '20000003';
    const self = bearer(await subjectToken(person));
    const store = mkdtempSync(join(dataDir, 'gw-mid-'));
    // A long deadline: the domain, continued after the gateway died, may still carry the call out.
    const first = await startGateway(store, subgraphUrls(), { ...FAST, FOOTPRINT_SUBGRAPH_TIMEOUT_MS: '30000', FOOTPRINT_ERASURE_SWEEP_MS: '0' });
    let id = '';
    let before = 0;
    try {
      before = await accountCounts(first.url, person);
      expect(before).toBeGreaterThan(0);
      account!.child.kill('SIGSTOP');
      try {
        const asked = await gql<{ requestErasure: Job }>(first.url, `mutation { requestErasure(personId: "${person}") { ${JOB} } }`, {}, ops);
        expect(asked.errors).toBeUndefined();
        id = asked.data!.requestErasure.id;
        await until(first.url, id, (j) => (j.progress.find((d) => d.domain === 'account')?.attempts ?? 0) >= 1, 'calling the account domain');
      } finally {
        await first.kill('SIGKILL');
        await resume();
      }
    } finally {
      await first.kill('SIGKILL');
    }
    // Whether the domain carried the orphaned call out (inside its deadline) or not, the next gateway ends it right.
    let carried: Awaited<ReturnType<typeof domainReceipts>> = null;
    for (let i = 0; i < 20 && !carried; i++) {
      carried = await domainReceipts(person, id);
      if (!carried) await new Promise((r) => setTimeout(r, 250));
    }
    const next = await startGateway(store, subgraphUrls(), { ...FAST, FOOTPRINT_ERASURE_STALE_MS: '500', FOOTPRINT_ERASURE_SWEEP_MS: '0' });
    try {
      const done = await until(next.url, id, (j) => j.state === 'SUCCEEDED', 'SUCCEEDED after the restart');
      expect(done.runs).toBe(2);
      expect(done.receipts.map((r) => r.domain).sort()).toEqual(done.progress.map((d) => d.domain).sort());
      const acc = done.receipts.find((r) => r.domain === 'account')!;
      expect(acc.kinds.reduce((n, k) => n + k.deleted + k.anonymized + k.retained, 0)).toBe(before);
      // What the domain did while no gateway waited is adopted (read back), not asked again.
      if (carried) expect(done.progress.find((d) => d.domain === 'account')!.attempts).toBe(1);
      const refused = await gql(next.url, '{ me { account { profile { totalCount } } } }', {}, self);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_ERASED' });
    } finally {
      await next.kill('SIGTERM');
    }
  }, 180_000);

  it('a domain receipt the gateway does not hold (a FAILED job, then the gateway killed) is adopted by the sweep of the next gateway, which finishes the job', async () => {
    const person = '20000002';
    const self = bearer(await subjectToken(person));
    const store = mkdtempSync(join(dataDir, 'gw-kill-'));
    // No sweep in this one: the job stays FAILED with the account's outcome unknown.
    const first = await startGateway(store, subgraphUrls(), { ...FAST, FOOTPRINT_ERASURE_SWEEP_MS: '0' });
    let id = '';
    let before = 0;
    try {
      before = await accountCounts(first.url, person);
      expect(before).toBeGreaterThan(0);
      account!.child.kill('SIGSTOP');
      try {
        const asked = await gql<{ requestErasure: Job }>(first.url, `mutation { requestErasure(personId: "${person}") { ${JOB} } }`, {}, ops);
        expect(asked.errors).toBeUndefined();
        id = asked.data!.requestErasure.id;
        await until(first.url, id, (j) => j.state === 'FAILED', 'FAILED');
      } finally {
        await resume();
      }
    } finally {
      await first.kill('SIGKILL');
    }
    // The domain carries out the job anyway, as a call that started inside the gateway's deadline would (no attempt
    // number it was told to refuse): the gateway holds no receipt for it.
    const credential = await signCredential({ actor: 'rights-test', actorType: 'operator', person, scopes: ['rights:erase'], requestId: id }, internalSecret);
    const late = await gql<{ _erase: { kinds: { deleted: number }[] } }>(account!.url, 'mutation($r: ID!) { _erase(requestId: $r) { kinds { deleted } } }', { r: id }, { [CREDENTIAL_HEADER]: credential });
    expect(late.errors).toBeUndefined();
    expect(late.data!._erase.kinds.reduce((n, k) => n + k.deleted, 0)).toBeGreaterThan(0);

    const next = await startGateway(store, subgraphUrls(), { ...FAST, FOOTPRINT_ERASURE_SWEEP_MS: '300' });
    try {
      const done = await until(next.url, id, (j) => j.state === 'SUCCEEDED', 'SUCCEEDED by the sweep');
      expect(done.receipts.map((r) => r.domain).sort()).toEqual(done.progress.map((d) => d.domain).sort());
      const acc = done.receipts.find((r) => r.domain === 'account')!;
      expect(acc.kinds.reduce((n, k) => n + k.deleted + k.anonymized + k.retained, 0)).toBe(before);
      // Whole-account completion follows from the adopted receipt: the person's tokens are refused.
      const refused = await gql(next.url, '{ me { account { profile { totalCount } } } }', {}, self);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_ERASED' });
    } finally {
      await next.kill('SIGTERM');
    }
  }, 180_000);
});

describe('erasure', () => {
  it('erases named kinds with the one-time code; the receipt matches the discovery summary; a repeat is a no-op', async () => {
    const kind = firstDeletable('themes').kind;
    const before = await counts(PERSON, me);
    expect(before.get(kind) ?? 0).toBeGreaterThan(0);
    const otherBefore = await counts(OTHER, other);
    const c = await confirmation();
    const res = await gql<{ requestErasure: Job }>(url, `mutation($k: [String!], $c: ID, $code: String) { requestErasure(input: { kinds: $k, confirmationId: $c, code: $code, reason: "tidy up" }) { ${JOB} } }`, { k: [kind], c: c.confirmationId, code: c.code }, me);
    expect(res.errors).toBeUndefined();
    const done = await finished(res.data!.requestErasure.id, me);
    expect(done).toMatchObject({ state: 'SUCCEEDED', wholeAccount: false, error: null });
    expect(done.progress).toEqual([expect.objectContaining({ domain: 'themes', status: 'DONE' })]);
    expect(done.receipts).toHaveLength(1);
    const k = done.receipts[0]!.kinds.find((x) => x.kind === kind)!;
    expect(k).toMatchObject({ action: 'DELETE', deleted: before.get(kind), retained: 0, remaining: 0 });
    expect((await counts(PERSON, me)).get(kind) ?? 0).toBe(0);
    expect(await counts(OTHER, other)).toEqual(otherBefore);
    // The same code cannot be used twice; the same request again returns the same job and receipts.
    const replay = await gql<{ requestErasure: Job }>(url, `mutation($k: [String!]) { requestErasure(input: { kinds: $k }) { ${JOB} } }`, { k: [kind] }, me);
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.requestErasure.id).toBe(done.id);
    expect(replay.data!.requestErasure.receipts).toEqual(done.receipts);
  });

  it('erases the whole account: an export first, every domain with the account last, tokens refused, same receipts again, retained kinds in a later export', async () => {
    const before = await counts(PERSON, ops);
    const otherBefore = await counts(OTHER, other);
    const exp = await requestExport(url, me);
    expect(exp.errors).toBeUndefined();
    // A written request of the person still open when the account goes (gateway.privacy_request: RETAIN P3Y from erasure).
    const desk = bearer(await operatorToken(['footprint:requests']), { 'x-footprint-reason': 'DSAR ticket 4711' });
    const letter = await gql<{ createPrivacyRequest: { id: string; state: string } }>(url, `mutation { createPrivacyRequest(personId: "${PERSON}", input: { type: ACCESS, channel: POST, originalText: "Please send me my data." }) { id state } }`, {}, desk);
    expect(letter.errors).toBeUndefined();
    expect(letter.data!.createPrivacyRequest.state).toBe('RECEIVED');

    // Two at once: one job, the other CONFLICT.
    const ask = () => gql<{ requestErasure: Job }>(url, `mutation { requestErasure(personId: "${PERSON}", input: { reason: "account closure" }) { ${JOB} } }`, {}, ops);
    const [a, b] = await Promise.all([ask(), ask()]);
    const started = [a, b].filter((r) => !r.errors);
    expect(started).toHaveLength(1);
    expect([a, b].find((r) => r.errors)?.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const id = started[0]!.data!.requestErasure.id;
    expect(started[0]!.data!.requestErasure.progress.at(-1)!.domain).toBe('account');

    const done = await finished(id, ops, 120_000);
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    expect(done.exportBefore).toMatchObject({ exportJobId: exp.data!.requestExport.id });
    expect(done.progress.every((d) => d.status === 'DONE')).toBe(true);
    expect(done.receipts.at(-1)!.domain).toBe('account');
    expect(done.receipts.map((r) => r.domain).sort()).toEqual(done.progress.map((d) => d.domain).sort());

    // The person's tokens are refused now.
    const refused = await gql(url, '{ me { id } }', {}, me);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_ERASED' });

    // The person's open request was closed with the reason, left the queue, and is held from the erasure for three years.
    type Held = { state: string; overdue: boolean; answer: string | null; meta: { restricted: boolean; restriction: { ground: string; since: string; until: string | null } | null } };
    const closed = await gql<{ privacyRequest: Held }>(url, `query($id: ID!) { privacyRequest(requestId: $id) { state overdue answer meta { restricted restriction { ground since until } } } }`, { id: letter.data!.createPrivacyRequest.id }, desk);
    expect(closed.errors).toBeUndefined();
    const request = closed.data!.privacyRequest;
    expect(request).toMatchObject({ state: 'CLOSED', overdue: false, meta: { restricted: true, restriction: { ground: 'LEGAL_HOLD' } } });
    expect(request.answer).toContain(`erasure ${id}`);
    const since = new Date(request.meta.restriction!.since);
    expect(request.meta.restriction!.until).toBe(new Date(Date.UTC(since.getUTCFullYear() + 3, since.getUTCMonth(), since.getUTCDate(), since.getUTCHours(), since.getUTCMinutes(), since.getUTCSeconds(), since.getUTCMilliseconds())).toISOString());
    const queue = await gql<{ privacyRequestQueue: { totalCount: number } }>(url, `{ privacyRequestQueue(filter: { person: "${PERSON}" }) { totalCount } }`, {}, desk);
    expect(queue.errors).toBeUndefined();
    expect(queue.data!.privacyRequestQueue.totalCount).toBe(0);

    // What remains is exactly what the receipts say was kept (anonymised records are no one's); the other person is untouched.
    const after = await counts(PERSON, ops);
    const receipts = done.receipts.flatMap((r) => r.kinds);
    for (const k of receipts) expect(after.get(k.kind) ?? 0, k.kind).toBe(k.retained);
    const retained = receipts.filter((k) => k.action === 'RETAIN' && k.retained > 0);
    expect(retained.length).toBeGreaterThan(0);
    for (const k of retained) expect(k.ground, k.kind).toBeTruthy();
    expect(receipts.reduce((n, k) => n + k.deleted, 0)).toBeGreaterThan(0);
    // Art. 19: the recipients of erased data are told, through the owning domains' outboxes.
    expect(receipts.reduce((n, k) => n + k.noticesRecorded, 0)).toBeGreaterThan(0);
    expect([...before.values()].reduce((a2, n) => a2 + n, 0)).toBeGreaterThan([...after.values()].reduce((a2, n) => a2 + n, 0));
    expect(await counts(OTHER, other)).toEqual(otherBefore);

    // Retained kinds are restricted under a legal hold.
    const held = await processing(ops, PERSON);
    for (const k of retained) expect(held.restrictions, k.kind).toContainEqual(expect.objectContaining({ kind: k.kind, ground: 'LEGAL_HOLD' }));

    // Running it again is a no-op with the same receipts.
    const again = await ask();
    expect(again.errors).toBeUndefined();
    expect(again.data!.requestErasure.id).toBe(id);
    expect(again.data!.requestErasure.receipts).toEqual(done.receipts);

    // The receipts stay readable without a token, through the signed link.
    const link = await fetch(done.receiptUrl!);
    expect(link.status).toBe(200);
    const body = (await link.json()) as { state: string; receipts: Receipt[] };
    expect(body.state).toBe('SUCCEEDED');
    expect(body.receipts.map((r) => r.domain)).toEqual(done.receipts.map((r) => r.domain));
    // Each receipt says where it sits in the gateway's chain of receipts: distinct places, as the API answers them.
    expect(body.receipts.map((r) => r.chain)).toEqual(done.receipts.map((r) => r.chain));
    expect(new Set(done.receipts.map((r) => r.chain?.seq)).size).toBe(done.receipts.length);
    for (const r of done.receipts) expect(r.chain).toMatchObject({ table: 'erasure_receipt', seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await fetch(done.receiptUrl!.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);

    // A later export (an operator's, the account being gone) holds only what was kept, each with its ground.
    const later = await requestExport(url, ops, { personId: PERSON });
    expect(later.errors).toBeUndefined();
    const exported = await waitForJob(url, ops, later.data!.requestExport.id);
    expect(exported.state).toBe('SUCCEEDED');
    const zip = join(dataDir, 'after-erasure.zip');
    expect((await download(exported.archive!.url, ops, zip)).status).toBe(200);
    const files = await readZip(zip);
    const processingJson = JSON.parse(files.get('processing.json')!.toString('utf8')) as { kinds: { kind: string; records: number; erasure: { action: string; note: string | null } }[]; erasure: { retained: { kind: string; ground: string | null }[] } };
    for (const k of retained) {
      expect(processingJson.erasure.retained, k.kind).toContainEqual(expect.objectContaining({ kind: k.kind, ground: expect.any(String) }));
    }
    // processing.json describes every kind of the archive; the ones with records are what erasure kept: counted by the
    // domains' discovery, or the gateway's own records kept by law (the letter above, held; correction history), which
    // discovery does not count.
    expect(processingJson.kinds.find((k) => k.kind === 'gateway.privacy_request')?.records).toBe(1);
    const kept = processingJson.kinds.filter((k) => k.records > 0 && !((after.get(k.kind) ?? 0) > 0));
    expect(kept.map((k) => [k.kind, k.erasure.action])).toEqual(kept.map((k) => [k.kind, 'RETAIN']));
    expect(kept.every((k) => k.kind.startsWith('gateway.'))).toBe(true);
    expect(files.get('index.html')!.toString('utf8')).toContain('Kept by law');
  }, 240_000);

  it('cancels an erasure before it starts, and resumes one whose gateway was killed after its last finished domain', async () => {
    const subgraphs = Object.fromEntries([...federation.subgraphs.values()].map((s) => [s.name, s.url]));
    const kinds = [firstDeletable('community').kind, firstDeletable('themes').kind];
    const ask = (gw: string) => gql<{ requestErasure: Job }>(gw, `mutation($k: [String!]) { requestErasure(personId: "${OTHER}", input: { kinds: $k }) { ${JOB} } }`, { k: kinds }, ops);

    // A gateway that runs no erasures: the job waits QUEUED and can be cancelled; once over, it cannot.
    let order: string[] = [];
    const idle = await startGateway(mkdtempSync(join(dataDir, 'gw-idle-')), subgraphs, { FOOTPRINT_ERASURE_CONCURRENCY: '0', FOOTPRINT_EXPORT_CONCURRENCY: '0' });
    try {
      const queued = await ask(idle.url);
      expect(queued.errors).toBeUndefined();
      expect(queued.data!.requestErasure.state).toBe('QUEUED');
      const cancel = `mutation($id: ID!) { cancelErasure(jobId: $id) { state } }`;
      const cancelled = await gql<{ cancelErasure: { state: string } }>(idle.url, cancel, { id: queued.data!.requestErasure.id }, ops);
      expect(cancelled.data?.cancelErasure.state).toBe('CANCELLED');
      const twice = await gql(idle.url, cancel, { id: queued.data!.requestErasure.id }, ops);
      expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      order = queued.data!.requestErasure.progress.map((d) => d.domain);
    } finally {
      await idle.kill();
    }

    // A gateway whose second domain cannot be reached: the first is erased, the second retried; then it is killed.
    const [first, second] = order as [string, string];
    const store = mkdtempSync(join(dataDir, 'gw-resume-'));
    const before = await counts(OTHER, other);
    // A port nothing listens on (not one fetch refuses, such as 9: the gateway would refuse to start).
    const unreachable = `http://127.0.0.1:${await freePort()}/graphql`;
    const dying = await startGateway(store, { ...subgraphs, [second]: unreachable }, { FOOTPRINT_ERASURE_RETRIES: '20', FOOTPRINT_ERASURE_RETRY_BASE_MS: '200', FOOTPRINT_EXPORT_CONCURRENCY: '0' });
    let id = '';
    try {
      const started = await ask(dying.url);
      expect(started.errors).toBeUndefined();
      id = started.data!.requestErasure.id;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const seen = await gql<{ erasureJob: Job }>(dying.url, `query($id: ID!) { erasureJob(jobId: $id) { ${JOB} } }`, { id }, ops);
        const p = seen.data?.erasureJob.progress;
        if (p?.[0]?.status === 'DONE' && (p[1]?.attempts ?? 0) >= 1) break;
        if (Date.now() > deadline) throw new Error(`the erasure did not get to ${second}: ${JSON.stringify(p)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await dying.kill('SIGKILL');
    }
    // The first domain's data is gone already, the second's not yet.
    const mid = await counts(OTHER, other);
    expect(mid.get(kinds.find((k) => k.startsWith(`${first}.`))!) ?? 0).toBe(0);
    expect(mid.get(kinds.find((k) => k.startsWith(`${second}.`))!)).toBe(before.get(kinds.find((k) => k.startsWith(`${second}.`))!));

    // A new gateway on the same store takes the stale job back and finishes it from where it stopped.
    const revived = await startGateway(store, subgraphs, { FOOTPRINT_ERASURE_STALE_MS: '500', FOOTPRINT_EXPORT_CONCURRENCY: '0' });
    try {
      const deadline = Date.now() + 60_000;
      let done: Job | null = null;
      while (Date.now() < deadline) {
        const seen = await gql<{ erasureJob: Job }>(revived.url, `query($id: ID!) { erasureJob(jobId: $id) { ${JOB} } }`, { id }, ops);
        if (seen.data?.erasureJob.state === 'SUCCEEDED') {
          done = seen.data.erasureJob;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(done, 'the resumed erasure succeeded').not.toBeNull();
      expect(done!.runs).toBe(2);
      expect(done!.progress.map((d) => [d.domain, d.status])).toEqual([[first, 'DONE'], [second, 'DONE']]);
      expect(done!.progress[0]!.attempts).toBe(1);
      expect(done!.receipts.map((r) => r.domain)).toEqual([first, second]);
      const after = await counts(OTHER, other);
      for (const k of kinds) expect(after.get(k) ?? 0, k).toBe(0);
    } finally {
      await revived.kill('SIGTERM');
    }
  }, 180_000);

  it('with REDIS_URL, erasures go on a BullMQ queue of their own, run by the gateway', async () => {
    const subgraphs = Object.fromEntries([...federation.subgraphs.values()].map((s) => [s.name, s.url]));
    const run = randomUUID().slice(0, 8);
    const env = { REDIS_URL, FOOTPRINT_EXPORT_QUEUE_PREFIX: `footprint-test-${run}`, FOOTPRINT_EXPORT_QUEUE: `exports-test-${run}`, FOOTPRINT_ERASURE_QUEUE: `erasures-test-${run}` };
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    const gw = await startGateway(mkdtempSync(join(dataDir, 'gw-bull-')), subgraphs, env);
    try {
      const kind = firstDeletable('cloud').kind;
      expect((await counts(OTHER, other)).get(kind) ?? 0).toBeGreaterThan(0);
      const res = await gql<{ requestErasure: Job }>(gw.url, `mutation($k: [String!]) { requestErasure(personId: "${OTHER}", input: { kinds: $k }) { ${JOB} } }`, { k: [kind] }, ops);
      expect(res.errors).toBeUndefined();
      const id = res.data!.requestErasure.id;
      const deadline = Date.now() + 60_000;
      let done: Job | undefined;
      while (Date.now() < deadline) {
        done = (await gql<{ erasureJob: Job }>(gw.url, `query($id: ID!) { erasureJob(jobId: $id) { ${JOB} } }`, { id }, ops)).data?.erasureJob;
        if (done && !['QUEUED', 'RUNNING'].includes(done.state)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(done?.state).toBe('SUCCEEDED');
      expect(done!.receipts[0]!.kinds).toContainEqual(expect.objectContaining({ kind, remaining: 0 }));
      expect((await counts(OTHER, other)).get(kind) ?? 0).toBe(0);
      // It went through Redis: the erasure queue's keys exist under this run's prefix.
      const keys = await redis.keys(`${env.FOOTPRINT_EXPORT_QUEUE_PREFIX}:${env.FOOTPRINT_ERASURE_QUEUE}:*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await gw.kill('SIGTERM');
      const keys = await redis.keys(`${env.FOOTPRINT_EXPORT_QUEUE_PREFIX}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  }, 120_000);

  it('(last: it stops a domain) a domain that is down makes the erasure retry and then FAIL naming it', async () => {
    await federation.stopSubgraph('music');
    const kind = firstDeletable('music').kind;
    const res = await gql<{ requestErasure: Job }>(url, `mutation($k: [String!]) { requestErasure(personId: "${OTHER}", input: { kinds: $k }) { ${JOB} } }`, { k: [kind] }, ops);
    expect(res.errors).toBeUndefined();
    const failed = await finished(res.data!.requestErasure.id, ops);
    expect(failed.state).toBe('FAILED');
    expect(failed.error).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'music' });
    expect(failed.progress[0]).toMatchObject({ domain: 'music', status: 'FAILED', attempts: 2 });
    expect(failed.receipts).toEqual([]);
  });

});
