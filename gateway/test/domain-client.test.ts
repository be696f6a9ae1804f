import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, loadConfig, signCredential, verifyCredential, type InternalCredential } from '@footprint/kit';
import { startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph as accountSubgraph } from '@footprint/subgraph-account';
import { seed as seedAccount } from '@footprint/subgraph-account/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainCircuits } from '../src/circuit.js';
import { DomainClient, requestCredential } from '../src/domains/client.js';
import { CredentialSigner } from '../src/domains/credentials.js';
import type { GatewayContext } from '../src/context.js';

/** The one client every gateway call to a domain goes through: credential per request, one error table. */

const secret = 'a-test-internal-secret-of-at-least-32-chars';
const cred = (over: Partial<InternalCredential> = {}): InternalCredential => ({ actor: '10000001', actorType: 'subject', person: '10000001', scopes: [], requestId: 'r-1', ...over });

describe('the credential signer', () => {
  it('signs once per request and claim set, and re-signs one that nears its expiry', async () => {
    let clock = Date.now();
    let signed = 0;
    const signer = new CredentialSigner(secret, 60, () => clock, (c, s, ttl) => {
      signed += 1;
      return signCredential(c, s, ttl);
    });
    const request = {};
    const first = await signer.sign(cred(), request);
    expect(await signer.sign(cred(), request)).toBe(first);
    expect(signed).toBe(1);
    expect(await verifyCredential(first, secret)).toEqual(cred());
    // Another person or another request: another credential.
    await signer.sign(cred({ person: '10000002' }), request);
    await signer.sign(cred(), {});
    expect(signed).toBe(3);
    // 50 s later the 60 s credential is too close to its expiry to send: signed again, then reused.
    clock += 50_000;
    await signer.sign(cred(), request);
    await signer.sign(cred(), request);
    expect(signed).toBe(4);
    // Without a request to cache on, every call signs.
    await signer.sign(cred());
    await signer.sign(cred());
    expect(signed).toBe(6);
  });
});

describe('the domain client', () => {
  // A real domain over HTTP (in process, its own SQLite store): it verifies the credential the client signs.
  let account: TestSubgraph<unknown>;
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  let fake: Server;
  let fakeUrl = '';
  /** What the fake domain answers, by the query's first word. */
  const answers: Record<string, { status: number; type: string; body: string }> = {
    html: { status: 500, type: 'text/html', body: '<h1>oops</h1>' },
    internal: { status: 200, type: 'application/json', body: JSON.stringify({ errors: [{ message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }) },
    refused: { status: 200, type: 'application/json', body: JSON.stringify({ data: null, errors: [{ message: 'Bad value', extensions: { code: 'BAD_USER_INPUT', field: 'value', http: { status: 400 } } }] }) },
  };

  beforeAll(async () => {
    account = await startTestSubgraph(accountSubgraph.createServer, seedAccount);
    fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const q = (JSON.parse(body) as { query: string }).query.split(' ')[0]!;
        const a = answers[q]!;
        res.writeHead(a.status, { 'content-type': a.type }).end(a.body);
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await account.close();
    await new Promise<void>((r) => fake.close(() => r()));
  });

  const client = () => {
    const urls = { account: account.url, fake: '', dead: 'http://127.0.0.1:1/graphql' };
    urls.fake = fakeUrl;
    const circuits = new DomainCircuits(urls, { failureThreshold: 100, openMs: 1000, maxOpenMs: 1000, probeTimeoutMs: 500 }, createLogger('test', 'silent'));
    return new DomainClient({ urls, internalSecret: config.internalSecret, timeoutMs: 2000, circuits });
  };

  it('calls a real domain with the request credential, which the domain verifies', async () => {
    const ctx: GatewayContext = { requestId: 'dc-1', principal: { kind: 'subject', sub: '10000001' }, person: '10000001', log: createLogger('test', 'silent'), exchange: {} };
    const res = await client().callDomain<{ _entities: { account: { discovery: { domain: string } } }[] }>(
      'account',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { account { discovery { domain } } } } }',
      { r: [{ __typename: 'Person', id: '10000001' }] },
      requestCredential(ctx),
    );
    expect(res.errors).toEqual([]);
    expect(res.data?._entities[0]?.account.discovery.domain).toBe('account');
  });

  it('maps every failure to one GraphQL error naming the domain', async () => {
    const c = client();
    const one = async (domain: string, query: string) => (await c.callDomain(domain, query, {}, { credential: cred() })).errors;
    const [dead] = await one('dead', 'x');
    expect(dead?.message).toMatch(/^The dead domain is unavailable: it could not be reached/);
    expect(dead?.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'dead' });
    expect((await one('nowhere', 'x'))[0]?.message).toBe('The nowhere domain is unavailable: it has no configured URL');
    expect((await one('fake', 'html'))[0]?.message).toBe('The fake domain is unavailable: it answered HTTP 500 without JSON');
    expect((await one('fake', 'internal'))[0]?.message).toBe('The fake domain is unavailable: it failed to answer');
    const [refused] = await one('fake', 'refused');
    // A domain's own refusal keeps its code and details, names the domain, and carries no HTTP status.
    expect(refused?.message).toBe('Bad value');
    expect(refused?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'value', domain: 'fake' });
    await expect(c.request('fake', 'refused', {}, { credential: cred() })).rejects.toThrow('Bad value');
  });
});
