import { z } from 'zod';
import { describeNetworkError, type Logger } from '@footprint/schema';
import { JOB_TOKEN, mintJobToken } from '../auth/principal.js';
import type { Execute, GraphQLErrorShape } from '../footprint/traverse.js';

/** Errors worth another try: the domain or the gateway was down, overloaded or failed. */
const RETRYABLE = new Set(['SUBGRAPH_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'TOO_MANY_REQUESTS']);

const Body = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(
      z.object({
        message: z.string(),
        path: z.array(z.union([z.string(), z.number()])).optional(),
        extensions: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
});

export class GatewayUnavailableError extends Error {
  override name = 'GatewayUnavailableError';
}

export class AbortedError extends Error {
  override name = 'AbortedError';
}

export interface GatewayReaderOptions {
  url: () => string;
  internalSecret: string;
  job: { id: string; person: string };
  retries: number;
  retryBaseMs: number;
  /** One request's limit; the gateway's own subgraph timeout is shorter. */
  timeoutMs?: number;
  signal: AbortSignal;
  logger: Logger;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new AbortedError('stopped'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError('stopped'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Reads through the gateway's public endpoint as the export job: its own
 * short-lived token (minted again before it expires), so the gateway's
 * authorization, the domains' checks and their metadata apply exactly as for
 * anyone else. A request whose errors are all retryable is tried again with
 * exponential backoff and jitter; after the last attempt the answer (errors
 * and all) goes back to the traversal, which marks the domain it names.
 */
export class GatewayReader {
  private token: { value: string; renewAt: number } | null = null;
  private sent = 0;

  constructor(private readonly opts: GatewayReaderOptions) {}

  private async bearer(force = false): Promise<string> {
    if (force || !this.token || Date.now() >= this.token.renewAt) {
      const value = await mintJobToken(this.opts.internalSecret, this.opts.job);
      // Renew well before expiry so a slow page never carries an expired token.
      this.token = { value, renewAt: Date.now() + (JOB_TOKEN.ttlSeconds * 1000) / 2 };
    }
    return this.token.value;
  }

  readonly execute: Execute = async (query, variables) => {
    const { retries, retryBaseMs, signal, logger } = this.opts;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new AbortedError('stopped');
      let body: z.infer<typeof Body> | null = null;
      let problem = '';
      try {
        const res = await fetch(this.opts.url(), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await this.bearer()}`,
            'x-request-id': `export-${this.opts.job.id}-${++this.sent}`,
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs ?? 120_000)]),
        });
        const text = await res.text();
        const parsed = Body.safeParse(safeJson(text));
        if (parsed.success) body = parsed.data;
        else problem = `the gateway answered HTTP ${res.status} with no GraphQL body`;
      } catch (err) {
        if (signal.aborted) throw new AbortedError('stopped');
        problem = `the gateway at ${this.opts.url()} could not be reached (${describeNetworkError(err)})`;
      }
      const errors = (body?.errors ?? []) as GraphQLErrorShape[];
      if (body && errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') && !renewed) {
        renewed = true;
        await this.bearer(true);
        attempt -= 1;
        continue;
      }
      const retryable = !body || (errors.length > 0 && errors.every((e) => RETRYABLE.has(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))));
      if (!retryable) return body!;
      if (attempt >= retries) {
        if (body) return body;
        throw new GatewayUnavailableError(`${problem}, ${retries} attempts`);
      }
      const delay = retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
      logger.warn({ job: this.opts.job.id, attempt, delay: Math.round(delay), problem: problem || errors.map((e) => e.message).join('; ') }, 'export read failed; retrying');
      await sleep(delay, signal);
    }
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
