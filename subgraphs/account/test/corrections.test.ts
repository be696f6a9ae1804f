import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, DEV_MAILBOX, listen, closeServer, type CorrectionTables } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { AccountDB } from '../src/store.js';

// The affiliate (the account's recipient, §4) answers 503 once, then 200: the outbox must retry.
const received: { body: Record<string, unknown>; key: string | undefined }[] = [];
let affiliateCalls = 0;
const affiliate: Server = createHttpServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    affiliateCalls += 1;
    if (affiliateCalls === 1) return void res.writeHead(503).end();
    received.push({ body: JSON.parse(body) as Record<string, unknown>, key: req.headers['idempotency-key'] as string | undefined });
    res.writeHead(204).end();
  });
});

let sg: TestSubgraph<AccountDB>;
beforeAll(async () => {
  const port = await listen(affiliate, 0);
  process.env.FOOTPRINT_RECIPIENT_AFFILIATE_URL = `http://127.0.0.1:${port}/notices`;
  process.env.FOOTPRINT_NOTICE_INTERVAL_MS = '100';
  sg = await startTestSubgraph(subgraph.createServer, seed);
});
afterAll(async () => {
  await sg.close();
  await closeServer(affiliate);
});

const PERSON = '10000001';

const VIEW = `query($kinds: [String!]) { _correctionView(kinds: $kinds) {
  domain
  correctable { kind domain title scope totalCount
    fields { name label masked confirmation recipients rule { type format required minLength maxLength pattern allowedValues description jsonSchema } }
    records { recordId label values { field value version } } }
  nonCorrectable { kind title reason policySection } } }`;
const REQUEST = `mutation($input: CorrectionInput!) { _requestCorrection(input: $input) {
  status confirmation { id channel sentTo expiresAt attemptsLeft }
  entry { number kind recordId field oldValueHash newValue actor actorType reason confirmedWith notices { recipient state attempts lastError } } } }`;
const CONFIRM = `mutation($id: ID!, $code: String!) { _confirmCorrection(confirmationId: $id, code: $code) {
  status entry { field newValue confirmedWith } } }`;

type View = {
  _correctionView: {
    correctable: {
      kind: string;
      fields: { name: string; masked: boolean; confirmation: string | null; recipients: string[]; rule: Record<string, unknown> }[];
      records: { recordId: string; values: { field: string; value: string | null; version: string }[] }[];
    }[];
    nonCorrectable: { kind: string; reason: string }[];
  };
};

async function call<T = Record<string, unknown>>(query: string, variables: Record<string, unknown>, as: Parameters<TestSubgraph<AccountDB>['credential']>[1] = {}) {
  return postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(PERSON, as) });
}

async function profileField(field: string) {
  const res = await call<View>(VIEW, { kinds: ['account.profile'] });
  expect(res.errors).toBeUndefined();
  const rec = res.data!._correctionView.correctable[0]!.records[0]!;
  return { recordId: rec.recordId, ...rec.values.find((v) => v.field === field)! };
}

const stored = () => sg.store.db.selectFrom('profile').selectAll().where('personId', '=', PERSON).executeTakeFirstOrThrow();
const historyCount = async () => Number((await sql<{ n: number }>`select count(*) as n from correction_history`.execute(sg.store.db)).rows[0]!.n);

describe('account correction view', () => {
  it('lists every correctable field with its published rule, masked contact values, and why the rest cannot be corrected', async () => {
    const res = await call<View>(VIEW, {});
    expect(res.errors).toBeUndefined();
    const view = res.data!._correctionView;
    const profile = view.correctable.find((k) => k.kind === 'account.profile')!;
    const field = (n: string) => profile.fields.find((f) => f.name === n)!;
    expect(field('nickname').rule).toMatchObject({ type: 'STRING', required: false, minLength: 2, maxLength: 30 });
    expect(new RegExp(field('nickname').rule.pattern as string, 'u').test('good_name')).toBe(true);
    expect(new RegExp(field('nickname').rule.pattern as string, 'u').test('has space')).toBe(false);
    expect(field('gender').rule).toMatchObject({ type: 'ENUM', allowedValues: ['FEMALE', 'MALE', 'OTHER', 'UNDISCLOSED'] });
    expect(field('email')).toMatchObject({ masked: true, confirmation: 'EMAIL', recipients: ['AFFILIATE'] });
    expect(field('email').rule).toMatchObject({ type: 'STRING', format: 'email', required: true });
    expect(JSON.parse(field('phone').rule.jsonSchema as string)).toMatchObject({ type: 'string', format: 'phone' });
    const row = await stored();
    const email = profile.records[0]!.values.find((v) => v.field === 'email')!;
    expect(email.value).not.toBe(row.email);
    expect(email.value).toMatch(/^.•••.*@example\.com$/);
    expect(view.correctable.find((k) => k.kind === 'account.notification_preference')!.fields[0]!.rule).toMatchObject({ type: 'BOOLEAN', allowedValues: ['true', 'false'] });
    const signIn = view.nonCorrectable.find((k) => k.kind === 'account.sign_in')!;
    expect(signIn.reason).toMatch(/observed log/);
    expect(view.nonCorrectable.map((k) => k.kind)).not.toContain('account.profile');
  });
});

describe('account corrections', () => {
  it('applies a valid nickname atomically: the value, an append-only history entry and the Art. 19 notice', async () => {
    const nick = await profileField('nickname');
    const next = `nick_${Math.random().toString(36).slice(2, 8)}`;
    const before = await historyCount();
    const res = await call<{ _requestCorrection: { status: string; entry: Record<string, unknown> & { notices: { recipient: string; state: string }[] } } }>(
      REQUEST,
      { input: { recordId: nick.recordId, field: 'nickname', value: next, expectedVersion: nick.version, reason: 'typo' } },
    );
    expect(res.errors).toBeUndefined();
    const out = res.data!._requestCorrection;
    expect(out.status).toBe('APPLIED');
    expect(out.entry).toMatchObject({ kind: 'account.profile', recordId: nick.recordId, field: 'nickname', newValue: next, actor: PERSON, actorType: 'subject', reason: 'typo', confirmedWith: null });
    expect(out.entry.oldValueHash).toMatch(/^hmac-sha256:[\w-]{43}$/);
    expect(JSON.stringify(out.entry)).not.toContain(nick.value!);
    expect(out.entry.notices).toEqual([expect.objectContaining({ recipient: 'AFFILIATE', state: 'PENDING' })]);
    expect((await stored()).nickname).toBe(next);
    expect(await historyCount()).toBe(before + 1);
    // The history cannot be rewritten, not even by SQL against the store.
    await expect(sql`update correction_history set new_value = 'x'`.execute(sg.store.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from correction_history`.execute(sg.store.db)).rejects.toThrow(/append-only/);
  });

  it('delivers the notice to the recipient, retrying after a failure', async () => {
    const deadline = Date.now() + 10_000;
    let notice: { state: string; attempts: number } | undefined;
    do {
      await new Promise((r) => setTimeout(r, 100));
      notice = (await sql<{ state: string; attempts: number }>`select state, attempts from correction_notice order by id limit 1`.execute(sg.store.db)).rows[0];
    } while (notice?.state !== 'DELIVERED' && Date.now() < deadline);
    expect(notice).toMatchObject({ state: 'DELIVERED', attempts: 2 });
    expect(received[0]!.body).toMatchObject({ recipient: 'AFFILIATE', domain: 'account', person: PERSON, kind: 'account.profile', field: 'nickname' });
    expect(received[0]!.key).toMatch(/^account-notice-\d+$/);
  });

  it('rejects an invalid value with a field-level reason and changes nothing', async () => {
    const nick = await profileField('nickname');
    const before = { row: await stored(), history: await historyCount() };
    for (const value of ['has space', 'x', 'a'.repeat(31)]) {
      const res = await call(REQUEST, { input: { recordId: nick.recordId, field: 'nickname', value, expectedVersion: nick.version } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'nickname' });
      expect((res.errors?.[0]?.extensions?.issues as unknown[] | undefined)?.length).toBeGreaterThan(0);
    }
    const gender = await profileField('gender');
    const bad = await call(REQUEST, { input: { recordId: gender.recordId, field: 'gender', value: 'ROBOT', expectedVersion: gender.version } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'gender' });
    expect(await stored()).toEqual(before.row);
    expect(await historyCount()).toBe(before.history);
  });

  it('refuses a stale correction instead of overwriting a value that changed meanwhile', async () => {
    const name = await profileField('name');
    const first = await call(REQUEST, { input: { recordId: name.recordId, field: 'name', value: 'Aysel Məmmədova', expectedVersion: name.version } });
    expect(first.errors).toBeUndefined();
    const second = await call(REQUEST, { input: { recordId: name.recordId, field: 'name', value: 'Someone Else', expectedVersion: name.version } });
    expect(second.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'name', stale: true });
    expect((await stored()).name).toBe('Aysel Məmmədova');
  });

  it('changes the e-mail only after the one-time code sent to the new address is confirmed', async () => {
    const email = await profileField('email');
    const next = `new.${Math.random().toString(36).slice(2, 8)}@example.org`;
    const before = (await stored()).email;
    const res = await call<{ _requestCorrection: { status: string; confirmation: { id: string; channel: string; sentTo: string; attemptsLeft: number } } }>(REQUEST, {
      input: { recordId: email.recordId, field: 'email', value: next, expectedVersion: email.version },
    });
    expect(res.errors).toBeUndefined();
    const { status, confirmation } = res.data!._requestCorrection;
    expect(status).toBe('PENDING_CONFIRMATION');
    expect(confirmation).toMatchObject({ channel: 'EMAIL', attemptsLeft: 5 });
    expect(confirmation.sentTo).not.toBe(next);
    expect((await stored()).email).toBe(before);
    // Local use: the code goes to the dev mailbox (and the log), never into the answer or the store.
    const mail = readFileSync(join(sg.dataDir, DEV_MAILBOX), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { confirmationId: string; code: string; to: string });
    const sent = mail.find((m) => m.confirmationId === confirmation.id)!;
    expect(sent.to).toBe(next);
    expect(JSON.stringify(res)).not.toContain(sent.code);
    const row = await sg.store.db.withTables<Pick<CorrectionTables, 'correctionConfirmation'>>().selectFrom('correctionConfirmation').selectAll().where('id', '=', confirmation.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(`"${sent.code}"`);

    const wrong = sent.code === '000000' ? '111111' : '000000';
    const bad = await call(CONFIRM, { id: confirmation.id, code: wrong });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code', attemptsLeft: 4 });
    expect((await stored()).email).toBe(before);

    const ok = await call<{ _confirmCorrection: { status: string; entry: { field: string; newValue: string; confirmedWith: string } } }>(CONFIRM, { id: confirmation.id, code: sent.code });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!._confirmCorrection).toEqual({ status: 'APPLIED', entry: { field: 'email', newValue: next, confirmedWith: 'EMAIL' } });
    expect((await stored()).email).toBe(next);
    const again = await call(CONFIRM, { id: confirmation.id, code: sent.code });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('locks a confirmation after too many wrong codes', async () => {
    const phone = await profileField('phone');
    const res = await call<{ _requestCorrection: { confirmation: { id: string } } }>(REQUEST, {
      input: { recordId: phone.recordId, field: 'phone', value: '+994551112233', expectedVersion: phone.version },
    });
    const id = res.data!._requestCorrection.confirmation.id;
    const mail = readFileSync(join(sg.dataDir, DEV_MAILBOX), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { confirmationId: string; code: string });
    const code = mail.find((m) => m.confirmationId === id)!.code;
    const wrong = code === '000000' ? '111111' : '000000';
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await call(CONFIRM, { id, code: wrong })).errors?.[0]?.extensions?.code);
    expect(codes).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'TOO_MANY_REQUESTS']);
    // Even the right code is refused now.
    expect((await call(CONFIRM, { id, code })).errors?.[0]?.extensions?.code).toBe('TOO_MANY_REQUESTS');
    expect((await stored()).phone).not.toBe('+994551112233');
  });

  it('counts parallel guesses too: no more than the allowed attempts get compared', async () => {
    const phone = await profileField('phone');
    const res = await call<{ _requestCorrection: { confirmation: { id: string } } }>(REQUEST, {
      input: { recordId: phone.recordId, field: 'phone', value: '+994559998877', expectedVersion: phone.version },
    });
    const id = res.data!._requestCorrection.confirmation.id;
    const mail = readFileSync(join(sg.dataDir, DEV_MAILBOX), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { confirmationId: string; code: string });
    const code = mail.find((m) => m.confirmationId === id)!.code;
    const wrong = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const codes = (await Promise.all(wrong.map((c) => call(CONFIRM, { id, code: c })))).map((r) => r.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === 'BAD_USER_INPUT').length).toBe(4);
    expect(codes.filter((c) => c === 'TOO_MANY_REQUESTS').length).toBe(8);
    expect((await call(CONFIRM, { id, code })).errors?.[0]?.extensions?.code).toBe('TOO_MANY_REQUESTS');
  });

  it('refuses an e-mail address of another account', async () => {
    const other = await sg.store.db.selectFrom('profile').select('email').where('personId', '=', '10000002').executeTakeFirstOrThrow();
    const email = await profileField('email');
    const res = await call(REQUEST, { input: { recordId: email.recordId, field: 'email', value: other.email!.toUpperCase(), expectedVersion: email.version } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(res.errors?.[0]?.message).toMatch(/another account/);
  });

  it('refuses kinds that cannot be corrected, other people’s records, export jobs and operators without footprint:correct', async () => {
    const nick = await profileField('nickname');
    const input = { recordId: nick.recordId, field: 'nickname', value: 'fine_name', expectedVersion: nick.version };
    const signIn = await sg.store.db.selectFrom('signIn').select('id').where('personId', '=', PERSON).executeTakeFirstOrThrow();
    const log = await call(REQUEST, { input: { ...input, recordId: `account.sign_in:${signIn.id}`, field: 'ip' } });
    expect(log.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(log.errors?.[0]?.message).toMatch(/observed log/);
    const theirs = await sg.store.db.selectFrom('profile').select('id').where('personId', '=', '10000002').executeTakeFirstOrThrow();
    expect((await call(REQUEST, { input: { ...input, recordId: `account.profile:${theirs.id}` } })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await call(REQUEST, { input }, { actorType: 'job', actor: 'job:x' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(REQUEST, { input }, { actorType: 'operator', actor: 'ops', scopes: ['footprint:read'] })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const op = await call<{ _requestCorrection: { entry: { actor: string; actorType: string } } }>(REQUEST, { input }, { actorType: 'operator', actor: 'ops-1', scopes: ['footprint:correct'] });
    expect(op.errors).toBeUndefined();
    expect(op.data!._requestCorrection.entry).toMatchObject({ actor: 'ops-1', actorType: 'operator' });
  });
});
