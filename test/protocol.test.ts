import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { serverAudits } from 'graphql-http';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '@footprint/kit';
import { bearer, operatorToken, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');
const dataDir = inject('dataDir');

/**
 * GraphQL over HTTP audits we do not pass, with why. Every MUST and SHOULD
 * passes today, so nothing is waived; a MAY that is not implemented is only a
 * notice (GET with form-encoded or JSON-in-URL variables: the gateway answers
 * GET for queries, but clients here POST).
 */
const WAIVED: Record<string, string> = {};

describe('the GraphQL-over-HTTP conformance audits of graphql-http, against the real gateway with a person token', () => {
  let personToken: string;
  beforeAll(async () => {
    personToken = await subjectToken('10000001');
  });
  // The audits' requests carry the person's bearer token, as any real client's do.
  const fetchFn = (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${personToken}`);
    return fetch(input, { ...init, headers });
  };
  for (const audit of serverAudits({ url, fetchFn })) {
    it(audit.name, async () => {
      const result = await audit.fn();
      if (result.status === 'ok' || audit.name.startsWith('MAY')) return;
      if (WAIVED[audit.id]) return;
      expect.fail(`${result.status}: ${audit.name} (${audit.id}) — ${result.reason}: ${await result.response.text()}`);
    });
  }
});

interface Answer {
  status: number;
  contentType: string | null;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] };
}

async function post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), body: JSON.parse(text) as Answer['body'] };
}

const asPerson = async (extra: Record<string, string> = {}) => bearer(await subjectToken('10000001'), extra);
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };

describe('documents that do not parse are client errors, never 5xx', () => {
  const cases: [string, () => string | Uint8Array, string, RegExp][] = [
    ['an unfinished document', () => '{"query":"{"}', 'GRAPHQL_PARSE_FAILED', /Syntax Error: Expected Name, found <EOF>/],
    ['a NUL byte in the query', () => JSON.stringify({ query: '{ me { id } }\u0000' }), 'GRAPHQL_PARSE_FAILED', /Unexpected character: U\+0000/],
    ['a query over the token limit', () => JSON.stringify({ query: `{ me { ${'id '.repeat(16_000)} } }` }), 'LIMIT_EXCEEDED', /Token limit of 15000 exceeded/],
  ];
  for (const [what, body, code, message] of cases) {
    it(`${what}: 200 with ${code} in application/json, 400 in application/graphql-response+json`, async () => {
      const legacy = await post(body(), await asPerson());
      expect(legacy.status).toBe(200);
      expect(legacy.contentType).toMatch(/^application\/json/);
      expect(legacy.body.data).toBeUndefined();
      expect(legacy.body.errors).toHaveLength(1);
      expect(legacy.body.errors![0]!.extensions?.code).toBe(code);
      expect(legacy.body.errors![0]!.message).toMatch(message);
      const modern = await post(body(), await asPerson(GRAPHQL_RESPONSE));
      expect(modern.status).toBe(400);
      expect(modern.contentType).toMatch(/^application\/graphql-response\+json/);
      expect(modern.body.errors![0]!.extensions?.code).toBe(code);
    });
  }

  it('a body that is not UTF-8 is a 400 that says so', async () => {
    const bad = Buffer.concat([Buffer.from('{"query":"{ me { id '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' } }"}')]);
    const res = await post(bad, await asPerson());
    expect(res).toMatchObject({ status: 400, body: { errors: [{ message: 'Request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } }] } });
  });

  it('a body that is not JSON is a 400 BAD_REQUEST', async () => {
    const res = await post('{"query": ', await asPerson());
    expect(res).toMatchObject({ status: 400, body: { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] } });
  });
});

describe('choosing the operation', () => {
  it('an unknown operationName names the operations there are', async () => {
    const res = await post(JSON.stringify({ query: 'query Mine { me { id } } query Other { me { id } }', operationName: 'Missing' }), await asPerson(GRAPHQL_RESPONSE));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        message: 'Unknown operation named "Missing": the document defines "Mine", "Other"; send one of those names as operationName',
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE', operationName: 'Missing' },
      },
    ]);
  });

  it('several operations and none chosen says to send operationName', async () => {
    const res = await post(JSON.stringify({ query: 'query Mine { me { id } } query Other { me { id } }' }), await asPerson());
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      { message: 'The document defines 2 operations ("Mine", "Other"): send operationName to say which one to run', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } },
    ]);
  });

  it('the chosen one of several runs', async () => {
    const res = await post(JSON.stringify({ query: 'query Mine { me { id } } query Other { me { __typename } }', operationName: 'Mine' }), await asPerson());
    expect(res.body).toEqual({ data: { me: { id: '10000001' } } });
  });

  it('an operationName too long to audit is refused', async () => {
    const name = `Q${'x'.repeat(200)}`;
    const res = await post(JSON.stringify({ query: `query ${name} { me { id } }`, operationName: name }), await asPerson());
    expect(res.body.errors?.[0]).toMatchObject({ message: 'operationName is 201 characters long; at most 128 are accepted', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('the alias limit counts every alias', () => {
  it('__typename aliases included', async () => {
    const query = `{ me { ${Array.from({ length: 500 }, (_, i) => `t${i}: __typename`).join(' ')} } }`;
    const res = await post(JSON.stringify({ query }), await asPerson());
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Aliases limit of 15 exceeded, found 500/), extensions: { code: 'LIMIT_EXCEEDED' } });
  });
  it('plain __typename is not an alias', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename me { __typename id } }' }), await asPerson());
    expect(res.body).toEqual({ data: { __typename: 'Query', me: { __typename: 'Person', id: '10000001' } } });
  });
});

describe('person ids and audited strings are checked at the edge, before anything is audited', () => {
  const auditRows = (actor: string) => {
    const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      return db.prepare('select * from audit_log where actor = ?').all(actor) as Record<string, string>[];
    } finally {
      db.close();
    }
  };
  const ids: [string, string, RegExp][] = [
    ['a megabyte', '9'.repeat(1024 * 1024), /^"9{40}… \(1048576 characters\)" is not a person id: a person id is an account ID of 6 to 20 digits/],
    ['SQL', "1' OR '1'='1", /^"1' OR '1'='1" is not a person id/],
    ['letters', 'alice', /^"alice" is not a person id/],
    ['too short', '123', /^"123" is not a person id/],
  ];
  for (const [what, id, message] of ids) {
    it(`refuses ${what} as person(id:) for an operator, with nothing audited`, async () => {
      const actor = `ops-${Math.random().toString(36).slice(2, 10)}`;
      const headers = bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': 'DSAR ticket 4711' });
      const res = await post(JSON.stringify({ query: 'query($id: ID!) { person(id: $id) { discovery { domains { domain } } } }', variables: { id } }), headers);
      expect(res.status).toBe(200);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.message).toMatch(message);
      expect(res.body.errors![0]!.message.length).toBeLessThan(200);
      expect(auditRows(actor)).toEqual([]);
    });
  }

  it('a well-formed id is audited as before', async () => {
    const actor = `ops-${Math.random().toString(36).slice(2, 10)}`;
    const headers = bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': 'DSAR ticket 4711' });
    const res = await post(JSON.stringify({ query: '{ person(id: "10000002") { id } }' }), headers);
    expect(res.body).toEqual({ data: { person: { id: '10000002' } } });
    expect(auditRows(actor)).toMatchObject([{ person: '10000002', reason: 'DSAR ticket 4711', outcome: 'allowed' }]);
  });

  it('a person id argument of a mutation is checked the same way', async () => {
    const headers = bearer(await operatorToken(['footprint:export']), { 'x-footprint-reason': 'DSAR ticket 4711' });
    const res = await post(JSON.stringify({ query: 'mutation { requestExport(personId: "DROP TABLE") { id } }' }), headers);
    expect(res.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^"DROP TABLE" is not a person id/), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses a reason longer than 500 characters, naming the limit; the refusal is audited without the reason', async () => {
    const actor = `ops-${Math.random().toString(36).slice(2, 10)}`;
    const headers = bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': 'r'.repeat(501) });
    const res = await post(JSON.stringify({ query: '{ person(id: "10000002") { id } }' }), { ...headers, ...GRAPHQL_RESPONSE });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { message: 'X-Footprint-Reason is 501 characters long; at most 500 are accepted (a ticket reference and a short sentence)', extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    expect(auditRows(actor)).toMatchObject([{ person: '10000002', reason: null, outcome: 'refused: X-Footprint-Reason is 501 characters long; at most 500 are accepted (a ticket reference and a short sentence)' }]);
  });

  it('refuses an operator token whose sub is longer than 256 characters', async () => {
    const headers = bearer(await operatorToken(['footprint:read'], 'o'.repeat(257)), { 'x-footprint-reason': 'DSAR ticket 4711' });
    const res = await post(JSON.stringify({ query: '{ person(id: "10000002") { id } }' }), headers);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses headers over the limit with 431 and a JSON body that says so', async () => {
    const answer = await new Promise<{ status: number; body: string; type: string | undefined }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-footprint-reason': 'r'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
      });
      req.on('error', reject);
      req.end('{"query":"{ __typename }"}');
    });
    expect(answer.status).toBe(431);
    expect(answer.type).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: 'Request headers exceed the limit of 16384 bytes', extensions: { code: 'HEADERS_TOO_LARGE' } }] });
  });
});

describe('bearer tokens must expire, within the configured lifetime', () => {
  const secret = new TextEncoder().encode(loadConfig({ ...process.env, NODE_ENV: 'test' }).jwtSecret!);
  const ask = async (token: string) => post(JSON.stringify({ query: '{ me { id } }' }), bearer(token));

  it('a correctly signed token without exp is refused', async () => {
    const res = await ask(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('10000001').setIssuedAt().sign(secret));
    expect(res.status).toBe(401);
    expect(res.body.errors).toEqual([{ message: 'The bearer token has no "exp" claim: a token must say when it expires', extensions: { code: 'UNAUTHENTICATED' } }]);
  });
  it('a token valid for longer than FOOTPRINT_JWT_MAX_TTL_SECONDS (24 h by default) is refused', async () => {
    const res = await ask(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('10000001').setIssuedAt().setExpirationTime('48h').sign(secret));
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.message).toMatch(/^The bearer token is valid for 17280\d s; this gateway accepts tokens valid for at most 86400 s/);
  });
  it('a token that is not valid yet (nbf) is refused', async () => {
    const res = await ask(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('10000001').setNotBefore('10m').setExpirationTime('1h').sign(secret));
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.message).toBe('The bearer token is not valid yet (nbf)');
  });
  it('a token within the limits passes', async () => {
    const res = await ask(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('10000001').setIssuedAt().setNotBefore('0s').setExpirationTime('23h').sign(secret));
    expect(res.body).toEqual({ data: { me: { id: '10000001' } } });
  });
});
