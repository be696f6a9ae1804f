import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_PERSON, HEAVY_PERSON, REPO_ROOT } from '@footprint/kit';
import { firstPageOperation, kindOwners, nextPageOperation, planFootprint, schemaFromSupergraph } from '@footprint/gateway/footprint';
import { bearer, operatorToken, subjectToken } from './support/client.js';
import { startGateway, type Proc } from './support/exports.js';

/**
 * The gateway's fast path (gateway/src/fastpath/) answers plain person reads
 * without @apollo/gateway's execution and forwards each domain's answer as
 * the JSON it arrived in. Two gateways over the same subgraphs, one with the
 * fast path and one without (FOOTPRINT_GATEWAY_FAST_PATH=off), must answer
 * every request byte for byte alike — status, content type and body — and the
 * fast one must have taken the fast path where it should (its /health counts).
 */
const subgraphUrls = inject('subgraphUrls');
const schema = schemaFromSupergraph(readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8'));
const full = planFootprint(schema);
/** The gateway's own kinds (corrections, privacy requests, server pushes, portability grants: no domain owns them) are answered by Apollo; the rest are the domains'. */
const owners = kindOwners(schema, full);
const domainsOnly = { ...full, kinds: full.kinds.filter((k) => owners.has(`${k.domain}.${k.field}`)) };

let dir: string;
let fast: Proc;
let apollo: Proc;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'footprint-fast-path-'));
  [fast, apollo] = await Promise.all([startGateway(dir, subgraphUrls), startGateway(dir, subgraphUrls, { FOOTPRINT_GATEWAY_FAST_PATH: 'off' })]);
}, 120_000);

afterAll(async () => {
  await Promise.all([fast?.kill(), apollo?.kill()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Counts {
  fast: number;
  apollo: number;
  handedOver: number;
}
const counts = async (p: Proc): Promise<Counts | null> => ((await (await fetch(`http://127.0.0.1:${p.port}/health`)).json()) as { fastPath: Counts | null }).fastPath;

async function post(p: Proc, headers: Record<string, string>, body: unknown) {
  const res = await fetch(p.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), chunked: res.headers.get('transfer-encoding') === 'chunked', body: await res.text() };
}

/**
 * Sends one request to both gateways, twice (the fast path learns an operation's plan when Apollo first plans it);
 * returns the fast one's answer once all are identical, and which way the second went.
 */
async function both(headers: Record<string, string>, body: unknown) {
  await once(headers, body);
  return once(headers, body);
}

async function once(headers: Record<string, string>, body: unknown) {
  const before = await counts(fast);
  const [a, b] = await Promise.all([post(fast, headers, body), post(apollo, headers, body)]);
  expect(a.status).toBe(b.status);
  expect(a.type).toBe(b.type);
  expect(a.body.length).toBe(b.body.length);
  expect(a.body === b.body, 'the fast path answered differently').toBe(true);
  // A whole answer says its length; one with a domain's value forwarded as it arrived is chunked (and complete: parsed above).
  if (a.length === null) expect(a.chunked).toBe(true);
  else expect(Number(a.length)).toBe(Buffer.byteLength(a.body));
  const after = await counts(fast);
  return { answer: a, fast: after!.fast - before!.fast, apollo: after!.apollo - before!.apollo, handedOver: after!.handedOver - before!.handedOver };
}

describe('the gateway fast path', () => {
  it('is off when configured so', async () => {
    expect(await counts(apollo)).toBeNull();
  });

  it('answers the first page of every domain kind and each next page exactly as Apollo does', async () => {
    const h = bearer(await subjectToken(DEMO_PERSON));
    const first = await both(h, { query: firstPageOperation(domainsOnly), variables: { id: DEMO_PERSON, first: 3 } });
    expect(first.fast).toBe(1);
    const data = JSON.parse(first.answer.body) as { data: { person: Record<string, Record<string, { pageInfo: { hasNextPage: boolean; endCursor: string | null } }>> } };
    let paged = 0;
    for (const k of domainsOnly.kinds) {
      const page = data.data.person[k.domain]?.[k.field];
      if (!page?.pageInfo.hasNextPage) continue;
      const next = await both(h, { query: nextPageOperation(k), variables: { id: DEMO_PERSON, first: 2, after: page.pageInfo.endCursor } });
      expect(next.fast, `${k.domain}.${k.field}`).toBe(1);
      // A small answer is read whole (it costs less than a stream), so the response says its length.
      expect(next.answer.length, `${k.domain}.${k.field}`).not.toBeNull();
      paged++;
    }
    expect(paged).toBeGreaterThan(3);
  }, 120_000);

  it('forwards a 5,000-record page of the heavy person unchanged', async () => {
    const h = bearer(await subjectToken(HEAVY_PERSON));
    const cloud = domainsOnly.kinds.find((k) => k.domain === 'cloud' && k.field === 'locations')!;
    const r = await both(h, { query: nextPageOperation(cloud), variables: { id: HEAVY_PERSON, first: 5000, after: null } });
    expect(r.fast).toBe(1);
    // Passed on as it arrived (a few MB): chunked, and whole (it parsed, byte for byte Apollo's answer).
    expect(r.answer.chunked).toBe(true);
    expect((JSON.parse(r.answer.body) as { data: { person: { cloud: { locations: { nodes: unknown[] } } } } }).data.person.cloud.locations.nodes).toHaveLength(5000);
  }, 120_000);

  it('takes aliases, literals, `me`, __typename and an operator with a reason', async () => {
    const h = bearer(await subjectToken(DEMO_PERSON));
    const aliased = await both(h, {
      query: 'query A($who: ID!) { p: person(id: $who) { __typename key: id c: cloud { l: locations(first: 2) { totalCount nodes { id meta { kind region } } } } account { profile { nodes { id } } } } }',
      variables: { who: DEMO_PERSON },
    });
    expect(aliased.fast).toBe(1);
    expect(aliased.answer.body).toContain('"key":"10000001"');
    expect((await both(h, { query: `{ person(id: "${DEMO_PERSON}") { music { __typename } } }` })).fast).toBe(1);
    expect((await both(h, { query: '{ me { id messaging { messages(first: 2) { nodes { id } } } } }' })).fast).toBe(1);
    const op = bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'fast-path test: ticket 1' });
    expect((await both(op, { query: 'query($id: ID!) { person(id: $id) { orders { orders(first: 2) { nodes { id } } } } }', variables: { id: DEMO_PERSON } })).fast).toBe(1);
  }, 120_000);

  it('leaves to Apollo what is not a plain person read, with the same answer', async () => {
    const h = bearer(await subjectToken(DEMO_PERSON));
    const apolloAnswers = [
      // A fragment, a directive, the gateway's own fields, two root fields, another person, a bad variable, a missing one.
      { query: 'query($id: ID!) { person(id: $id) { ...P } } fragment P on Person { cloud { locations(first: 1) { totalCount } } }', variables: { id: DEMO_PERSON } },
      { query: 'query($id: ID!, $x: Boolean!) { person(id: $id) { cloud @include(if: $x) { locations(first: 1) { totalCount } } } }', variables: { id: DEMO_PERSON, x: true } },
      { query: 'query($id: ID!) { person(id: $id) { id discovery { domains { domain } } } }', variables: { id: DEMO_PERSON } },
      { query: 'query($id: ID!) { person(id: $id) { cloud { locations(first: 1) { totalCount } } } me { id } }', variables: { id: DEMO_PERSON } },
      { query: 'query($id: ID!) { person(id: $id) { cloud { locations(first: 1) { totalCount } } } }', variables: { id: '10000002' } },
      { query: 'query($id: ID!, $n: Int) { person(id: $id) { cloud { locations(first: $n) { totalCount } } } }', variables: { id: DEMO_PERSON, n: 'three' } },
      { query: 'query($id: ID!) { person(id: $id) { cloud { locations(first: 1) { totalCount } } } }', variables: {} },
    ];
    for (const body of apolloAnswers) {
      const r = await both(h, body);
      expect(r.fast, body.query).toBe(0);
    }
  }, 120_000);

  it('answers the first request of an operation it has not seen too: Apollo only plans it', async () => {
    const h = bearer(await subjectToken(DEMO_PERSON));
    const fresh = `Fresh${Date.now()}`;
    const first = await once(h, { query: `query ${fresh}($id: ID!) { person(id: $id) { cloud { locations(first: 2) { nodes { id } } } } }`, variables: { id: DEMO_PERSON } });
    expect(first).toMatchObject({ fast: 1, apollo: 0, handedOver: 0 });
    // Not a plain person read: executed by Apollo on its first request, once.
    const own = await once(h, { query: `query ${fresh}Own($id: ID!) { person(id: $id) { id discovery { domains { domain } } } }`, variables: { id: DEMO_PERSON } });
    expect(own).toMatchObject({ fast: 0, apollo: 1 });
    // Planned, then a domain's error: handed to Apollo, which answers it from the outcome (the same answer as without the fast path).
    const failed = await once(h, { query: `query ${fresh}Big($id: ID!) { person(id: $id) { cloud { locations(first: 100000) { totalCount } } } }`, variables: { id: DEMO_PERSON } });
    expect(failed.answer.body).toContain('"errors"');
    expect(failed).toMatchObject({ fast: 0, apollo: 1, handedOver: 1 });
  }, 60_000);

  it('hands a domain error to Apollo without calling the domain again', async () => {
    const h = bearer(await subjectToken(DEMO_PERSON));
    // A page size over the domain's limit: the domain answers an error, which Apollo reports as it always does.
    const r = await both(h, { query: 'query($id: ID!) { person(id: $id) { cloud { locations(first: 100000) { totalCount } } } }', variables: { id: DEMO_PERSON } });
    expect(r.answer.body).toContain('"errors"');
    expect(r.fast).toBe(0);
    expect(r.handedOver).toBe(1);
  }, 60_000);
});

/**
 * A domain page is forwarded as it arrives. The domain here is the real cloud
 * subgraph behind a proxy that, when told to, passes on the first half of an
 * answer and then drops the connection: the client's response must be cut off
 * too (never a complete-looking body), and the gateway must go on answering.
 */
describe('the fast path streaming a domain page', () => {
  let cutting = false;
  let cuts = 0;
  const proxy = createServer((req, res) => {
    const target = new URL(req.url ?? '/', subgraphUrls.cloud);
    const out = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!cutting || req.url !== '/graphql') return void answer.pipe(res);
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        cuts++;
        res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      });
    });
    req.pipe(out);
  });
  let gw: Proc;
  let gwDir: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    gwDir = mkdtempSync(join(tmpdir(), 'footprint-fast-stream-'));
    gw = await startGateway(gwDir, { ...subgraphUrls, cloud: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql` });
  }, 120_000);

  afterAll(async () => {
    await gw?.kill();
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    rmSync(gwDir, { recursive: true, force: true });
  });

  it('cuts the response off when the domain drops mid-answer, and answers the next request whole', async () => {
    const h = bearer(await subjectToken(HEAVY_PERSON));
    const body = JSON.stringify({ query: 'query($id: ID!, $first: Int) { person(id: $id) { cloud { locations(first: $first) { totalCount nodes { id latitude longitude at } } } } }', variables: { id: HEAVY_PERSON, first: 2000 } });
    const ask = () => fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body });
    // The first answer teaches the fast path the operation's plan (Apollo answers it); the second is streamed.
    const learnt = JSON.parse(await (await ask()).text()) as { data: { person: { cloud: { locations: { nodes: unknown[] } } } } };
    expect(learnt.data.person.cloud.locations.nodes).toHaveLength(2000);
    const before = await counts(gw);
    cutting = true;
    try {
      const res = await ask();
      expect(res.status).toBe(200);
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      await expect(res.text()).rejects.toThrow();
    } finally {
      cutting = false;
    }
    expect(cuts).toBe(1);
    expect((await counts(gw))!.fast).toBe(before!.fast + 1);
    const again = JSON.parse(await (await ask()).text()) as { data: { person: { cloud: { locations: { nodes: unknown[] } } } } };
    expect(again.data.person.cloud.locations.nodes).toHaveLength(2000);
  }, 60_000);
});
