import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardDifference } from '../src/transfers/carddav/compare.js';
import { checkServerUrl, guardedFetch, isPublicAddress, MAX_RESPONSE_BYTES, ResponseTooLarge, TargetRefused } from '../src/transfers/carddav/target.js';
import { contactToVCard } from '../src/exports/archive/vcard.js';

/**
 * Where a push may go (transfers/carddav/target.ts) and how a card read back
 * is compared (compare.ts): production refuses clear text and every local or
 * private address — in the URL given and in every URL the server points to —
 * and a card is equal only when its content is, however it is folded.
 */

const PROD = { production: true };
const DEV = { production: false };

function refusal(url: string, policy = PROD): string | null {
  try {
    checkServerUrl(url, policy);
    return null;
  } catch (err) {
    if (err instanceof TargetRefused) return err.reason;
    throw err;
  }
}

describe('the server URL', () => {
  it('in production: https to a public host only', () => {
    expect(refusal('https://dav.example.org/')).toBeNull();
    expect(refusal('https://dav.example.org:8443/dav/')).toBeNull();
    expect(refusal('http://dav.example.org/')).toBe('INSECURE_URL');
    for (const u of ['https://localhost/', 'https://dav.localhost/', 'https://127.0.0.1/', 'https://10.1.2.3/', 'https://192.168.1.10/', 'https://172.16.0.1/', 'https://169.254.169.254/', 'https://[::1]/', 'https://[fd00::1]/', 'https://[::ffff:192.168.0.1]/', 'https://0.0.0.0/', 'https://100.64.0.1/'])
      expect(refusal(u), u).toBe('PRIVATE_ADDRESS');
  });

  it('always: http(s) only, no credentials in it, no port fetch blocks', () => {
    for (const policy of [PROD, DEV]) {
      expect(refusal('ftp://dav.example.org/', policy)).toBe('INVALID_URL');
      expect(refusal('not a url', policy)).toBe('INVALID_URL');
      expect(refusal('https://me:secret@dav.example.org/', policy)).toBe('INVALID_URL');
      expect(refusal('https://dav.example.org:6000/', policy)).toBe('INVALID_URL');
      expect(refusal(`https://dav.example.org/${'a'.repeat(2001)}`, policy)).toBe('INVALID_URL');
    }
  });

  it('outside production: a local server over http (tests, a server on one’s own machine)', () => {
    expect(refusal('http://127.0.0.1:5232/', DEV)).toBeNull();
    expect(refusal('http://localhost:5232/', DEV)).toBeNull();
  });

  it('public addresses are unicast ones only', () => {
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(true);
    for (const a of ['127.0.0.1', '10.0.0.1', '::1', 'fe80::1', '224.0.0.1', '::ffff:127.0.0.1', 'not-an-ip']) expect(isPublicAddress(a), a).toBe(false);
  });
});

describe('the guarded fetch', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(Buffer.alloc(MAX_RESPONSE_BYTES + 1024, 'x'));
      } else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('in production, refuses a name that resolves to a loopback address when it connects (no request leaves)', async () => {
    const g = guardedFetch({ production: false }, { timeoutMs: 5000, signal: new AbortController().signal });
    // Outside production the local server is reached …
    expect(await (await g.fetch(`${base}/`)).text()).toBe('ok');
    await g.close();
    // … in production, a URL naming it literally is refused before anything is sent.
    const p = guardedFetch(PROD, { timeoutMs: 5000, signal: new AbortController().signal });
    await expect(p.fetch(`${base}/`)).rejects.toBeInstanceOf(TargetRefused);
    // A name the URL check cannot judge (this machine's host name, which resolves to a local address): refused when
    // the connection is made, by the lookup itself, before TLS or any byte of the request.
    const local = (await lookup(hostname(), { all: true })).map((a) => a.address);
    expect(local.some((a) => !isPublicAddress(a)), `${hostname()} resolves to ${local.join(', ')}`).toBe(true);
    const port = (server.address() as AddressInfo).port;
    const err = await p.fetch(`https://${hostname()}:${port}/`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(JSON.stringify((err as Error & { cause?: unknown }).cause, Object.getOwnPropertyNames((err as Error & { cause?: object }).cause ?? {}))).toMatch(/EPRIVATEADDRESS|a local or private address/);
    await p.close();
  });

  it('does not follow a redirect: it is answered as it is, so the place it names is checked like any URL', async () => {
    const g = guardedFetch(DEV, { timeoutMs: 5000, signal: new AbortController().signal });
    const res = await g.fetch(`${base}/redirect`);
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
    expect(() => checkServerUrl(res.headers.get('location')!, PROD)).toThrow(TargetRefused);
    await g.close();
  });

  it('stops reading an answer larger than MAX_RESPONSE_BYTES', async () => {
    const g = guardedFetch(DEV, { timeoutMs: 5000, signal: new AbortController().signal });
    await expect(g.fetch(`${base}/big`)).rejects.toBeInstanceOf(ResponseTooLarge);
    await g.close();
  });
});

describe('a card read back', () => {
  const sent = contactToVCard({
    id: 'cloud.contact:7',
    uid: '0b8a3c1e-51f4-4d3e-9a57-3f0c2d8e9b10',
    displayName: 'Gülçöhrə Bağırova',
    givenName: 'Gülçöhrə',
    familyName: 'Bağırova',
    middleName: 'Elşən qızı',
    note: 'Salam, "dostum"!\nNecəsən?',
    phones: [{ number: '+994 50 123 45 67', type: 'CELL', preferred: true }],
    emails: [{ address: 'gulcohre@mail.az', type: 'HOME', preferred: true }],
    updatedAt: '2026-01-02T03:04:05Z',
  });

  it('is equal when only its folding, parameter case, property order or a server PRODID differ', () => {
    const lines = sent.replace(/\r\n /g, '').split('\r\n').filter(Boolean);
    const [begin, version, ...rest] = lines;
    const end = rest.pop()!;
    const refolded = [begin, version, 'PRODID:-//Radicale//NONSGML Radicale Server//EN', ...rest.reverse().map((l) => l.replace('TYPE=', 'type=')), end]
      .map((l) => (Buffer.byteLength(l!) > 30 ? `${l!.slice(0, 20)}\r\n ${l!.slice(20)}` : l))
      .join('\r\n');
    expect(cardDifference(sent, `${refolded}\r\n`)).toBeNull();
  });

  it('differs, naming the property, when a name or number changed or a property was lost or added', () => {
    expect(cardDifference(sent, sent.replace('Bağırova', 'Bagirova'))).toMatch(/FN|N\b/);
    expect(cardDifference(sent, sent.replace(/EMAIL[^\r]*\r\n/, ''))).toBe('missing or changed: EMAIL');
    expect(cardDifference(sent, sent.replace('END:VCARD', 'CATEGORIES:x\r\nEND:VCARD'))).toBe('not sent: CATEGORIES');
    expect(cardDifference(sent, 'not a card')).toMatch(/not a vCard/);
  });
});
