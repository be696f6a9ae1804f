import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { sql } from 'kysely';
import { z } from 'zod';
import { fail } from '@footprint/schema';
import type { Logger } from '@footprint/kit';
import { audit, type GatewayStore } from '../auth/audit.js';
import type { ExportConfig } from '../exports/config.js';
import { initialProgress, type ExportPlan } from '../exports/plan.js';
import type { ExportQueue } from '../exports/queue.js';
import { ExportJobs, type ExportJob } from '../exports/store.js';
import { jobPaths } from '../exports/worker.js';
import { languageFor } from '../preferences/language.js';
import { destroyGrant, StoreAdapter } from './adapter.js';
import type { PortabilityConfig } from './config.js';
import { grantActive, PERIOD_DAYS, PortabilityGrants, type PortabilityGrant } from './grants.js';
import { kindsOf, type ResourceGroup } from './scopes.js';
import type { GrantPeriod, PortabilityKysely } from './store.js';

const DAY_MS = 86_400_000;

/** What an operator registers: a receiving service (another data controller). */
export const ClientInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(120, 'name may be at most 120 characters'),
  redirectUris: z.array(z.string().max(2000)).min(1, 'give at least one redirect URI').max(10, 'at most 10 redirect URIs'),
  contact: z.email({ message: 'contact must be an e-mail address' }).max(254),
  purposes: z.array(z.string().trim().min(1).max(300)).min(1, 'say at least one purpose the service receives the data for').max(10),
  confidential: z.boolean().nullish(),
});
export type ClientInput = z.infer<typeof ClientInput>;

export interface RegisteredClient {
  clientId: string;
  clientSecret: string | null;
  name: string;
  redirectUris: string[];
  contact: string;
  purposes: string[];
  tokenEndpointAuthMethod: string;
}

/** The receiving service as the consent screen and the privacy centre show it. */
export interface ServiceView {
  clientId: string;
  name: string;
  contact: string | null;
  purposes: string[];
  redirectUris: string[];
}

const ClientPayload = z.looseObject({
  client_id: z.string(),
  client_name: z.string().optional(),
  contacts: z.array(z.string()).optional(),
  redirect_uris: z.array(z.string()).optional(),
  footprint_purposes: z.array(z.string()).optional(),
});

/** A redirect URI: https, or (outside production) http on this machine; never a fragment. */
function redirectProblem(uri: string, production: boolean): string | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return `${uri} is not an absolute URL`;
  }
  if (u.hash) return `${uri} has a fragment, which redirect URIs may not have (RFC 6749 §3.1.2)`;
  if (u.protocol === 'https:') return null;
  const local = u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (local && !production) return null;
  return `${uri} must use https${production ? '' : ' (or http on localhost outside production)'}`;
}

export interface ServiceDeps {
  config: PortabilityConfig;
  db: PortabilityKysely;
  store: GatewayStore;
  provider: () => Provider;
  groups: ResourceGroup[];
  plan: ExportPlan;
  exportConfig: ExportConfig;
  queue: ExportQueue;
  logger: Logger;
}

/** Who acted, for the audit log. */
export interface Actor {
  actor: string;
  actorType: string;
  reason: string | null;
  requestId: string;
}

/**
 * The portability API's logic between the authorisation server (provider.ts), the receiving services' REST API
 * (api.ts), the consent screen (consent.ts) and the GraphQL fields (resolvers.ts): registering services, recording
 * consent, starting archive jobs limited to a grant, and revoking.
 */
export class PortabilityService {
  readonly grants: PortabilityGrants;
  readonly jobs: ExportJobs;

  constructor(private readonly deps: ServiceDeps) {
    this.grants = new PortabilityGrants(deps.db);
    this.jobs = new ExportJobs(deps.store);
  }

  get groups(): ResourceGroup[] {
    return this.deps.groups;
  }

  async audit(a: Actor, person: string | null, operation: string, outcome: string): Promise<void> {
    await audit(this.deps.store, { actor: a.actor.slice(0, 256), actorType: a.actorType, person, operation: operation.slice(0, 1024), reason: a.reason, requestId: a.requestId, outcome: outcome.slice(0, 1024) });
  }

  /** Registers a receiving service; its metadata is checked by oidc-provider's own client schema before it is kept. */
  async registerClient(raw: unknown): Promise<RegisteredClient> {
    const parsed = ClientInput.safeParse(raw);
    if (!parsed.success) fail('BAD_USER_INPUT', parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), { field: String(parsed.error.issues[0]?.path[0] ?? 'input') });
    const input = parsed.data;
    const problems = input.redirectUris.map((u) => redirectProblem(u, this.deps.config.production)).filter((p): p is string => p !== null);
    if (problems.length) fail('BAD_USER_INPUT', problems.join('; '), { field: 'redirectUris' });
    const confidential = input.confidential ?? true;
    const clientId = `svc_${randomBytes(12).toString('base64url')}`;
    const clientSecret = confidential ? randomBytes(32).toString('base64url') : null;
    const metadata: ClientMetadata & { footprint_purposes: string[] } = {
      client_id: clientId,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      client_name: input.name,
      redirect_uris: input.redirectUris,
      contacts: [input.contact],
      footprint_purposes: input.purposes,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
      scope: ['openid', ...this.deps.groups.map((g) => g.scope)].join(' '),
    };
    const provider = this.deps.provider();
    try {
      await provider.Client.validate(metadata);
    } catch (err) {
      fail('BAD_USER_INPUT', `The service's registration is not valid: ${(err as { error_description?: string; message: string }).error_description ?? (err as Error).message}`);
    }
    await new StoreAdapter('Client', this.deps.db).upsert(clientId, metadata, undefined);
    return { clientId, clientSecret, name: input.name, redirectUris: input.redirectUris, contact: input.contact, purposes: input.purposes, tokenEndpointAuthMethod: String(metadata.token_endpoint_auth_method) };
  }

  async service(clientId: string): Promise<ServiceView | null> {
    const raw = await new StoreAdapter('Client', this.deps.db).find(clientId);
    const p = ClientPayload.safeParse(raw);
    if (!p.success) return null;
    return { clientId, name: p.data.client_name ?? clientId, contact: p.data.contacts?.[0] ?? null, purposes: p.data.footprint_purposes ?? [], redirectUris: p.data.redirect_uris ?? [] };
  }

  /** Records a person's consent: the provider's Grant (its tokens hang from it) and Footprint's own row, in that order. */
  async grant(input: { person: string; clientId: string; clientName: string; scopes: string[]; period: GrantPeriod; windowStart: string | null; windowEnd: string | null }, actor: Actor): Promise<PortabilityGrant> {
    const days = PERIOD_DAYS[input.period];
    const ttl = days === null ? this.deps.config.oneTimeTtlSeconds : days * 86_400;
    const provider = this.deps.provider();
    const grant = new provider.Grant({ accountId: input.person, clientId: input.clientId, expiresIn: ttl } as ConstructorParameters<typeof provider.Grant>[0]);
    // Without resource indicators, oidc-provider keeps every scope of a code grant in its "openid" part.
    grant.addOIDCScope(input.scopes.join(' '));
    const id = await grant.save();
    const now = new Date();
    const row = {
      id,
      personId: input.person,
      clientId: input.clientId,
      clientName: input.clientName,
      scopes: input.scopes,
      kinds: kindsOf(this.deps.groups, input.scopes),
      period: input.period,
      windowStart: input.windowStart,
      windowEnd: input.windowEnd,
      grantedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(),
    };
    await this.grants.create(row);
    await this.audit(actor, input.person, `portability grant ${id} to ${input.clientId} (${input.clientName}): ${input.scopes.join(' ')}, ${input.period}, window ${input.windowStart ?? '-'}..${input.windowEnd ?? '-'}`, 'granted');
    return (await this.grants.get(id))!;
  }

  /** Whether tokens of this grant include refresh tokens: period grants only. */
  async issuesRefreshTokens(grantId: string): Promise<boolean> {
    const g = await this.grants.get(grantId);
    return g !== null && g.period !== 'ONE_TIME';
  }

  /**
   * Starts an archive job for a grant on the export machinery, limited to the granted kinds of the resources asked
   * (all granted ones by default) and to the grant's window, narrowed by the request's own. A one-time grant runs one job.
   */
  async startJob(g: PortabilityGrant, kinds: string[], window: { start: string | null; end: string | null }, actor: Actor): Promise<ExportJob> {
    if (g.period === 'ONE_TIME' && !(await this.grants.markUsed(g.id))) {
      throw new ApiRefusal(403, 'access_denied', 'This one-time authorisation has already been used for an archive job; ask the person again');
    }
    const since = new Date(Date.now() - DAY_MS).toISOString();
    if ((await this.grants.jobsStartedSince(g.id, since)) >= this.deps.config.jobsPerDay) {
      throw new ApiRefusal(429, 'too_many_requests', `At most ${this.deps.config.jobsPerDay} archive jobs a day per authorisation`);
    }
    const id = randomUUID();
    const plan = this.deps.plan;
    const progress = initialProgress(plan);
    progress.kinds = progress.kinds.filter((k) => kinds.includes(k.kind));
    const now = new Date().toISOString();
    // The archive's texts (index.html, processing.json, CSV headers) in the person's chosen language, if any:
    // the data is theirs, and they may read what the service received; no request of theirs to negotiate from.
    const language = await languageFor(g.personId, null);
    try {
      await this.deps.db
        .insertInto('exportJob')
        .values({
          id,
          personId: g.personId,
          requestedBy: `client:${g.clientId}`,
          requesterType: 'subject',
          reason: null,
          allowPartial: 0,
          state: 'QUEUED',
          createdAt: now,
          startedAt: null,
          finishedAt: null,
          heartbeatAt: null,
          worker: null,
          runs: 0,
          progress: JSON.stringify(progress),
          error: null,
          archiveBytes: null,
          archiveSha256: null,
          records: null,
          expiresAt: null,
          portabilityGrant: g.id,
          onlyKinds: JSON.stringify(kinds),
          windowStart: window.start,
          windowEnd: window.end,
          language,
          timeZone: null,
          sinceJobId: null,
          sinceRequested: null,
          scheduleId: null,
          baseline: 0,
          kinds: null,
        })
        .execute();
    } catch (err) {
      if (/unique|duplicate key/i.test(String((err as Error).message))) throw new ApiRefusal(409, 'conflict', 'An archive job of this authorisation is already running; wait for it to finish');
      throw err;
    }
    await this.grants.recordTransfer({ jobId: id, grantId: g.id, personId: g.personId, clientId: g.clientId, kinds, windowStart: window.start, windowEnd: window.end, startedAt: now });
    await this.audit(actor, g.personId, `portability archive job ${id} for ${g.clientId} (${g.clientName}) under grant ${g.id}: ${kinds.join(', ')}; window ${window.start ?? '-'}..${window.end ?? '-'}`, 'started');
    try {
      await this.deps.queue.enqueue(id);
    } catch (err) {
      this.deps.logger.error({ err, job: id }, 'portability job could not be queued');
      await this.jobs.fail(id, null, { code: 'QUEUE_UNAVAILABLE', message: 'The archive job could not be queued; try again later', domain: null });
    }
    return (await this.jobs.get(id))!;
  }

  /**
   * Revokes a grant: Footprint's row first (every check reads it), then every token and code the provider issued
   * under it, then the grant's jobs — a running one stops at its next page, and its files go — and its archives.
   */
  async revoke(grantId: string, by: 'PERSON' | 'SERVICE' | 'ERASURE', actor: Actor): Promise<boolean> {
    const g = await this.grants.get(grantId);
    if (!g) return false;
    const first = await this.grants.revoke(grantId, by);
    await destroyGrant(this.deps.db, grantId);
    const jobs = await this.deps.db.selectFrom('exportJob').select(['id', 'state']).where('portabilityGrant', '=', grantId).execute();
    for (const j of jobs) {
      if (j.state === 'QUEUED' || j.state === 'RUNNING') {
        await this.jobs.cancel(j.id);
        await this.deps.queue.cancelled(j.id).catch(() => undefined);
      } else if (j.state === 'SUCCEEDED') {
        // The service's copies are no longer its to fetch; the person has their own export for themselves.
        await rm(jobPaths(this.deps.exportConfig.dir, j.id).archive, { force: true });
        await this.deps.db.updateTable('exportJob').set({ state: 'EXPIRED' }).where('id', '=', j.id).where('state', '=', 'SUCCEEDED').execute();
      }
    }
    await this.audit(actor, g.personId, `portability revoke grant ${grantId} of ${g.clientId} (${g.clientName}) by ${by.toLowerCase()}`, first ? `revoked; ${jobs.length} job(s) stopped or withdrawn` : 'already revoked');
    return first;
  }

  /** The grant, if it may still be used: not revoked, not ended, and its person's account not erased (then it is revoked). */
  async activeGrant(grantId: string): Promise<PortabilityGrant | null> {
    const g = await this.grants.get(grantId);
    if (!g || !grantActive(g)) return null;
    const erased = await sql<{ personId: string }>`select person_id from erased_account where person_id = ${g.personId}`.execute(this.deps.db);
    if (erased.rows.length > 0) {
      await this.revoke(g.id, 'ERASURE', { actor: 'gateway', actorType: 'system', reason: null, requestId: `erasure-${g.personId}` });
      return null;
    }
    return g;
  }
}

/** A refusal of the receiving services' API: an HTTP status and an OAuth error code (RFC 6750 §3.1 where it applies). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly scope?: string,
  ) {
    super(message);
  }
}
