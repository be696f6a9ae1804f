import { CREDENTIAL_HEADER, REQUEST_ID_HEADER, type InternalCredential } from '@footprint/kit/credential.js';
import type { GraphQLError } from 'graphql';
import type { DomainRequestInit } from '../circuit.js';
import { CredentialSigner } from '../domains/credentials.js';
import { domainError, thrownFailure, type DomainFailure } from '../domains/errors.js';
import { kindKey, type KindOwner } from './owners.js';
import { entitiesOperation, type FootprintPlan, type KindPlan } from './plan.js';
import type { Answer, GraphQLErrorShape, PageSource } from './traverse.js';

/** The POST for calls to one domain: DomainCircuits.request (circuit breaker and timeout), or plain fetch. */
export type DomainFetch = (url: string, init: DomainRequestInit) => Promise<{ status: number; text(): Promise<string> }>;

export interface SubgraphCall {
  /** The domain the call reads (Person.<domain>): every error of the answer names it. */
  domain: string;
  url: string;
  query: string;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
  fetch: DomainFetch;
  /** For the wording of a timeout ("did not answer within … ms"). */
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * A domain that gave nothing, as through the gateway: Person.<domain> is null,
 * and the error is the one the gateway's error table (domains/errors.ts) gives.
 */
function failed(domain: string, failure: DomainFailure): Answer {
  const error: GraphQLError = domainError(domain, failure);
  return { data: { person: { [domain]: null } }, errors: [{ message: error.message, extensions: { ...error.extensions } }] };
}

/**
 * The transport of the direct path, in one function: POSTs one `_entities`
 * operation to a subgraph and returns the answer in the gateway's shape —
 * `data.person.<domain>` — with every error naming its domain and its path
 * as the gateway would give it (person.<domain>.…). A transport failure, an
 * open circuit or an answer that is not GraphQL is mapped by the gateway's one
 * error table (SUBGRAPH_UNAVAILABLE naming the domain). Throws only when `signal` aborted.
 */
export async function callSubgraph(c: SubgraphCall): Promise<Answer> {
  let res: Awaited<ReturnType<DomainFetch>>;
  let text: string;
  try {
    res = await c.fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json', ...c.headers }, body: JSON.stringify({ query: c.query, variables: c.variables }), signal: c.signal });
    text = await res.text();
  } catch (err) {
    if (c.signal?.aborted) throw err;
    return failed(c.domain, thrownFailure(err, c.timeoutMs));
  }
  let body: { data?: { _entities?: (Record<string, unknown> | null)[] | null } | null; errors?: GraphQLErrorShape[] } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!body || typeof body !== 'object') return failed(c.domain, { kind: 'status', status: res.status, body: 'not-json' });
  if (!body.data && !Array.isArray(body.errors)) return failed(c.domain, { kind: 'status', status: res.status, body: 'no-data' });
  // The request failed as a whole: its own code (UNAUTHENTICATED, FORBIDDEN …) if it says one, else the domain is unavailable — as the gateway's data sources decide.
  const code = body.errors?.[0]?.extensions?.code;
  if (!body.data && (!code || code === 'INTERNAL_SERVER_ERROR')) return failed(c.domain, { kind: 'status', status: res.status, body: 'no-data' });
  const errors = (body.errors ?? []).map((e): GraphQLErrorShape => {
    // _entities.0.<domain>.<field>… → person.<domain>.<field>…, as through the gateway.
    const path = e.path && e.path[0] === '_entities' ? ['person', ...e.path.slice(2)] : e.path;
    return { message: e.message, ...(path ? { path } : {}), extensions: { ...e.extensions, domain: e.extensions?.domain ?? c.domain } };
  });
  const entity = body.data?._entities?.[0] ?? null;
  return { data: { person: entity ?? { [c.domain]: null } }, ...(errors.length > 0 ? { errors } : {}) };
}

export interface DirectSourceOptions {
  /** The subgraph of each kind it can read alone (kindOwners); other kinds go to `fallback`. */
  owners: Map<string, KindOwner>;
  /** Reads kinds no subgraph serves alone (the gateway's own data): through the gateway, with its authorization. */
  fallback: PageSource;
  /** Who reads, for the credential: the caller has authorised this reader for `person` already. */
  credential: Omit<InternalCredential, 'person'> & { person: string };
  internalSecret: string;
  /** The POST per subgraph (by subgraph name): DomainCircuits.request in the gateway, so its circuit breakers apply. */
  fetchFor: (subgraph: string) => DomainFetch;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Wraps each direct call, e.g. with retries and backoff. */
  retry?: (call: () => Promise<Answer>) => Promise<Answer>;
}

type PersonData = Record<string, Record<string, unknown> | null>;

/**
 * Reads each kind from the subgraph that owns it (`_entities` with the
 * person's representation) under one signed internal credential, instead of
 * through the gateway's endpoint, which re-shapes every record field by field.
 * For readers that run inside the gateway AFTER the read was authorised (an
 * export job, authorised when it was requested): the credential vouches for
 * exactly that — the actor, the one person — so the subgraphs' own checks
 * apply as for a gateway call. Pages come back in the gateway's shape, so the
 * traversal and everything after it see the same records as through the gateway.
 */
export class DirectSource implements PageSource {
  private readonly signer: CredentialSigner;
  private sent = 0;

  constructor(private readonly opts: DirectSourceOptions) {
    this.signer = new CredentialSigner(opts.internalSecret);
  }

  /** The gateway's signer: once per reader, again near its expiry; fresh when a subgraph says it has expired. */
  private credential(force = false): Promise<string> {
    return this.signer.sign(this.opts.credential, force ? undefined : this);
  }

  private async call(owner: KindOwner, kinds: KindPlan[], variables: Record<string, unknown>, paged: boolean): Promise<Answer> {
    const once = async (force: boolean) =>
      callSubgraph({
        domain: kinds[0]!.domain,
        url: owner.url,
        query: entitiesOperation(kinds, paged),
        variables: { r: [{ __typename: 'Person', id: this.opts.credential.person }], ...variables },
        headers: { [CREDENTIAL_HEADER]: await this.credential(force), [REQUEST_ID_HEADER]: `${this.opts.credential.requestId}-d${++this.sent}` },
        fetch: this.opts.fetchFor(owner.subgraph),
        timeoutMs: this.opts.timeoutMs,
        signal: this.opts.signal,
      });
    const attempt = async () => {
      const answer = await once(false);
      // A credential that expired in flight (a slow page, a clock step): sign a new one and ask again once.
      return answer.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED') ? once(true) : answer;
    };
    return this.opts.retry ? this.opts.retry(attempt) : attempt();
  }

  private ownerOf(k: KindPlan): KindOwner | undefined {
    return this.opts.owners.get(kindKey(k));
  }

  async firstPages(plan: FootprintPlan, personId: string, first: number): Promise<Answer> {
    this.checkPerson(personId);
    const groups = new Map<string, { owner: KindOwner; kinds: KindPlan[] }>();
    const rest: KindPlan[] = [];
    for (const k of plan.kinds) {
      const owner = this.ownerOf(k);
      if (!owner) {
        rest.push(k);
        continue;
      }
      // One call per subgraph and domain (the errors of a call name one domain).
      const g = `${owner.subgraph}\u0000${k.domain}`;
      if (!groups.has(g)) groups.set(g, { owner, kinds: [] });
      groups.get(g)!.kinds.push(k);
    }
    const answers = await Promise.all([
      ...[...groups.values()].map((g) => this.call(g.owner, g.kinds, { first }, false)),
      ...(rest.length > 0 ? [this.opts.fallback.firstPages({ kinds: rest, domains: plan.domains }, personId, first)] : []),
    ]);
    const person: PersonData = {};
    const errors: GraphQLErrorShape[] = [];
    for (const a of answers) {
      errors.push(...(a.errors ?? []));
      const p = (a.data as { person?: PersonData | null } | null | undefined)?.person;
      // Only the gateway's answer can lack the person (a direct one always has it): it refused the whole read, so is this one.
      if (!p) return { data: { person: null }, errors };
      for (const [d, v] of Object.entries(p)) {
        const had = person[d];
        person[d] = v && had ? { ...had, ...v } : (v ?? had ?? null);
      }
    }
    return { data: { person }, ...(errors.length > 0 ? { errors } : {}) };
  }

  async nextPage(kind: KindPlan, personId: string, first: number, after: string | null): Promise<Answer> {
    this.checkPerson(personId);
    const owner = this.ownerOf(kind);
    return owner ? this.call(owner, [kind], { first, after }, true) : this.opts.fallback.nextPage(kind, personId, first, after);
  }

  /** The credential names one person; a reader is never asked for another. */
  private checkPerson(personId: string): void {
    if (personId !== this.opts.credential.person) throw new Error(`This direct reader reads person ${this.opts.credential.person}, not ${personId}`);
  }
}
