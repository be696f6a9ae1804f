import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_MAILBOX, listen, closeServer } from '@footprint/kit';
import { openGatewayStore } from '@footprint/gateway/auth/audit';
import { traverseFootprint } from '@footprint/gateway/footprint';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, footprintPlan, gql, operatorToken, subjectToken } from './support/client.js';
import { isolateStores, TEST_ENGINE } from './support/engine.js';

/**
 * Corrections through the federation: a federation of its own (fresh stores,
 * a delivery partner endpoint for Art. 19 notices), so the data it corrects is
 * no other test's.
 */

const PERSON = '10000001';
const OTHER = '10000002';

// The delivery partner: records what it is told.
const partnerCalls: Record<string, unknown>[] = [];
const partner: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    partnerCalls.push(JSON.parse(body) as Record<string, unknown>);
    res.writeHead(204).end();
  });
});

let dataDir: string;
let federation: Federation;
let url: string;
let me: Record<string, string>;
let dropStores: () => Promise<void> = async () => {};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'footprint-corrections-'));
  dropStores = await isolateStores('corrections');
  const port = await listen(partner, 0);
  await seedAll({ dataDir });
  federation = await launchFederation({
    dataDir,
    stdio: 'ignore',
    env: { LOG_LEVEL: 'warn', FOOTPRINT_RECIPIENT_DELIVERY_PARTNER_URL: `http://127.0.0.1:${port}/art19`, FOOTPRINT_NOTICE_INTERVAL_MS: '200' },
  });
  url = federation.gatewayUrl;
  me = bearer(await subjectToken(PERSON));
}, 180_000);

afterAll(async () => {
  await federation?.stop();
  await closeServer(partner);
  await dropStores();
  rmSync(dataDir, { recursive: true, force: true });
});

const FIELDS = 'name label masked confirmation recipients rule { type format required minLength maxLength pattern allowedValues description jsonSchema }';
const VIEW = `query($kinds: [String!], $id: ID!) { person(id: $id) { correctionView(kinds: $kinds) {
  unavailableDomains
  correctable { kind domain title scope totalCount fields { ${FIELDS} } records { recordId label values { field value version } } }
  nonCorrectable { kind domain title reason policySection } } } }`;
const OUTCOME = `status confirmation { id channel sentTo expiresAt attemptsLeft }
  correction { id domain kind recordId field newValue oldValueHash actor actorType reason confirmedWith meta { kind domain category legalBasis retention correctable }
    notices { recipient state attempts lastError } }`;
// A person leaves personId out (it defaults to themselves); an operator names the person.
const REQUEST = `mutation($input: CorrectionInput!) { requestCorrection(input: $input) { ${OUTCOME} } }`;
const REQUEST_FOR = `mutation($personId: ID!, $input: CorrectionInput!) { requestCorrection(personId: $personId, input: $input) { ${OUTCOME} } }`;
const CONFIRM = `mutation($id: ID!, $code: String!) { confirmCorrection(confirmationId: $id, code: $code) { status correction { field newValue confirmedWith } } }`;
const HISTORY = `query($first: Int, $after: String) { me { corrections { history(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { id domain kind field newValue correctedAt actorType reason notices { recipient state } } } } } }`;

type Kind = { kind: string; domain: string; scope: string | null; fields: { name: string; recipients: string[]; confirmation: string | null; rule: Record<string, unknown> }[]; records: { recordId: string; label: string; values: { field: string; value: string | null; version: string }[] }[] };
type View = { person: { correctionView: { unavailableDomains: string[]; correctable: Kind[]; nonCorrectable: { kind: string; domain: string; reason: string }[] } } };

async function view(kinds?: string[], headers = me, id = PERSON) {
  const res = await gql<View>(url, VIEW, { kinds: kinds ?? null, id }, headers);
  expect(res.errors).toBeUndefined();
  return res.data!.person.correctionView;
}
async function current(kind: string, field: string, pick = 0) {
  const k = (await view([kind])).correctable[0]!;
  const r = k.records[pick]!;
  return { recordId: r.recordId, ...r.values.find((v) => v.field === field)! };
}
const codeFor = (confirmationId: string) =>
  readFileSync(join(dataDir, DEV_MAILBOX), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { confirmationId: string; code: string; to: string })
    .find((m) => m.confirmationId === confirmationId)!;

describe('the correction view', () => {
  it('covers every domain: correctable kinds with current values and machine-readable rules, and why the rest cannot be corrected', async () => {
    const v = await view();
    expect(v.unavailableDomains).toEqual([]);
    const kinds = v.correctable.map((k) => k.kind);
    for (const k of ['account.profile', 'account.notification_preference', 'orders.delivery_address', 'orders.gift_address', 'community.profile', 'cloud.contact', 'themes.carousel_subscription', 'push.marketing_choice', 'push.app_notification_setting']) {
      expect(kinds, k).toContain(k);
    }
    for (const k of v.correctable) expect(k.domain).toBe(k.kind.split('.')[0]);
    const profile = v.correctable.find((k) => k.kind === 'account.profile')!;
    expect(profile.fields.map((f) => f.name)).toEqual(['name', 'nickname', 'gender', 'email', 'phone']);
    expect(profile.fields.find((f) => f.name === 'gender')!.rule).toMatchObject({ type: 'ENUM', allowedValues: ['FEMALE', 'MALE', 'OTHER', 'UNDISCLOSED'] });
    const saved = v.correctable.find((k) => k.kind === 'orders.delivery_address')!;
    expect(saved.fields.find((f) => f.name === 'postalCode')!.recipients).toEqual(['DELIVERY_PARTNER']);
    const orders = v.nonCorrectable.find((k) => k.kind === 'orders.order')!;
    expect(orders.reason).toMatch(/statutory/);
    expect(v.nonCorrectable.find((k) => k.kind === 'account.sign_in')!.reason).toMatch(/observed log/);
    // Messaging holds nothing correctable: all its kinds come with a reason.
    expect(v.nonCorrectable.filter((k) => k.domain === 'messaging').length).toBeGreaterThan(0);
    for (const k of v.nonCorrectable) expect(k.reason.length, k.kind).toBeGreaterThan(10);
  });

  it('keeps the domains’ internal correction fields out of the API: only the gateway calls them, with its credential', async () => {
    for (const q of ['{ _correctionView { domain } }', 'mutation { _confirmCorrection(confirmationId: "x", code: "123456") { status } }']) {
      const res = await gql(url, q, {}, me);
      expect(res.errors?.[0]?.extensions?.code, q).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    // Called directly, a domain refuses anything that did not come through the gateway.
    const direct = await gql(federation.subgraphs.get('account')!.url, '{ _correctionView { domain } }', {});
    expect(direct.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('is refused for another person', async () => {
    const res = await gql(url, VIEW, { kinds: null, id: OTHER }, me);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('requestCorrection through the gateway', () => {
  it('applies the community nickname in its domain; the footprint shows it and the history beside it', async () => {
    const nick = await current('community.profile', 'nickname');
    const next = `corr_${Math.random().toString(36).slice(2, 8)}`;
    const res = await gql<{ requestCorrection: { status: string; correction: Record<string, unknown> } }>(url, REQUEST, { input: { recordId: nick.recordId, field: 'nickname', value: next, expectedVersion: nick.version, reason: 'my new name' } }, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.requestCorrection.status).toBe('APPLIED');
    expect(res.data!.requestCorrection.correction).toMatchObject({
      domain: 'community',
      kind: 'community.profile',
      field: 'nickname',
      newValue: next,
      actor: PERSON,
      actorType: 'subject',
      reason: 'my new name',
      meta: { kind: 'gateway.correction', domain: 'gateway', correctable: false, legalBasis: 'LEGAL_OBLIGATION' },
    });

    // The next footprint (what an archive is read from) has the new value and the correction record.
    const t = await subjectToken(PERSON);
    const byKind = new Map<string, Record<string, unknown>[]>();
    const plan = footprintPlan();
    expect(plan.kinds.map((k) => k.typename)).toContain('CorrectionRecord');
    const result = await traverseFootprint(plan, PERSON, (q, v) => gql(url, q, v, bearer(t)), {
      onPage: ({ records }) => {
        for (const r of records) {
          const kind = (r.meta as { kind: string }).kind;
          byKind.set(kind, [...(byKind.get(kind) ?? []), r]);
        }
      },
    });
    expect(result.failedDomains.size).toBe(0);
    expect(byKind.get('community.profile')![0]!.nickname).toBe(next);
    expect(byKind.get('gateway.correction')!.some((r) => r.newValue === next && r.field === 'nickname')).toBe(true);
  });

  it('rejects an invalid value with the domain’s field-level reason, and nothing changes', async () => {
    const email = await current('account.profile', 'email');
    const before = await gql<{ me: { account: { profile: { nodes: { email: string }[] } } } }>(url, '{ me { account { profile { nodes { email } } } } }', {}, me);
    for (const value of ['not-an-email', 'a@b', '']) {
      const res = await gql(url, REQUEST, { input: { recordId: email.recordId, field: 'email', value, expectedVersion: email.version } }, me);
      expect(res.errors?.[0]?.extensions, value).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email', domain: 'account' });
      expect(res.errors?.[0]?.message).toMatch(/^E-mail address: /);
    }
    const after = await gql(url, '{ me { account { profile { nodes { email } } } } }', {}, me);
    expect(after.data).toEqual(before.data);
  });

  it('refuses a stale correction: a value changed since it was read is not overwritten', async () => {
    const name = await current('account.profile', 'name');
    const first = await gql(url, REQUEST, { input: { recordId: name.recordId, field: 'name', value: 'Leyla Əliyeva', expectedVersion: name.version } }, me);
    expect(first.errors).toBeUndefined();
    const second = await gql(url, REQUEST, { input: { recordId: name.recordId, field: 'name', value: 'Late Writer', expectedVersion: name.version } }, me);
    expect(second.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', stale: true, domain: 'account' });
    expect((await current('account.profile', 'name')).value).toBe('Leyla Əliyeva');
  });

  // Both a value updated in place and one corrected by appending a new record (push keeps every choice).
  for (const [kind, field] of [
    ['account.profile', 'name'],
    ['push.marketing_choice', 'optedIn'],
  ] as const) {
    it(`of twenty concurrent corrections of one ${kind} ${field}, exactly one wins on ${TEST_ENGINE}; the others are stale conflicts`, async () => {
      const before = await current(kind, field);
      const values = Array.from({ length: 20 }, (_, i) => (field === 'name' ? `Racer ${String.fromCharCode(97 + i)}${Math.random().toString(36).replace(/[^a-z]/g, '').slice(0, 5)}` : String(before.value !== 'true')));
      const historyBefore = (await gql<{ me: { corrections: { history: { totalCount: number } } } }>(url, HISTORY, { first: 1 }, me)).data!.me.corrections.history.totalCount;
      const results = await Promise.all(values.map((value) => gql(url, REQUEST, { input: { recordId: before.recordId, field, value, expectedVersion: before.version } }, me)));
      const winners = results.filter((r) => !r.errors);
      expect(winners, JSON.stringify(results.map((r) => r.errors?.[0]?.extensions?.code ?? 'APPLIED'))).toHaveLength(1);
      for (const r of results.filter((x) => x.errors)) expect(r.errors?.[0]?.extensions, JSON.stringify(r.errors)).toMatchObject({ code: 'CONFLICT', stale: true });
      const won = values[results.findIndex((r) => !r.errors)]!;
      const after = await current(kind, field);
      expect(after.value).toBe(won);
      expect(after.version).not.toBe(before.version);
      const historyAfter = (await gql<{ me: { corrections: { history: { totalCount: number } } } }>(url, HISTORY, { first: 1 }, me)).data!.me.corrections.history.totalCount;
      expect(historyAfter).toBe(historyBefore + 1);
    });
  }

  it('changes a phone number only once the one-time code sent to it is confirmed', async () => {
    const phone = await current('account.profile', 'phone');
    const next = `+99470${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const res = await gql<{ requestCorrection: { status: string; confirmation: { id: string; channel: string; sentTo: string } } }>(url, REQUEST, { input: { recordId: phone.recordId, field: 'phone', value: next, expectedVersion: phone.version } }, me);
    expect(res.errors).toBeUndefined();
    const { status, confirmation } = res.data!.requestCorrection;
    expect(status).toBe('PENDING_CONFIRMATION');
    expect(confirmation.id).toMatch(/^account:/);
    expect(confirmation.sentTo).toMatch(/^\+994 ••• ••\d\d$/);
    expect((await current('account.profile', 'phone')).version).toBe(phone.version);
    const sent = codeFor(confirmation.id.split(':')[1]!);
    expect(sent.to).toBe(next);
    const wrong = await gql(url, CONFIRM, { id: confirmation.id, code: sent.code === '123456' ? '654321' : '123456' }, me);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code', attemptsLeft: 4 });
    const ok = await gql<{ confirmCorrection: unknown }>(url, CONFIRM, { id: confirmation.id, code: sent.code }, me);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.confirmCorrection).toEqual({ status: 'APPLIED', correction: { field: 'phone', newValue: next, confirmedWith: 'PHONE' } });
    const read = await gql<{ me: { account: { profile: { nodes: { phone: string }[] } } } }>(url, '{ me { account { profile { nodes { phone } } } } }', {}, me);
    expect(read.data!.me.account.profile.nodes[0]!.phone).toBe(next);
  });

  it('records an Art. 19 notice for the delivery partner and delivers it', async () => {
    const city = await current('orders.delivery_address', 'city');
    const res = await gql<{ requestCorrection: { correction: { id: string; notices: { recipient: string; state: string }[] } } }>(url, REQUEST, { input: { recordId: city.recordId, field: 'city', value: 'Gəncə', expectedVersion: city.version } }, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.requestCorrection.correction.notices).toEqual([{ recipient: 'DELIVERY_PARTNER', state: 'PENDING', attempts: 0, lastError: null }]);
    const id = res.data!.requestCorrection.correction.id;
    let notices: { recipient: string; state: string }[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const h = await gql<{ me: { corrections: { history: { nodes: { id: string; notices: { recipient: string; state: string }[] }[] } } } }>(url, HISTORY, { first: 100 }, me);
      notices = h.data!.me.corrections.history.nodes.find((n) => n.id === id)!.notices;
      if (notices[0]?.state === 'DELIVERED') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(notices).toEqual([{ recipient: 'DELIVERY_PARTNER', state: 'DELIVERED' }]);
    expect(partnerCalls).toContainEqual(expect.objectContaining({ recipient: 'DELIVERY_PARTNER', domain: 'orders', person: PERSON, recordId: city.recordId, field: 'city', newValue: 'Gəncə' }));
  });

  it('lets a person correct only their own data', async () => {
    const theirs = (await view(['community.profile'], bearer(await subjectToken(OTHER)), OTHER)).correctable[0]!.records[0]!;
    const v = theirs.values[0]!;
    const input = { recordId: theirs.recordId, field: 'nickname', value: 'hijacked', expectedVersion: v.version };
    const direct = await gql(url, REQUEST_FOR, { personId: OTHER, input }, me);
    expect(direct.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Their record id under one's own person: the domain finds no such record of this person.
    const sneaky = await gql(url, REQUEST, { input }, me);
    expect(sneaky.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await view(['community.profile'], bearer(await subjectToken(OTHER)), OTHER)).correctable[0]!.records[0]!.values[0]!.value).toBe(v.value);
  });

  it('lets an operator correct with footprint:correct and a reason, audited and kept with the correction', async () => {
    const ops = `ops-${Math.random().toString(36).slice(2, 8)}`;
    const readOp = bearer(await operatorToken(['footprint:read'], ops), { 'x-footprint-reason': 'ticket 88' });
    const gender = (await view(['account.profile'], readOp, OTHER)).correctable[0]!.records[0]!;
    const g = gender.values.find((x) => x.field === 'gender')!;
    const input = { recordId: gender.recordId, field: 'gender', value: g.value === 'FEMALE' ? 'MALE' : 'FEMALE', expectedVersion: g.version };
    const noScope = await gql(url, REQUEST_FOR, { personId: OTHER, input }, readOp);
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(noScope.errors?.[0]?.message).toMatch(/footprint:correct/);
    const noReason = await gql(url, REQUEST_FOR, { personId: OTHER, input }, bearer(await operatorToken(['footprint:correct'], ops)));
    expect(noReason.errors?.[0]?.message).toMatch(/X-Footprint-Reason/);
    const op = bearer(await operatorToken(['footprint:correct'], ops), { 'x-footprint-reason': 'DSAR ticket 88: gender recorded wrongly' });
    const ok = await gql<{ requestCorrection: { correction: { actor: string; actorType: string; reason: string } } }>(url, REQUEST_FOR, { personId: OTHER, input }, op);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.requestCorrection.correction).toMatchObject({ actor: ops, actorType: 'operator', reason: 'DSAR ticket 88: gender recorded wrongly' });
    const store = openGatewayStore(dataDir);
    try {
      const rows = await store.db.selectFrom('auditLog').select(['outcome', 'reason', 'person', 'operation']).where('actor', '=', ops).orderBy('id').execute();
      expect(rows.some((r) => r.outcome === 'allowed' && r.person === OTHER && /requestCorrection/.test(r.operation) && r.reason === 'DSAR ticket 88: gender recorded wrongly')).toBe(true);
      expect(rows.some((r) => r.outcome.startsWith('refused') && /footprint:correct/.test(r.outcome))).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('the correction history', () => {
  it('pages across domains in time order, every entry once', async () => {
    const all = await gql<{ me: { corrections: { history: { totalCount: number; nodes: { id: string; correctedAt: string; domain: string }[] } } } }>(url, HISTORY, { first: 1000 }, me);
    const { totalCount, nodes } = all.data!.me.corrections.history;
    expect(totalCount).toBe(nodes.length);
    expect(new Set(nodes.map((n) => n.domain)).size).toBeGreaterThanOrEqual(3);
    const paged: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { data?: { me: { corrections: { history: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { id: string }[] } } } } | null } = await gql(url, HISTORY, { first: 1, after }, me);
      const h = page.data!.me.corrections.history;
      paged.push(...h.nodes.map((n) => n.id));
      if (!h.pageInfo.hasNextPage) break;
      after = h.pageInfo.endCursor;
    }
    expect(paged).toEqual(nodes.map((n) => n.id));
    const times = nodes.map((n) => n.correctedAt);
    expect([...times].sort()).toEqual(times);
  });
});

describe('with a domain down', () => {
  it('the view names the domain that did not answer and shows the rest; the history refuses to look complete', async () => {
    await federation.stopSubgraph('themes');
    const v = await view();
    expect(v.unavailableDomains).toEqual(['themes']);
    expect(v.correctable.some((k) => k.domain === 'account')).toBe(true);
    const h = await gql(url, HISTORY, { first: 10 }, me);
    // The error names the domain that failed, not the gateway's corrections feature.
    expect(h.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'themes' });
    expect(h.errors?.[0]?.message).toMatch(/themes/);
    const carousel = await gql(url, REQUEST, { input: { recordId: 'themes.carousel_subscription:1', field: 'subscribed', value: 'false', expectedVersion: 'x' } }, me);
    expect(carousel.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'themes' });
  });
});
