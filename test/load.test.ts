import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSubgraphs } from '@footprint/schema';
import { listen } from '@footprint/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjectToken } from './support/client.js';
import { startGateway, type Proc } from './support/exports.js';

/**
 * The gateway under load, over real HTTP: a gateway process of its own with
 * small limits, in front of stand-in domains (plain HTTP servers) that answer
 * a small read at once and hold a heavy one (music playbacks) until told — so
 * the test sees, at the domain's side, which calls are in flight and when the
 * gateway lets them go.
 */

const dir = mkdtempSync(join(tmpdir(), 'footprint-load-'));

/** One call the stand-in holds: its request, and whether its connection has closed. */
interface Held {
  req: IncomingMessage;
  closed: Promise<void>;
  answer(): void;
}

const held: Held[] = [];
const arrived: ((h: Held) => void)[] = [];
let domain: Server;
let gw: Proc;
let url: string;
let port: number;

const SMALL = '{ me { account { profile(first: 1) { totalCount } } } }';
const HEAVY = '{ me { music { playbacks(first: 5000) { totalCount } } } }';
/** 2 × 5,000 records: more than one caller may hold (6,000), whatever is in flight. */
const TOO_BIG = '{ me { music { a: playbacks(first: 5000) { totalCount } b: searchQueries(first: 5000) { totalCount } } } }';
const MUSIC_ANSWER = JSON.stringify({ data: { _entities: [{ music: { playbacks: { totalCount: 0 } } }] } });
const ACCOUNT_ANSWER = JSON.stringify({ data: { _entities: [{ account: { profile: { totalCount: 0 } } }] } });

async function post(query: string, sub: string, signal?: AbortSignal) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await subjectToken(sub)}` }, body: JSON.stringify({ query }), signal });
  const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}

/** The next heavy call to reach the stand-in domain. */
const nextHeld = () => new Promise<Held>((resolve) => arrived.push(resolve));

/** What the gateway says over a raw socket in answer to `send` (written in parts, with pauses between them). */
function raw(parts: string[], pauseMs: number): Promise<{ text: string; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (text += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, ended: true }));
    socket.on('connect', async () => {
      for (const p of parts) {
        if (socket.destroyed) return;
        socket.write(p);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    // A socket still open after this long was held, not answered and closed.
    setTimeout(() => {
      socket.destroy();
      resolve({ text, ended: false });
    }, 8000).unref();
  });
}

beforeAll(async () => {
  domain = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!body.includes('playbacks')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(ACCOUNT_ANSWER);
      }
      const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
      const h: Held = {
        req,
        closed,
        answer: () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(MUSIC_ANSWER);
        },
      };
      held.push(h);
      arrived.shift()?.(h);
    });
  });
  const domainPort = await listen(domain, 0);
  const urls = Object.fromEntries(listSubgraphs().map((s) => [s.name, `http://127.0.0.1:${domainPort}/graphql`]));
  gw = await startGateway(dir, urls, {
    // Long enough that a call the gateway did not abort would still be open when the test looks.
    FOOTPRINT_SUBGRAPH_TIMEOUT_MS: '60000',
    // Room for two heavy reads (5,000 records each) and small ones; one caller holds at most one heavy read.
    FOOTPRINT_ADMISSION_RECORDS: '10500',
    FOOTPRINT_ADMISSION_PRINCIPAL_RECORDS: '6000',
    FOOTPRINT_ADMISSION_RETRY_AFTER_S: '3',
    FOOTPRINT_HEADERS_TIMEOUT_MS: '500',
    FOOTPRINT_REQUEST_TIMEOUT_MS: '1000',
    FOOTPRINT_MAX_BODY_BYTES: '1024',
    FOOTPRINT_MAX_CONNECTIONS: '40',
  });
  port = gw.port;
  url = gw.url;
});

afterAll(async () => {
  for (const h of held) h.req.socket.destroy();
  await gw?.kill('SIGTERM');
  domain?.closeAllConnections();
  await new Promise((r) => domain?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const admission = async () => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { admission: { records: number } }).admission;

describe('admission: work in flight is bounded by the records it may assemble', () => {
  it('refuses at once, with Retry-After and a code saying why, once a caller or the gateway is full; a small read still passes', async () => {
    const first = nextHeld();
    const a = post(HEAVY, '10000001');
    const heldA = await first;
    const second = nextHeld();
    const b = post(HEAVY, '10000002');
    const heldB = await second;
    expect((await admission()).records).toBe(10000);

    // The same person again: their share is taken (429), whatever room the gateway has.
    const mine = await post(HEAVY, '10000001');
    expect(mine.status).toBe(429);
    expect(mine.retryAfter).toBe('3');
    expect(mine.body.errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', reason: 'PRINCIPAL_BUDGET', estimate: 5000 });
    expect(mine.body.errors?.[0]?.message).toMatch(/requestExport/);

    // Someone else's heavy read: the gateway is full (503).
    const full = await post(HEAVY, '10000003');
    expect(full.status).toBe(503);
    expect(full.retryAfter).toBe('3');
    expect(full.body.errors?.[0]?.extensions).toMatchObject({ code: 'OVERLOADED', reason: 'GATEWAY_BUDGET', estimate: 5000 });
    expect(full.body.errors?.[0]?.message).toMatch(/at capacity: requests in flight hold 10000 of the 10500 records .* up to 5000\. Ask again in 3 s; .*pages .*requestExport/);
    // A request bigger than any caller's share is refused as such, with no Retry-After (waiting cannot help).
    const big = await post(TOO_BIG, '10000005');
    expect(big.retryAfter).toBeNull();
    expect(big.body.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', reason: 'REQUEST_TOO_BIG', estimate: 10000, limit: 6000 });
    expect(big.body.errors?.[0]?.message).toMatch(/may assemble up to 10000 records .* at most 6000\. To read that much, read it in pages .*requestExport/);
    // Refused before anything was asked of a domain.
    expect(held).toHaveLength(2);

    // A small read fits beside them and is answered.
    const small = await post(SMALL, '10000003');
    expect(small.status).toBe(200);
    expect(small.body).toEqual({ data: { me: { account: { profile: { totalCount: 0 } } } } });

    // Once the heavy reads are answered, their share is given back.
    heldA.answer();
    heldB.answer();
    expect((await a).body).toEqual({ data: { me: { music: { playbacks: { totalCount: 0 } } } } });
    expect((await b).status).toBe(200);
    expect((await admission()).records).toBe(0);
  });
});

/** The same read with a fragment: not the fast path's (plain fields only), so Apollo's executor and data sources call the domain. */
const HEAVY_VIA_APOLLO = '{ me { music { ... on MusicData { playbacks(first: 5000) { totalCount } } } } }';

describe('a client that goes away', () => {
  it.each([
    ['the fast path', HEAVY],
    ["Apollo's executor", HEAVY_VIA_APOLLO],
  ])('has its domain calls aborted and its share given back (%s)', async (_, query) => {
    const gone = new AbortController();
    const reached = nextHeld();
    const pending = post(query, '10000004', gone.signal).catch((err: unknown) => err);
    const h = await reached;
    expect((await admission()).records).toBe(5000);
    gone.abort();
    expect(await pending).toBeInstanceOf(Error);
    // The gateway closes its call to the domain (it would otherwise wait the 60 s subgraph timeout).
    const closed = await Promise.race([h.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 5000))]);
    expect(closed).toBe('closed');
    await expect.poll(async () => (await admission()).records, { timeout: 5000 }).toBe(0);
  });
});

describe('slow and oversized requests', () => {
  it('answers 408 to headers that do not arrive in time', async () => {
    const r = await raw(['POST /graphql HTTP/1.1\r\nHost: x\r\n'], 10);
    expect(r.ended).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(r.text).toMatch(/connection: close/i);
    expect(JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4))).toMatchObject({ errors: [{ extensions: { code: 'REQUEST_TIMEOUT' } }] });
  });

  it('answers 408 to a body that does not arrive in time', async () => {
    const r = await raw(['POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":'], 10);
    expect(r.ended).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.text).toMatch(/"code":"REQUEST_TIMEOUT"/);
  });

  it('closes connections over the limit as they arrive', async () => {
    // 60 idle connections against a limit of 40: those over it are closed with nothing said; the others get their 408.
    const ends = await Promise.all(Array.from({ length: 60 }, () => raw([''], 10)));
    expect(ends.every((e) => e.ended)).toBe(true);
    const dropped = ends.filter((e) => e.text === '').length;
    expect(dropped).toBeGreaterThanOrEqual(20);
    expect(ends.filter((e) => e.text.startsWith('HTTP/1.1 408 ')).length).toBeGreaterThan(0);
    expect(dropped + ends.filter((e) => e.text.startsWith('HTTP/1.1 408 ')).length).toBe(60);
  });

  it('answers 413 to an oversized body and closes the connection', async () => {
    const declared = await raw([`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n`, 'x'.repeat(4000)], 10);
    expect(declared.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared.text).toMatch(/connection: close/i);
    expect(declared.ended).toBe(true);
    // Chunked, the size known only as it arrives; a second request written on the same connection is not answered.
    const chunk = `${(3000).toString(16)}\r\n${'x'.repeat(3000)}\r\n`;
    const chunked = await raw([`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, chunk, chunk, '0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n'], 10);
    expect(chunked.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(chunked.text).toMatch(/"code":"PAYLOAD_TOO_LARGE"/);
    expect(chunked.text.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(chunked.ended).toBe(true);
  });
});
