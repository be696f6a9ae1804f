import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@footprint/kit/logger.js';
import { CircuitOpenError, DomainCircuits, describeFailure } from '../src/circuit.js';
import { postToDomain } from '../src/domains/transport.js';

/** A real HTTP server whose paths answer as a domain might: whole, never, half an answer then silence, a drop. */
let server: Server;
let base: string;
const received: { headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (req.url === '/whole') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { echo: body } }));
      } else if (req.url === '/half') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":{"x":"');
      } else if (req.url === '/drop') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"data":');
        setTimeout(() => res.socket?.destroy(), 20);
      } else if (req.url === '/unavailable') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('down');
      }
      // '/never': no answer at all.
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('the domain transport (undici request)', () => {
  it('POSTs the body and headers, and gives the status, headers and body', async () => {
    const res = await postToDomain(`${base}/whole`, { headers: { 'content-type': 'application/json', 'x-footprint-credential': 'c' }, body: '{"q":1}', timeoutMs: 5000 });
    expect(res.status).toBe(200);
    expect(res.header('Content-Type')).toBe('application/json');
    expect(res.header('x-missing')).toBeNull();
    expect(await res.json()).toEqual({ data: { echo: '{"q":1}' } });
    expect(received.at(-1)?.headers['x-footprint-credential']).toBe('c');
    const unavailable = await postToDomain(`${base}/unavailable`, { headers: {}, body: '', timeoutMs: 5000 });
    expect(unavailable.status).toBe(503);
    expect(await unavailable.text()).toBe('down');
  });

  it('the timeout covers the whole call: no headers, or a body that stops, fails as a timeout', async () => {
    const never = postToDomain(`${base}/never`, { headers: {}, body: '', timeoutMs: 150 });
    await expect(never).rejects.toMatchObject({ name: 'TimeoutError' });
    await never.catch((err: unknown) => expect(describeFailure(err, 150)).toBe('did not answer within 150 ms'));
    const half = await postToDomain(`${base}/half`, { headers: {}, body: '', timeoutMs: 150 });
    expect(half.status).toBe(200);
    await expect(half.bytes()).rejects.toMatchObject({ name: 'TimeoutError' });
    // Streamed, the body errors with the same timeout.
    const streamed = await postToDomain(`${base}/half`, { headers: {}, body: '', timeoutMs: 150 });
    await expect(
      (async () => {
        for await (const _ of streamed.body);
      })(),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('a dropped connection fails the body; an abort signal stops the call with its reason; a closed port is named', async () => {
    const dropped = await postToDomain(`${base}/drop`, { headers: {}, body: '', timeoutMs: 5000 });
    await expect(dropped.bytes()).rejects.toThrow();
    const ac = new AbortController();
    const call = postToDomain(`${base}/never`, { headers: {}, body: '', timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('export cancelled')), 50);
    await expect(call).rejects.toThrow('export cancelled');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await postToDomain(`http://127.0.0.1:${port}/graphql`, { headers: {}, body: '', timeoutMs: 5000 }).catch((err: unknown) => err);
    expect(describeFailure(refused, 5000)).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe("a domain's circuit over this transport", () => {
  const circuits = () => new DomainCircuits({ d: `${base}/graphql` }, { failureThreshold: 2, openMs: 60_000, maxOpenMs: 60_000, probeTimeoutMs: 500 }, createLogger('test', 'silent'));

  it('counts an answer that breaks off mid-way as a failure, though its headers came: two in a row open it', async () => {
    const c = circuits();
    const post = c.request('d', 5000);
    for (let i = 0; i < 2; i++) {
      const res = await post(`${base}/drop`, { body: '' });
      expect(res.status).toBe(200);
      await expect(res.bytes()).rejects.toThrow();
    }
    expect(c.status().d).toMatchObject({ state: 'open', failures: 2 });
    expect(c.status().d?.lastError).toMatch(/^broke off its answer/);
    await expect(post(`${base}/whole`, { body: '' })).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('a whole answer resets the count; a caller that lets the answer go, or aborts it, counts nothing', async () => {
    const c = circuits();
    const post = c.request('d', 5000);
    await expect((await post(`${base}/drop`, { body: '' })).bytes()).rejects.toThrow();
    expect(c.status().d?.failures).toBe(1);
    await (await post(`${base}/whole`, { body: '' })).bytes();
    expect(c.status().d).toMatchObject({ state: 'closed', failures: 0 });
    for (let i = 0; i < 3; i++) (await post(`${base}/half`, { body: '' })).cancel();
    const ac = new AbortController();
    const aborted = await post(`${base}/half`, { body: '', signal: ac.signal });
    ac.abort(new Error('export cancelled'));
    await expect(aborted.bytes()).rejects.toThrow('export cancelled');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.status().d).toMatchObject({ state: 'closed', failures: 0 });
  });

  it("as Apollo's fetch: the Response reads the answer as it arrives, and one that breaks off or times out fails its read", async () => {
    const c = circuits();
    const fetcher = c.fetcher('d', 150);
    const whole = await fetcher(`${base}/whole`, { method: 'POST', body: '{"q":2}' });
    expect(whole.headers.get('content-type')).toBe('application/json');
    expect(await whole.json()).toEqual({ data: { echo: '{"q":2}' } });
    await expect((await fetcher(`${base}/drop`, { method: 'POST', body: '' })).json()).rejects.toThrow();
    const timedOut = await (await fetcher(`${base}/half`, { method: 'POST', body: '' })).text().catch((err: unknown) => err);
    expect(describeFailure(timedOut, 150)).toBe('did not answer within 150 ms');
    expect(c.status().d).toMatchObject({ state: 'open', failures: 2 });
  });
});
