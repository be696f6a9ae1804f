import type { DomainRequestInit } from '../circuit.js';

/**
 * What the fast path got from a domain, handed to @apollo/gateway when it
 * answers the operation instead (an error, a status, an answer it could not
 * forward): Apollo's data source then reads the same outcome rather than
 * calling the domain a second time, so a failing domain is called once, waited
 * for once and counted once by its circuit, and the error is Apollo's own.
 */
export type Outcome = { kind: 'thrown'; error: unknown } | { kind: 'answered'; status: number; contentType: string | null; body: Buffer };

/** The request header that tells the data source's fetcher which outcome to replay (never sent: the fetcher answers it). */
export const REPLAY_HEADER = 'x-footprint-fast-path-replay';

const byRequest = new WeakMap<object, Map<string, Outcome>>();
const pending = new Map<string, Outcome>();
let next = 0;

/** Keeps the fast path's outcomes of `request` (its context) for the data sources, by domain. */
export function keepOutcomes(request: object, outcomes: Map<string, Outcome>): void {
  byRequest.set(request, outcomes);
}

/** The replay header for a data source's call to `domain` within `request`, if the fast path already called it. */
export function replayHeader(request: object, domain: string): string | undefined {
  const outcome = byRequest.get(request)?.get(domain);
  if (!outcome) return undefined;
  byRequest.get(request)!.delete(domain);
  const id = String(next++);
  pending.set(id, outcome);
  return id;
}

type Fetch = (url: string, init?: DomainRequestInit) => Promise<Response>;

/** A fetcher that answers a call carrying the replay header from the kept outcome, and passes every other call to `fetcher`. */
export function replayingFetcher(fetcher: Fetch): Fetch {
  return async (url, init) => {
    const id = init?.headers?.[REPLAY_HEADER];
    const outcome = id === undefined ? undefined : pending.get(id);
    if (id === undefined || !outcome) return fetcher(url, init);
    pending.delete(id);
    if (outcome.kind === 'thrown') throw outcome.error;
    return new Response(outcome.body, { status: outcome.status, headers: outcome.contentType ? { 'content-type': outcome.contentType } : {} });
  };
}
