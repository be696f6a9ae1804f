import { CREDENTIAL_HEADER, REQUEST_ID_HEADER, signCredential, type InternalCredential, type Logger } from '@footprint/schema';
import { GraphQLError } from 'graphql';
import { CircuitOpenError, describeFailure, type DomainCircuits } from '../circuit.js';
import type { GatewayContext } from '../context.js';

/** Codes a domain raises for the caller to act on; anything else is the domain failing. */
const CALLER_CODES = new Set(['BAD_USER_INPUT', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'TOO_MANY_REQUESTS', 'SUBGRAPH_UNAVAILABLE', 'LIMIT_EXCEEDED']);

export interface DomainCallOptions {
  internalSecret: string;
  timeoutMs: number;
  /** The gateway's per-domain circuit breakers (shared with the query planner and discovery). */
  circuits: DomainCircuits;
}

/** Thrown when a domain cannot be reached or fails; `domain` names it. */
export class DomainUnavailable extends Error {
  constructor(
    readonly domain: string,
    why: string,
  ) {
    super(`The ${domain} domain is unavailable: ${why}`);
  }
}

/**
 * Calls one domain subgraph directly — the corrections' internal fields are
 * not in the API — with the same short-lived signed credential the gateway
 * sends through the query planner, naming the actor and the one person.
 * A domain's own error (invalid value, stale, refused) is re-raised with its
 * code and details; transport failures become DomainUnavailable.
 */
export async function callDomain<T>(
  opts: DomainCallOptions,
  domain: string,
  url: string,
  ctx: GatewayContext,
  person: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const p = ctx.principal;
  const credential: InternalCredential = { actor: p.sub, actorType: p.kind, person, scopes: p.kind === 'operator' ? p.scopes : [], requestId: ctx.requestId };
  return callDomainAs<T>(opts, domain, url, credential, ctx.log, query, variables);
}

/**
 * The same call with a credential the caller composes: a gateway job (an
 * erasure) acts for its requester, with the extra scopes its internal fields need.
 */
export async function callDomainAs<T>(
  opts: DomainCallOptions,
  domain: string,
  url: string,
  c: InternalCredential,
  log: Logger,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const credential = await signCredential(c, opts.internalSecret);
  let res: Response;
  try {
    res = await opts.circuits.fetcher(domain, opts.timeoutMs)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CREDENTIAL_HEADER]: credential, [REQUEST_ID_HEADER]: c.requestId },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    if (err instanceof CircuitOpenError) throw new DomainUnavailable(domain, err.why);
    throw new DomainUnavailable(domain, `it ${describeFailure(err, opts.timeoutMs)}`);
  }
  let body: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new DomainUnavailable(domain, `it answered HTTP ${res.status} without JSON`);
  }
  const first = body.errors?.[0];
  if (first) {
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : '';
    if (!CALLER_CODES.has(code)) {
        log.warn({ domain, err: first.message, code }, 'domain failed an internal call');
        throw new DomainUnavailable(domain, 'it failed to answer');
    }
    const { http: _http, ...extensions } = first.extensions ?? {};
    // No HTTP status: a domain's answer is relayed as a GraphQL error, like the planner relays it.
    throw new GraphQLError(first.message, { extensions: { ...extensions, code, domain } });
  }
  if (!body.data) throw new DomainUnavailable(domain, `it answered HTTP ${res.status} without data`);
  return body.data;
}
