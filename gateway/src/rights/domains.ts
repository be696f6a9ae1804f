import { buildDataMap, fail, type DataMapEntry } from '@footprint/schema';
import type { InternalCredential, Logger } from '@footprint/kit';
import type { DomainClient } from '../domains/client.js';
import { discoverableDomains } from '../datamap/discovery.js';
import { schemaFromSupergraph } from '../footprint/plan.js';
import type { DomainReceipt } from './store.js';

/** Scopes the domains' internal rights fields require on the gateway credential (minted only here). */
export const RIGHTS_SCOPES = { erase: 'rights:erase', restrict: 'rights:restrict', consentFeed: 'rights:consent-feed' } as const;

/** The domain that holds the account itself: erased last, since the person is known by it until the end. */
export const ACCOUNT_DOMAIN = 'account';

const RECEIPT = `domain requestId erasedAt replayed kinds { kind action deleted anonymized retained fields ground retainedUntil noticesRecorded filesDeleted }`;
const STATE = `domain restrictions { kind recordId since reason until ground } objections withdrawnConsents`;

export interface KindRestriction {
  kind: string;
  /** Set when only one record is restricted (a contested correction); null for the whole kind. */
  recordId: string | null;
  since: string;
  reason: string;
  until: string | null;
  ground: string;
}
export interface DomainProcessingState {
  domain: string;
  restrictions: KindRestriction[];
  objections: string[];
  withdrawnConsents: string[];
}

/** Who a rights call is made for and by: the requester (person or operator) and the one person. */
/** One consent record of the domain that keeps them, as its feed answers it. */
export interface ConsentFeedChange {
  cursor: string;
  personId: string;
  purpose: string;
  granted: boolean;
  at: string;
  channel: string;
}

export interface Acting {
  actor: string;
  actorType: 'subject' | 'operator';
  person: string;
  requestId: string;
  log: Logger;
  /** The caller's Accept-Language (codes before the person has chosen a language). */
  acceptLanguage?: string;
}

/**
 * The rights side of every domain: which domain owns which kind (from the
 * supergraph's data map, never a list kept here) and the calls to the kit's
 * internal fields (_erase, _restrict, _liftRestriction, _object,
 * _withdrawConsent, _processingState) and to a domain's discovery, each with
 * a short-lived credential naming the one person and the rights scope.
 */
export class RightsDomains {
  readonly entries: DataMapEntry[];
  /** Every domain that can be asked, the account domain last. */
  readonly domains: string[];
  private readonly byKind: Map<string, DataMapEntry>;

  constructor(
    supergraphSdl: string,
    urls: Record<string, string>,
    private readonly client: DomainClient,
  ) {
    const map = buildDataMap(supergraphSdl);
    this.entries = map.entries.filter((e) => e.domain !== 'gateway');
    this.byKind = new Map(this.entries.map((e) => [e.kind, e]));
    const found = discoverableDomains(schemaFromSupergraph(supergraphSdl)).filter((d) => d in urls);
    this.domains = [...found.filter((d) => d !== ACCOUNT_DOMAIN), ...found.filter((d) => d === ACCOUNT_DOMAIN)];
  }

  entry(kind: string): DataMapEntry | undefined {
    return this.byKind.get(kind);
  }

  /** Groups kinds by their owning domain, in erasure order; an unknown kind is BAD_USER_INPUT naming it. */
  group(kinds: string[]): Map<string, string[]> {
    const unknown = kinds.filter((k) => !this.byKind.has(k));
    if (unknown.length) fail('BAD_USER_INPUT', `Unknown kind(s) of data: ${unknown.join(', ')}. The data map (dataMap { entries { kind } }) lists every kind`, { field: 'kinds', unknownKinds: unknown });
    const out = new Map<string, string[]>();
    for (const d of this.domains) {
      const mine = kinds.filter((k) => this.byKind.get(k)!.domain === d);
      if (mine.length) out.set(d, [...new Set(mine)]);
    }
    return out;
  }

  private credential(a: Acting, scope: string): InternalCredential {
    return { actor: a.actor, actorType: a.actorType, person: a.person, scopes: [scope], requestId: a.requestId };
  }

  private call<T>(domain: string, a: Acting, scope: string, query: string, variables: Record<string, unknown>): Promise<T> {
    if (!this.client.url(domain)) fail('NOT_FOUND', `No domain named ${domain}`);
    // Signed once per Acting (one request, or one job) and scope; re-signed when a long job outlives it.
    return this.client.request<T>(domain, query, variables, { credential: this.credential(a, scope), log: a.log, request: a });
  }

  /**
   * `attempt` numbers this call within the job (a cancel up to it refuses it);
   * its deadline is when this gateway stops waiting for the answer, so a call
   * that reaches the domain later (a stopped process, a queue) erases nothing.
   */
  async erase(domain: string, a: Acting, requestId: string, kinds: string[] | null, reason: string | null, attempt: number): Promise<DomainReceipt> {
    const deadline = new Date(Date.now() + this.client.timeoutMs).toISOString();
    const data = await this.call<{ _erase: DomainReceipt }>(
      domain,
      a,
      RIGHTS_SCOPES.erase,
      `mutation($requestId: ID!, $kinds: [String!], $reason: String, $deadline: DateTime, $attempt: Int) { _erase(requestId: $requestId, kinds: $kinds, reason: $reason, deadline: $deadline, attempt: $attempt) { ${RECEIPT} } }`,
      { requestId, kinds, reason, deadline, attempt },
    );
    return data._erase;
  }

  /** What the domain erased under this request id (read back, never inferred from a lost answer); null: nothing. */
  async receipts(domain: string, a: Acting, requestId: string): Promise<DomainReceipt | null> {
    const data = await this.call<{ _erasureReceipts: DomainReceipt | null }>(domain, a, RIGHTS_SCOPES.erase, `query($requestId: ID!) { _erasureReceipts(requestId: $requestId) { ${RECEIPT} } }`, { requestId });
    return data._erasureReceipts;
  }

  /** Refuses the request's attempts up to `upTo` at the domain; answers what it erased before (no kinds: nothing). */
  async cancel(domain: string, a: Acting, requestId: string, upTo: number): Promise<DomainReceipt> {
    const data = await this.call<{ _cancelErasure: DomainReceipt }>(domain, a, RIGHTS_SCOPES.erase, `mutation($requestId: ID!, $upTo: Int!) { _cancelErasure(requestId: $requestId, upTo: $upTo) { ${RECEIPT} } }`, { requestId, upTo });
    return data._cancelErasure;
  }

  /** Every kind the domain erases for these kinds (null: each kind it holds). */
  kindsOf(domain: string, kinds: string[] | null): string[] {
    return kinds ?? this.entries.filter((e) => e.domain === domain).map((e) => e.kind);
  }

  async restrict(domain: string, a: Acting, kinds: string[], reason: string, until: string | null, ground: string): Promise<DomainProcessingState> {
    const data = await this.call<{ _restrict: DomainProcessingState }>(domain, a, RIGHTS_SCOPES.restrict, `mutation($kinds: [String!]!, $reason: String!, $until: DateTime, $ground: String) { _restrict(kinds: $kinds, reason: $reason, until: $until, ground: $ground) { ${STATE} } }`, { kinds, reason, until, ground });
    return data._restrict;
  }

  async lift(domain: string, a: Acting, kinds: string[]): Promise<DomainProcessingState> {
    const data = await this.call<{ _liftRestriction: DomainProcessingState }>(domain, a, RIGHTS_SCOPES.restrict, `mutation($kinds: [String!]!) { _liftRestriction(kinds: $kinds) { ${STATE} } }`, { kinds });
    return data._liftRestriction;
  }

  async object(domain: string, a: Acting, purpose: string, reason: string | null): Promise<DomainProcessingState> {
    const data = await this.call<{ _object: DomainProcessingState }>(domain, a, RIGHTS_SCOPES.restrict, `mutation($purpose: RightsPurpose!, $reason: String) { _object(purpose: $purpose, reason: $reason) { ${STATE} } }`, { purpose, reason });
    return data._object;
  }

  /** `mirrored`: a change copied from the domain that keeps the consent records, with its own time and channel. */
  async withdraw(domain: string, a: Acting, purpose: string, reason: string | null, mirrored?: { at: string; channel: string }): Promise<DomainProcessingState> {
    const data = await this.call<{ _withdrawConsent: DomainProcessingState }>(domain, a, RIGHTS_SCOPES.restrict, `mutation($purpose: Purpose!, $reason: String, $at: DateTime, $channel: String) { _withdrawConsent(purpose: $purpose, reason: $reason, at: $at, channel: $channel) { ${STATE} } }`, { purpose, reason, at: mirrored?.at ?? null, channel: mirrored?.channel ?? null });
    return data._withdrawConsent;
  }

  async give(domain: string, a: Acting, purpose: string, reason: string | null, mirrored?: { at: string; channel: string }): Promise<DomainProcessingState> {
    const data = await this.call<{ _giveConsent: DomainProcessingState }>(domain, a, RIGHTS_SCOPES.restrict, `mutation($purpose: Purpose!, $reason: String, $at: DateTime, $channel: String) { _giveConsent(purpose: $purpose, reason: $reason, at: $at, channel: $channel) { ${STATE} } }`, { purpose, reason, at: mirrored?.at ?? null, channel: mirrored?.channel ?? null });
    return data._giveConsent;
  }

  /** A domain's own consent records after the cursor (empty where the domain keeps none); the credential names no person. */
  async consentChanges(domain: string, a: Omit<Acting, 'person'>, after: string | null, limit: number): Promise<ConsentFeedChange[]> {
    if (!this.client.url(domain)) fail('NOT_FOUND', `No domain named ${domain}`);
    const credential: InternalCredential = { actor: a.actor, actorType: a.actorType, person: null, scopes: [RIGHTS_SCOPES.consentFeed], requestId: a.requestId };
    const data = await this.client.request<{ _consentChanges: ConsentFeedChange[] }>(
      domain,
      `query($after: String, $limit: Int) { _consentChanges(after: $after, limit: $limit) { cursor personId purpose granted at channel } }`,
      { after, limit },
      { credential, log: a.log, request: a },
    );
    return data._consentChanges;
  }

  async state(domain: string, a: Acting): Promise<DomainProcessingState> {
    const data = await this.call<{ _processingState: DomainProcessingState }>(domain, a, RIGHTS_SCOPES.restrict, `{ _processingState { ${STATE} } }`, {});
    return data._processingState;
  }

  /** A domain's discovery counts for the person, per kind (one indexed statement in the domain). */
  async counts(domain: string, a: Acting): Promise<Map<string, number>> {
    const data = await this.call<{ _entities: (Record<string, { discovery: { kinds: { kind: string; count: number }[] } } | null> | null)[] }>(
      domain,
      a,
      RIGHTS_SCOPES.restrict,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${domain} { discovery { kinds { kind count } } } } } }`,
      { r: [{ __typename: 'Person', id: a.person }] },
    );
    const kinds = data._entities?.[0]?.[domain]?.discovery.kinds ?? [];
    return new Map(kinds.map((k) => [k.kind, k.count]));
  }

  /** The person's e-mail address, for the one-time code that confirms their erasure request. */
  async email(a: Acting): Promise<string | null> {
    const data = await this.call<{ _entities: ({ account: { profile: { nodes: { email: string | null }[] } } | null } | null)[] }>(
      ACCOUNT_DOMAIN,
      a,
      RIGHTS_SCOPES.restrict,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { account { profile(first: 1) { nodes { email } } } } } }`,
      { r: [{ __typename: 'Person', id: a.person }] },
    );
    return data._entities?.[0]?.account?.profile.nodes[0]?.email ?? null;
  }
}
