import type { Logger } from '@footprint/kit/logger.js';
import { GraphQLError } from 'graphql';
import { CircuitOpenError, describeFailure } from '../circuit.js';

/**
 * Codes a domain raises for the caller to act on (invalid value, stale,
 * refused, not found…): relayed with the domain's message and details. Any
 * other code (INTERNAL_SERVER_ERROR, or a code about the gateway's own
 * request) is the domain failing, and the caller sees SUBGRAPH_UNAVAILABLE.
 */
export const RELAYED_CODES: ReadonlySet<string> = new Set(['BAD_USER_INPUT', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'TOO_MANY_REQUESTS', 'SUBGRAPH_UNAVAILABLE', 'LIMIT_EXCEEDED']);

/** One error of a domain's GraphQL answer, as it came over the wire. */
export interface WireError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** Every way a call to a domain can go wrong; `domainError` maps each to the one GraphQLError the caller sees. */
export type DomainFailure =
  /** Its circuit is open: the call was refused without reaching the domain. */
  | { kind: 'circuit-open'; error: CircuitOpenError }
  /** The call did not complete: refused, reset, timed out. */
  | { kind: 'transport'; error: unknown; timeoutMs: number }
  /** The gateway knows no URL for it. */
  | { kind: 'no-url' }
  /** An HTTP answer that is not a GraphQL answer (a 5xx page, a proxy's 502…). */
  | { kind: 'status'; status: number; body: 'none' | 'not-json' | 'no-data' }
  /** A GraphQL error the domain answered with. */
  | { kind: 'answered'; error: WireError };

/**
 * The domain cannot answer now (down, hung, circuit open, failing): code
 * SUBGRAPH_UNAVAILABLE naming the domain; a caller may retry later. No HTTP
 * status on purpose: one failed domain must not turn a partial answer into an
 * HTTP error.
 */
export class DomainUnavailable extends GraphQLError {
  constructor(
    readonly domain: string,
    /** Why, as the end of "The <domain> domain is unavailable: …". */
    readonly why: string,
    extra: Record<string, unknown> = {},
  ) {
    super(`The ${domain} domain is unavailable: ${why}`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE', domain, ...extra } });
    this.name = 'DomainUnavailable';
  }
}

/** The one error table: what the caller of `domain` sees for `failure`. */
export function domainError(domain: string, failure: DomainFailure, log?: Logger): GraphQLError {
  switch (failure.kind) {
    case 'circuit-open':
      return new DomainUnavailable(domain, failure.error.why, { circuit: 'open', retryAt: failure.error.retryAt.toISOString() });
    case 'transport':
      log?.warn({ domain, err: failure.error instanceof Error ? failure.error.message : String(failure.error) }, 'subgraph call failed');
      return new DomainUnavailable(domain, `it ${describeFailure(failure.error, failure.timeoutMs)}`);
    case 'no-url':
      return new DomainUnavailable(domain, 'it has no configured URL');
    case 'status': {
      log?.warn({ domain, status: failure.status, body: failure.body }, 'subgraph call failed');
      const what = failure.body === 'not-json' ? ' without JSON' : failure.body === 'no-data' ? ' without data' : '';
      return new DomainUnavailable(domain, `it answered HTTP ${failure.status}${what}`);
    }
    case 'answered': {
      const code = typeof failure.error.extensions?.code === 'string' ? failure.error.extensions.code : '';
      if (!RELAYED_CODES.has(code)) {
        log?.warn({ domain, err: failure.error.message, code }, 'domain failed a call');
        return new DomainUnavailable(domain, 'it failed to answer');
      }
      const { http: _http, ...extensions } = failure.error.extensions ?? {};
      // No HTTP status: a domain's answer is relayed as a GraphQL error, whichever path asked.
      return new GraphQLError(failure.error.message, { extensions: { ...extensions, code, domain } });
    }
  }
}

/** A thrown fetch failure (the circuit's refusal, or a transport error) as a DomainFailure. */
export function thrownFailure(err: unknown, timeoutMs: number): DomainFailure {
  return err instanceof CircuitOpenError ? { kind: 'circuit-open', error: err } : { kind: 'transport', error: err, timeoutMs };
}
