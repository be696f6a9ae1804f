import { Readable } from 'node:stream';
import { CREDENTIAL_HEADER, REQUEST_ID_HEADER, signCredential } from '@footprint/kit/credential.js';
import type { Logger } from '@footprint/kit/logger.js';
import { describeNetworkError } from '@footprint/kit/network-error.js';
import { mintJobToken } from '../auth/principal.js';
import { AbortedError, sleep } from './reader.js';

/** The header a file's SHA-256 travels in (subgraph → gateway → reader), beside content-length. */
export const CONTENT_SHA256_HEADER = 'x-footprint-sha256';

/** A file's bytes as they arrive, with what the sender says of them (checked by the reader, not trusted). */
export interface FetchedContent {
  body: AsyncIterable<Uint8Array>;
  length: number | null;
  sha256: string | null;
}

/** Fetches the content of one record (`<kind>:<n>`) of the job's person. */
export type ContentFetcher = (recordId: string) => Promise<FetchedContent>;

/** A file could not be fetched after every attempt; names the record and why. */
export class ContentUnavailableError extends Error {
  override name = 'ContentUnavailableError';
  constructor(
    readonly domain: string,
    message: string,
  ) {
    super(message);
  }
}

/** The domain of a record id: what precedes the first dot of its kind (cloud.gallery_item:17 → cloud). */
export const domainOfRecord = (recordId: string): string => recordId.slice(0, recordId.indexOf('.'));

export interface ContentFetcherOptions {
  job: { id: string; person: string };
  internalSecret: string;
  retries: number;
  retryBaseMs: number;
  /** Until the answer's headers arrive; the body then streams as long as it takes. */
  timeoutMs: number;
  signal: AbortSignal;
  logger: Logger;
}

/**
 * GETs a file, retried with backoff while nothing of it has arrived (the
 * domain down, a 5xx); a refusal (4xx) is not retried. The body is handed on
 * as a stream: nothing is buffered.
 */
async function fetchWithRetries(o: ContentFetcherOptions, recordId: string, request: () => Promise<{ url: string; headers: Record<string, string> }>): Promise<FetchedContent> {
  const domain = domainOfRecord(recordId);
  for (let n = 1; ; n++) {
    if (o.signal.aborted) throw new AbortedError('stopped');
    let problem: string;
    try {
      const { url, headers } = await request();
      const res = await fetch(url, { headers: { ...headers, [REQUEST_ID_HEADER]: `export-${o.job.id}-file` }, signal: AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]) });
      if (res.ok && res.body) {
        const length = Number(res.headers.get('content-length'));
        // Node's web stream, read as a Node stream: async-iterable, and destroyed (the connection freed) when the reader stops.
        return { body: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), length: Number.isFinite(length) ? length : null, sha256: res.headers.get(CONTENT_SHA256_HEADER) };
      }
      const text = await res.text().catch(() => '');
      problem = `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
      if (res.status < 500) throw new ContentUnavailableError(domain, `The ${domain} domain refused the content of ${recordId} (${problem})`);
    } catch (err) {
      if (o.signal.aborted) throw new AbortedError('stopped');
      if (err instanceof ContentUnavailableError) throw err;
      problem = describeNetworkError(err);
    }
    if (n >= o.retries) throw new ContentUnavailableError(domain, `The content of ${recordId} could not be read from the ${domain} domain (${problem}; ${o.retries} attempts)`);
    const delay = o.retryBaseMs * 2 ** (n - 1) * (0.75 + Math.random() / 2);
    o.logger.warn({ job: o.job.id, record: recordId, attempt: n, delay: Math.round(delay), problem }, 'export file read failed; retrying');
    await sleep(delay, o.signal);
  }
}

/**
 * Straight from the subgraph that owns the record (`/files/<record id>`),
 * under the job's internal credential for its one person — as the export's
 * direct record reads are.
 */
export function directContent(o: ContentFetcherOptions & { subgraphUrls: Record<string, string> }): ContentFetcher {
  return (recordId) =>
    fetchWithRetries(o, recordId, async () => {
      const domain = domainOfRecord(recordId);
      const base = o.subgraphUrls[domain];
      if (!base) throw new ContentUnavailableError(domain, `No subgraph named ${domain} serves the content of ${recordId}`);
      const credential = await signCredential({ actor: `job:${o.job.id}`, actorType: 'job', person: o.job.person, scopes: [], requestId: `export-${o.job.id}` }, o.internalSecret);
      return { url: new URL(`/files/${encodeURIComponent(recordId)}`, base).href, headers: { [CREDENTIAL_HEADER]: credential } };
    });
}

/** Through the gateway's own `/files/<record id>` with the job's token (FOOTPRINT_EXPORT_READ=gateway: a worker that cannot reach the subgraphs). */
export function gatewayContent(o: ContentFetcherOptions & { gatewayUrl: () => string }): ContentFetcher {
  return (recordId) =>
    fetchWithRetries(o, recordId, async () => {
      const url = new URL(`/files/${encodeURIComponent(recordId)}`, o.gatewayUrl());
      url.searchParams.set('person', o.job.person);
      return { url: url.href, headers: { authorization: `Bearer ${await mintJobToken(o.internalSecret, o.job)}` } };
    });
}
