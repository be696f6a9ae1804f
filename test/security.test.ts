import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { CREDENTIAL_HEADER, signCredential } from '@footprint/kit';
import { bearer, gql, operatorToken, subjectToken, token } from './support/client.js';

const url = inject('gatewayUrl');
const subgraphs = inject('subgraphUrls');
const dataDir = inject('dataDir');

describe('a subject reads only itself', () => {
  const attempts: [string, string, Record<string, unknown>][] = [
    ['direct id', '{ person(id: "10000002") { id account { profile { nodes { name } } } } }', {}],
    ['alias beside its own id', '{ mine: person(id: "10000001") { id } theirs: person(id: "10000002") { id } }', {}],
    ['variable', 'query($p: ID!) { person(id: $p) { id } }', { p: '10000002' }],
    ['named fragment', 'query { ...F } fragment F on Query { person(id: "10000002") { id } }', {}],
    ['inline fragment', '{ ... on Query { x: person(id: "10000002") { orders { discovery { domain } } } } }', {}],
  ];
  for (const [route, query, variables] of attempts) {
    it(`refuses another person by ${route}, with no data`, async () => {
      const res = await gql(url, query, variables, bearer(await subjectToken('10000001')));
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.data ?? null).toBeNull();
    });
  }

  it('cannot call _entities through the gateway', async () => {
    const res = await gql(url, '{ _entities(representations: [{ __typename: "Person", id: "10000002" }]) { __typename } }', {}, bearer(await subjectToken('10000001')));
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.data ?? null).toBeNull();
  });
});

describe('tokens', () => {
  const me = '{ me { id } }';
  it('refuses a missing token', async () => {
    const res = await gql(url, me);
    expect(res.status).toBe(401);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
  it('refuses a token signed with another key', async () => {
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('10000002').setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(48)));
    const res = await gql(url, me, {}, bearer(forged));
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.data ?? null).toBeNull();
  });
  it('refuses an expired token', async () => {
    const expired = await token({ sub: '10000001', ttlSeconds: -10 });
    const res = await gql(url, me, {}, bearer(expired));
    expect(res.errors?.[0]?.message).toMatch(/expired/);
  });
  it('refuses alg: none', async () => {
    const none = new UnsecuredJWT({}).setSubject('10000001').setExpirationTime('1h').encode();
    const res = await gql(url, me, {}, bearer(none));
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
  it('refuses a person token whose subject is not an account ID', async () => {
    const res = await gql(url, me, {}, bearer(await token({ sub: 'admin' })));
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('operators', () => {
  const q = '{ person(id: "10000002") { id account { profile { totalCount } } } }';
  it('are refused without the footprint:read scope', async () => {
    const res = await gql(url, q, {}, bearer(await operatorToken(['footprint:export']), { 'x-footprint-reason': 'ticket 1' }));
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.errors?.[0]?.message).toMatch(/footprint:read/);
    expect(res.data ?? null).toBeNull();
  });
  it('are refused without a reason', async () => {
    for (const reason of [undefined, '   ']) {
      const res = await gql(url, q, {}, bearer(await operatorToken(['footprint:read']), reason === undefined ? {} : { 'x-footprint-reason': reason }));
      expect(res.errors?.[0]?.message).toMatch(/X-Footprint-Reason/);
    }
  });
  it('read one person at a time', async () => {
    const res = await gql(url, '{ a: person(id: "10000001") { id } b: person(id: "10000002") { id } }', {}, bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'x' }));
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
  it('are audited: actor, person, operation, reason, time, request id — in an append-only log', async () => {
    const actor = `ops-${Date.now()}`;
    const reason = `DSAR ticket ${Math.random().toString(36).slice(2)}`;
    const requestId = `req-${Math.random().toString(36).slice(2)}`;
    const res = await gql(url, `query AuditMe ${q}`, {}, bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': reason, 'x-request-id': requestId }));
    expect(res.errors).toBeUndefined();
    expect((res.data as { person: { account: { profile: { totalCount: number } } } }).person.account.profile.totalCount).toBe(1);
    const db = new Database(join(dataDir, 'gateway.db'));
    try {
      const rows = db.prepare('select * from audit_log where actor = ?').all(actor) as Record<string, string>[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor, person: '10000002', reason, request_id: requestId, outcome: 'allowed' });
      expect(rows[0]!.operation).toMatch(/AuditMe/);
      expect(Date.parse(rows[0]!.at)).not.toBeNaN();
      expect(() => db.prepare('delete from audit_log where actor = ?').run(actor)).toThrow(/append-only/);
      expect(() => db.prepare('update audit_log set reason = ? where actor = ?').run('x', actor)).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});

describe('subgraphs called directly', () => {
  const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { account { profile { nodes { name } } } } } }';
  const reps = (id: string) => ({ r: [{ __typename: 'Person', id }] });

  it('refuse a call without the gateway credential — _entities and _service too', async () => {
    for (const [name, u] of Object.entries(subgraphs)) {
      for (const query of ['{ _service { sdl } }', entities]) {
        const res = await gql(u, query, reps('10000001'));
        expect(res.status, name).toBe(401);
        expect(res.errors?.[0]?.extensions?.code, name).toBe('UNAUTHENTICATED');
        expect(res.data ?? null).toBeNull();
      }
    }
  });

  it('refuse a credential signed with another secret', async () => {
    const forged = await signCredential({ actor: '10000001', actorType: 'subject', person: '10000001', scopes: [], requestId: 'r' }, 'y'.repeat(48));
    const res = await gql(subgraphs.account!, entities, reps('10000001'), { [CREDENTIAL_HEADER]: forged });
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('never return another person’s rows through _entities, even with a valid credential', async () => {
    const { loadConfig } = await import('@footprint/kit');
    const cred = await signCredential({ actor: '10000001', actorType: 'subject', person: '10000001', scopes: [], requestId: 'r' }, loadConfig({ ...process.env, NODE_ENV: 'test' }).internalSecret);
    for (const [name, u] of Object.entries(subgraphs)) {
      const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${name} { discovery { kinds { kind count } } } } } }`;
      const res = await gql(u, query, { r: [{ __typename: 'Person', id: '10000002' }] }, { [CREDENTIAL_HEADER]: cred });
      expect(res.errors?.[0]?.extensions?.code, name).toBe('FORBIDDEN');
      const list = (res.data as { _entities: unknown[] } | null)?._entities ?? [];
      expect(list[0] ?? null, name).toBeNull();
    }
  });
});
