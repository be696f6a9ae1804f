import type { Logger } from '@footprint/kit/logger.js';
import { connectionRefused, describeNetworkError } from '@footprint/kit/network-error.js';
import { postToDomain, type DomainResponse } from './domains/transport.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  /** Transport failures in a row (timeout, refused, 502–504) that open a domain's circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before it probes; doubles after each failed probe, up to maxOpenMs. */
  openMs: number;
  maxOpenMs: number;
  /** The probe: GET <subgraph>/health within this time. */
  probeTimeoutMs: number;
}

/** What /health shows per domain. */
export interface CircuitStatus {
  state: CircuitState;
  failures: number;
  lastError: string | null;
  openedAt: string | null;
  /** When an open circuit next probes the domain. */
  retryAt: string | null;
}

/** A call refused without reaching the domain: its circuit is open. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError';
  constructor(
    readonly domain: string,
    readonly why: string,
    readonly retryAt: Date,
  ) {
    super(`The ${domain} domain is unavailable: ${why}`);
  }
}

/** Why a call failed, in the words the errors use ("did not answer within 30000 ms"). */
export function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `did not answer within ${timeoutMs} ms`;
  return `could not be reached (${describeNetworkError(e)})`;
}

/**
 * How soon an open circuit probes a domain again when its last failure was a
 * refused connection: nothing listens there — the process is stopped or still
 * starting after a restart — so a probe costs one refused connect and nothing
 * at the domain, and a restarted domain is back within this of listening
 * (a failed probe used to double a long cool-down instead). A domain that
 * accepts and does not answer (hung) keeps the doubling cool-down.
 */
export const REFUSED_RETRY_MS = 500;

const TRANSPORT_STATUS = new Set([502, 503, 504]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/** The request init both callers pass (Apollo's fetcher interface and a plain POST); every call to a domain is a POST. */
export interface DomainRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: unknown;
}

class Circuit {
  state: CircuitState = 'closed';
  failures = 0;
  lastError: string | null = null;
  openedAt: Date | null = null;
  retryAt: Date | null = null;
  private opens = 0;
  /** The last failure was a refused connection (see REFUSED_RETRY_MS). */
  private refused = false;
  private probing: Promise<boolean> | null = null;

  constructor(
    private readonly domain: string,
    private readonly healthUrl: string,
    private readonly opts: CircuitOptions,
    private readonly log: Logger,
  ) {}

  /** Resolves if a call may go ahead; throws CircuitOpenError while the domain is known to be down. */
  async admit(): Promise<void> {
    if (this.state !== 'open') return;
    if (Date.now() < this.retryAt!.getTime()) throw this.refusal();
    // Cool-down over: one probe for everyone waiting; it is short, unlike a call to a hung domain.
    this.probing ??= this.probe().finally(() => {
      this.probing = null;
    });
    if (!(await this.probing)) throw this.refusal();
  }

  succeeded(): void {
    if (this.state !== 'closed') this.log.info({ domain: this.domain, was: this.state }, 'circuit closed: the domain answers again');
    this.state = 'closed';
    this.failures = 0;
    this.opens = 0;
    this.openedAt = null;
    this.retryAt = null;
  }

  failed(why: string, refused = false): void {
    this.failures += 1;
    this.lastError = why;
    this.refused = refused;
    // Half-open: the first call after a good probe failed, so the domain is still down.
    if (this.state === 'half-open' || (this.state === 'closed' && this.failures >= this.opts.failureThreshold)) this.open();
  }

  status(): CircuitStatus {
    return { state: this.state, failures: this.failures, lastError: this.lastError, openedAt: this.openedAt?.toISOString() ?? null, retryAt: this.retryAt?.toISOString() ?? null };
  }

  private open(): void {
    // Refused: retried soon and without doubling; the doubling counts the cool-downs of a domain that took calls and failed them.
    if (!this.refused) this.opens += 1;
    const wait = this.refused ? Math.min(REFUSED_RETRY_MS, this.opts.openMs) : Math.min(this.opts.maxOpenMs, this.opts.openMs * 2 ** (this.opens - 1));
    if (this.state === 'closed') this.openedAt = new Date();
    this.state = 'open';
    this.retryAt = new Date(Date.now() + wait);
    this.log.warn({ domain: this.domain, failures: this.failures, lastError: this.lastError, retryAt: this.retryAt.toISOString() }, 'circuit open: calls to the domain fail fast until a probe succeeds');
  }

  private async probe(): Promise<boolean> {
    try {
      const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(this.opts.probeTimeoutMs) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`its health check answered HTTP ${res.status}`);
      this.state = 'half-open';
      this.log.info({ domain: this.domain }, 'circuit half-open: the health probe passed; the next call decides');
      return true;
    } catch (err) {
      this.lastError = `its health probe ${describeFailure(err, this.opts.probeTimeoutMs)}`;
      this.refused = connectionRefused(err);
      this.open();
      return false;
    }
  }

  private refusal(): CircuitOpenError {
    return new CircuitOpenError(
      this.domain,
      `it failed ${this.failures} call(s) in a row (last: ${this.lastError}), so the gateway does not call it until ${this.retryAt!.toISOString()} (circuit open)`,
      this.retryAt!,
    );
  }
}

/**
 * One circuit breaker per domain, shared by every path that calls a domain
 * (all through the DomainClient, gateway/src/domains/client.ts). A domain that
 * keeps failing at the transport level (a hung or dead process) is not called
 * for a while — requests fail fast with SUBGRAPH_UNAVAILABLE naming it instead
 * of each waiting out the subgraph timeout — then one short health probe
 * decides whether calls go through again (half-open) or it stays open.
 * A domain's own GraphQL errors are answers, not failures.
 */
export class DomainCircuits {
  private readonly circuits = new Map<string, Circuit>();

  constructor(urls: Record<string, string>, opts: CircuitOptions, log: Logger) {
    for (const [domain, url] of Object.entries(urls)) this.circuits.set(domain, new Circuit(domain, new URL('/health', url).toString(), opts, log));
  }

  private circuit(domain: string): Circuit | undefined {
    return this.circuits.get(domain);
  }

  /**
   * The transport for calls to `domain`: refused while its circuit is open,
   * stopped after `timeoutMs`, and its outcome recorded: a transport status
   * (502–504) at the headers, else at the answer's end (or its failure).
   * Throws CircuitOpenError when refused.
   */
  request(domain: string, timeoutMs: number) {
    return async (url: string, init: DomainRequestInit = {}): Promise<DomainResponse> => {
      const circuit = this.circuit(domain);
      await circuit?.admit();
      let res: DomainResponse;
      // Set at the headers: a transport status was counted there, and its body counts for nothing more.
      let counted = false;
      try {
        res = await postToDomain(url, {
          headers: init.headers ?? {},
          body: init.body === undefined ? '' : typeof init.body === 'string' ? init.body : Buffer.from(init.body).toString('utf8'),
          signal: init.signal instanceof AbortSignal ? init.signal : undefined,
          timeoutMs,
          // A call succeeds when the whole answer has arrived: one that breaks off mid-answer (a dropped connection,
          // the timeout) is a failure, though its headers came; one the caller lets go or aborts counts as neither.
          onBodyEnd: (failure) => {
            if (!circuit || counted) return;
            if (failure === null) circuit.succeeded();
            else circuit.failed(failure.name === 'TimeoutError' ? `did not finish its answer within ${timeoutMs} ms` : `broke off its answer (${describeNetworkError(failure)})`);
          },
        });
      } catch (err) {
        // A call its caller aborted (the client went away) says nothing about the domain.
        if (!(init.signal instanceof AbortSignal && init.signal.aborted)) circuit?.failed(describeFailure(err, timeoutMs), connectionRefused(err));
        throw err;
      }
      if (TRANSPORT_STATUS.has(res.status)) {
        counted = true;
        circuit?.failed(`answered HTTP ${res.status}`);
      }
      return res;
    };
  }

  /** `request` as a fetch (for Apollo's data sources): a Response over the answer's body as it arrives. */
  fetcher(domain: string, timeoutMs: number) {
    const post = this.request(domain, timeoutMs);
    return async (url: string, init: DomainRequestInit = {}): Promise<Response> => {
      const res = await post(url, init);
      const contentType = res.header('content-type');
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      // A Response of these statuses has no body (its constructor refuses one): the answer is let go.
      if (NULL_BODY.has(res.status)) {
        res.cancel();
        return new Response(null, { status: res.status, headers });
      }
      return new Response(res.body, { status: res.status, headers });
    };
  }

  status(): Record<string, CircuitStatus> {
    return Object.fromEntries([...this.circuits].map(([d, c]) => [d, c.status()]));
  }
}
