import { CREDENTIAL_HEADER, LANGUAGE_HEADER, REQUEST_ID_HEADER, type InternalCredential, type Logger } from '@footprint/kit';
import type { GraphQLError } from 'graphql';
import type { DomainCircuits } from '../circuit.js';
import type { GatewayContext } from '../context.js';
import { CredentialSigner } from './credentials.js';
import { domainError, thrownFailure, type WireError } from './errors.js';
import type { DomainResponse } from './transport.js';

/** Who a call to a domain is made for and by, and where its signed credential is cached. */
export interface CredentialContext {
  credential: InternalCredential;
  log?: Logger;
  /** The request the signed credential is cached on (signed once per request); absent: signed for this call only. */
  request?: object;
  /** Aborts the call: the request it is made for is over (its client went away). */
  signal?: AbortSignal;
  /** The language the person reads, passed to the domain (LANGUAGE_HEADER) for the codes and notices it writes. */
  language?: string;
}

/**
 * The credential of a gateway request: its principal as actor, the one
 * person (default: the person the request was authorised for), cached on the
 * request's context.
 */
export function requestCredential(ctx: Partial<GatewayContext>, person: string | null = ctx.person ?? null): CredentialContext {
  const p = ctx.principal;
  return {
    credential: { actor: p?.sub ?? 'gateway', actorType: p?.kind ?? 'operator', person, scopes: p?.kind === 'operator' ? p.scopes : [], requestId: ctx.requestId ?? 'gateway' },
    log: ctx.log,
    request: ctx,
    signal: ctx.signal,
  };
}

/** A domain's answer: `data` as it answered (null when it did not), `errors` already mapped by the one error table. */
export interface DomainAnswer<T> {
  data: T | null;
  errors: GraphQLError[];
}

export interface DomainClientOptions {
  /** Domain subgraph URLs by name. */
  urls: Record<string, string>;
  internalSecret: string;
  timeoutMs: number;
  /** The per-domain circuit breakers (also shown by /health). */
  circuits: DomainCircuits;
}

/**
 * The one way the gateway calls a domain subgraph — the query planner's data
 * sources, discovery, corrections, rights and privacy requests alike: it signs
 * the short-lived internal credential (once per request), passes the request
 * id, aborts after the timeout, fails fast while the domain's circuit is open,
 * and maps every failure with the one error table (./errors.ts) to a
 * GraphQLError naming the domain.
 */
export class DomainClient {
  readonly timeoutMs: number;
  private readonly signer: CredentialSigner;

  constructor(private readonly opts: DomainClientOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.signer = new CredentialSigner(opts.internalSecret);
  }

  url(domain: string): string | undefined {
    return this.opts.urls[domain];
  }

  /** The fetch for calls to `domain` (Apollo's data sources): its circuit, and the timeout. Throws CircuitOpenError when refused. */
  fetcher(domain: string) {
    return this.opts.circuits.fetcher(domain, this.opts.timeoutMs);
  }

  /** The transport for calls to `domain` (transport.ts): its circuit, and the timeout. Throws CircuitOpenError when refused. */
  post(domain: string) {
    return this.opts.circuits.request(domain, this.opts.timeoutMs);
  }

  /** The headers every call to a domain carries: the signed credential and the request id. */
  async headers(c: CredentialContext): Promise<Record<string, string>> {
    return { [CREDENTIAL_HEADER]: await this.signer.sign(c.credential, c.request), [REQUEST_ID_HEADER]: c.credential.requestId, ...(c.language ? { [LANGUAGE_HEADER]: c.language } : {}) };
  }

  /**
   * callDomain(domain, query, variables, credentialContext): one GraphQL call
   * to a domain subgraph. Never throws for the domain's sake: a domain that
   * cannot be reached, is behind an open circuit or does not answer GraphQL
   * gives `{ data: null, errors: [SUBGRAPH_UNAVAILABLE naming it] }`; its own
   * GraphQL errors come back mapped (a caller's code relayed with `domain`, any
   * other as SUBGRAPH_UNAVAILABLE) beside whatever data it answered, so a
   * reader of `_entities` keeps the partial answer.
   */
  async callDomain<T>(domain: string, query: string, variables: Record<string, unknown>, c: CredentialContext): Promise<DomainAnswer<T>> {
    const url = this.opts.urls[domain];
    if (!url) return { data: null, errors: [domainError(domain, { kind: 'no-url' })] };
    let res: DomainResponse;
    try {
      res = await this.post(domain)(url, {
        headers: { 'content-type': 'application/json', ...(await this.headers(c)) },
        body: JSON.stringify({ query, variables }),
        signal: c.signal,
      });
    } catch (err) {
      return { data: null, errors: [domainError(domain, thrownFailure(err, this.opts.timeoutMs), c.log)] };
    }
    let body: { data?: T | null; errors?: WireError[] };
    try {
      body = (await res.json()) as typeof body;
    } catch (err) {
      // The body failed mid-way (the timeout, a dropped connection): a transport failure, not an answer.
      if (!(err instanceof SyntaxError)) return { data: null, errors: [domainError(domain, thrownFailure(err, this.opts.timeoutMs), c.log)] };
      return { data: null, errors: [domainError(domain, { kind: 'status', status: res.status, body: 'not-json' }, c.log)] };
    }
    const errors = (body.errors ?? []).map((error) => domainError(domain, { kind: 'answered', error }, c.log));
    if (!body.data && errors.length === 0) errors.push(domainError(domain, { kind: 'status', status: res.status, body: 'no-data' }, c.log));
    return { data: body.data ?? null, errors };
  }

  /** callDomain for a caller that needs the whole answer: its data, or the first mapped error thrown. */
  async request<T>(domain: string, query: string, variables: Record<string, unknown>, c: CredentialContext): Promise<T> {
    const { data, errors } = await this.callDomain<T>(domain, query, variables, c);
    if (errors[0]) throw errors[0];
    return data!;
  }
}
