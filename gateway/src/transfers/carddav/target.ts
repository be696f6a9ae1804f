import { lookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { z } from 'zod';
import { portProblem } from '@footprint/schema';

/**
 * Where a person may send their data, and the one fetch that sends it.
 *
 * The server is named by the person, so it is outside input twice over: its
 * URL is checked here before anything is sent (http/https only, no
 * credentials in it, no port fetch blocks), and in production every address
 * it resolves to must be a public unicast one — checked when each connection
 * is made, not only once, so neither a DNS answer that changes (rebinding)
 * nor a redirect can point the gateway at itself or its private network
 * (SSRF). Production also refuses http: the app password would travel in
 * clear text. Outside production both are allowed, so tests and a local
 * server on 127.0.0.1 work.
 */

export interface TargetPolicy {
  production: boolean;
}

/** Why a server URL was refused, with the reason code the API gives (extensions.reason). */
export class TargetRefused extends Error {
  override name = 'TargetRefused';
  constructor(
    readonly reason: 'INVALID_URL' | 'INSECURE_URL' | 'PRIVATE_ADDRESS',
    message: string,
  ) {
    super(message);
  }
}

const UrlText = z.string().trim().min(1, 'serverUrl is empty').max(2000, 'serverUrl is longer than 2,000 characters').pipe(z.url({ message: 'serverUrl is not a URL' }));

const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain']);

/** Whether an address is one the public internet routes to one host: never the gateway's own or private networks. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

/** The server URL, checked: a refusal names what to change. */
export function checkServerUrl(raw: string, policy: TargetPolicy): URL {
  const parsed = UrlText.safeParse(raw);
  if (!parsed.success) throw new TargetRefused('INVALID_URL', parsed.error.issues[0]?.message ?? 'serverUrl is not a URL');
  const url = new URL(parsed.data);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetRefused('INVALID_URL', `serverUrl must be an https: URL, not ${url.protocol}`);
  if (url.username || url.password) throw new TargetRefused('INVALID_URL', 'serverUrl must not hold a user name or password: give them as username and appPassword');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const problem = portProblem(port);
  if (problem) throw new TargetRefused('INVALID_URL', `serverUrl: ${problem}`);
  url.hash = '';
  if (policy.production) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (url.protocol === 'http:') throw new TargetRefused('INSECURE_URL', 'serverUrl must be https: the app password would otherwise be sent in clear text');
    if (LOCAL_NAMES.has(host) || host.endsWith('.localhost') || (ipaddr.isValid(host) && !isPublicAddress(host)))
      throw new TargetRefused('PRIVATE_ADDRESS', `serverUrl names ${host}, a local or private address: only servers on the public internet can receive data`);
  }
  return url;
}

/** A DNS lookup that, in production, refuses a name resolving to any address that is not public (checked at connect time). */
function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as { address: string; family: number }[];
      if (policy.production) {
        const bad = list.find((a) => !isPublicAddress(a.address));
        if (bad) return callback(Object.assign(new Error(`${hostname} resolves to ${bad.address}, a local or private address`), { code: 'EPRIVATEADDRESS' }), '', 0);
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** The largest answer one request may bring back (a card, an address book listing): a hostile server cannot fill the gateway's memory. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export class ResponseTooLarge extends Error {
  override name = 'ResponseTooLarge';
}

/**
 * The fetch every request to the person's server goes through (tsdav takes it
 * as its `fetch`): each URL and connection checked as above, redirects not
 * followed (returned as they are), a timeout per request, the
 * transfer's abort signal, and the answer read whole up to MAX_RESPONSE_BYTES
 * into a plain Response.
 */
export function guardedFetch(policy: TargetPolicy, opts: { timeoutMs: number; signal: AbortSignal }): { fetch: typeof globalThis.fetch; close(): Promise<void> } {
  const agent = new Agent({ connect: { lookup: guardedLookup(policy) }, connections: 4 });
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    // Every URL, not only the one the person gave: one the server points to (a discovered principal, home set or
    // address book, a well-known redirect) may name an address literally, which no DNS lookup would check.
    checkServerUrl(url, policy);
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs), ...(init?.signal ? [init.signal] : [])]);
    const headers = new Headers(init?.headers);
    const res = await undiciFetch(url, {
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(headers.entries()),
      body: typeof init?.body === 'string' ? init.body : null,
      // Never followed here: a redirect is answered as it is, and whoever follows it (tsdav's discovery) comes back through this check.
      redirect: 'manual',
      signal,
      dispatcher: agent,
    });
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (res.body) {
      const reader = res.body.getReader();
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        size += part.value.byteLength;
        if (size > MAX_RESPONSE_BYTES) {
          await reader.cancel();
          throw new ResponseTooLarge(`the server at ${new URL(url).host} answered with more than ${MAX_RESPONSE_BYTES} bytes`);
        }
        chunks.push(part.value);
      }
    }
    const bodyless = res.status === 204 || res.status === 304 || (res.status >= 100 && res.status < 200);
    const out = new Response(bodyless ? null : Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers: Object.fromEntries(res.headers.entries()) });
    // tsdav reads `url` for the href of an answer that is not a multistatus.
    Object.defineProperty(out, 'url', { value: res.url || url });
    return out;
  };
  return { fetch: f as typeof globalThis.fetch, close: () => agent.close() };
}
