import { z } from 'zod';
import type { Logger } from '@footprint/kit/logger.js';
import { describeNetworkError } from '@footprint/kit/network-error.js';
import { JOB_TOKEN, mintJobToken } from '../auth/principal.js';
import type { Answer, Execute } from '../footprint/traverse.js';

/** Errors worth another try: the domain or the gateway was down, overloaded or failed. */
const RETRYABLE = new Set(['SUBGRAPH_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'TOO_MANY_REQUESTS', 'OVERLOADED']);

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

export interface RetryPolicy {
  retries: number;
  retryBaseMs: number;
  signal: AbortSignal;
  logger: Logger;
  job: string;
}

/** An attempt's outcome: a GraphQL answer, or why there was none (the gateway could not be reached). */
export type Attempt = { body: Answer } | { problem: string };

/**
 * Tries a read until its answer has an error that is not worth another try
 * (or none), with exponential backoff and jitter: an answer whose errors are
 * all retryable (a domain down, overloaded or failing) or no answer at all.
 * After the last attempt the answer, errors and all, goes back to the
 * traversal, which marks the domain it names; no answer at all throws
 * GatewayUnavailableError.
 */
export async function withRetries(p: RetryPolicy, attempt: () => Promise<Attempt>): Promise<Answer> {
  for (let n = 1; ; n++) {
    if (p.signal.aborted) throw new AbortedError('stopped');
    let outcome: Attempt;
    try {
      outcome = await attempt();
    } catch (err) {
      if (p.signal.aborted) throw new AbortedError('stopped');
      throw err;
    }
    const body = 'body' in outcome ? outcome.body : null;
    const errors = body?.errors ?? [];
    const retryable = !body || (errors.length > 0 && errors.every((e) => RETRYABLE.has(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))));
    if (!retryable) return body!;
    const problem = 'problem' in outcome ? outcome.problem : errors.map((e) => e.message).join('; ');
    if (n >= p.retries) {
      if (body) return body;
      throw new GatewayUnavailableError(`${problem}, ${p.retries} attempts`);
    }
    const delay = p.retryBaseMs * 2 ** (n - 1) * (0.75 + Math.random() / 2);
    p.logger.warn({ job: p.job, attempt: n, delay: Math.round(delay), problem }, 'export read failed; retrying');
    await sleep(delay, p.signal);
  }
}

/**
 * Reads through the gateway's public endpoint as the export job: its own
 * short-lived token (minted again before it expires), so the gateway's
 * authorization, the domains' checks and their metadata apply exactly as for
 * anyone else. Retried as `withRetries` says. Exports read most kinds
 * straight from their subgraphs (footprint/direct.ts); this reads the rest
 * (the gateway's own data) and the discovery counts.
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

  private async post(query: string, variables: Record<string, unknown>, renew: boolean): Promise<Attempt> {
    try {
      const res = await fetch(this.opts.url(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await this.bearer(renew)}`,
          'x-request-id': `export-${this.opts.job.id}-${++this.sent}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.any([this.opts.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 120_000)]),
      });
      const text = await res.text();
      const parsed = Body.safeParse(safeJson(text));
      return parsed.success ? { body: parsed.data as Answer } : { problem: `the gateway answered HTTP ${res.status} with no GraphQL body` };
    } catch (err) {
      if (this.opts.signal.aborted) throw new AbortedError('stopped');
      return { problem: `the gateway at ${this.opts.url()} could not be reached (${describeNetworkError(err)})` };
    }
  }

  readonly execute: Execute = (query, variables) =>
    withRetries({ ...this.opts, job: this.opts.job.id }, async () => {
      const first = await this.post(query, variables, false);
      // A token that expired in flight: mint a new one and ask again, without counting an attempt.
      const expired = 'body' in first && (first.body.errors ?? []).some((e) => e.extensions?.code === 'UNAUTHENTICATED');
      return expired ? this.post(query, variables, true) : first;
    });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
