import { fail, footprintError, Purpose } from '@footprint/schema';
import type { Logger } from '@footprint/kit';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { DomainUnavailable } from '../domains/errors.js';
import type { ExportQueue } from '../exports/queue.js';
import type { ErasureCodes, PendingCode } from './code.js';
import type { Acting, DomainProcessingState, KindRestriction, RightsDomains } from './domains.js';
import { erasureOf } from './erasure.js';
import type { DomainReceipt, ErasureJob, ErasureJobs, ErasureProgress } from './store.js';

/** Who asks: the person themself, or an operator (scope and reason checked, audited, before this is called). */
export interface Requester {
  actor: string;
  actorType: 'subject' | 'operator';
  /** The operator's recorded reason (X-Footprint-Reason). */
  reason: string | null;
  requestId: string;
  log: Logger;
  /** The caller's Accept-Language, for the code's text before the person has chosen a language. */
  acceptLanguage?: string;
}

export const RIGHTS_PURPOSES = ['AD_PROFILING', 'DIRECT_MARKETING'] as const;
export type RightsPurpose = (typeof RIGHTS_PURPOSES)[number];
/** Grounds a restriction can be asked on; LEGAL_HOLD and OBJECTION are set by erasure and objection themselves. */
export const REQUESTABLE_GROUNDS = ['PERSON_REQUEST', 'CONTESTED_ACCURACY'] as const;

const KindName = z.string().regex(/^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$/, 'a kind is <domain>.<name>, as the data map lists it');
const Reason = z.string().trim().max(1000, 'a reason has at most 1,000 characters');
const Kinds = z.array(KindName).min(1, 'name at least one kind (omit kinds to erase the whole account)').max(200);

export const ErasureInput = z.object({
  kinds: Kinds.nullish(),
  reason: Reason.nullish(),
  confirmationId: z.string().uuid('confirmationId is the id requestErasureCode returned').nullish(),
  code: z.string().trim().max(20).nullish(),
});
export type ErasureInput = z.infer<typeof ErasureInput>;
export const RestrictInput = z.object({
  kinds: z.array(KindName).min(1, 'name at least one kind').max(200),
  reason: Reason.min(1, 'say why the processing should be restricted'),
  until: z.iso.datetime({ offset: true, message: 'until is an ISO-8601 date-time' }).nullish(),
  ground: z.enum(REQUESTABLE_GROUNDS).nullish(),
});
export type RestrictInput = z.infer<typeof RestrictInput>;
export const LiftInput = z.object({ kinds: z.array(KindName).min(1, 'name at least one kind').max(200) });
export type LiftInput = z.infer<typeof LiftInput>;
export const ObjectInput = z.object({ purpose: z.enum(RIGHTS_PURPOSES), reason: Reason.nullish() });
export type ObjectInput = z.infer<typeof ObjectInput>;
export const WithdrawInput = z.object({ purpose: z.enum(Purpose.values), reason: Reason.nullish() });
export type WithdrawInput = z.infer<typeof WithdrawInput>;

export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), { field: String(r.error.issues[0]?.path[0] ?? 'input') });
  return r.data;
}

/** A job with the receipts the domains gave for it (what was erased, anonymised and kept, and why). */
export interface ErasureOutcome {
  job: ErasureJob;
  receipts: (DomainReceipt & { verified: Record<string, number>; recordedAt: string })[];
}

/** The merged processing state of one person across every domain. */
export interface ProcessingState {
  restrictions: (KindRestriction & { domain: string })[];
  objections: string[];
  withdrawnConsents: string[];
  domains: DomainProcessingState[];
  unavailableDomains: string[];
}

/**
 * The rights feature's API, used by the GraphQL resolvers and by anything
 * else in the gateway that needs it (e.g. privacy requests): start an erasure
 * job and read its outcome, restrict / lift, object, withdraw consent, read
 * the processing state. Every check of the input is made before anything is
 * changed; callers authorise first (a person for themself; an operator with
 * the scope and a reason, audited).
 */
export class RightsService {
  readonly codes: ErasureCodes;
  /** One rights request per person at a time in this gateway: a concurrent one is CONFLICT. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly jobs: ErasureJobs,
    private readonly domains: RightsDomains,
    private readonly queue: ExportQueue,
    codes: ErasureCodes,
  ) {
    this.codes = codes;
  }

  private acting(person: string, r: Requester): Acting {
    return { actor: r.actor, actorType: r.actorType, person, requestId: r.requestId, log: r.log, acceptLanguage: r.acceptLanguage };
  }

  private reasonOf(given: string | null | undefined, r: Requester): string | null {
    const own = given?.trim() || null;
    if (r.actorType !== 'operator') return own;
    // The operator's audited reason is always kept with the request.
    return own && own !== r.reason ? `${r.reason} — ${own}` : r.reason;
  }

  private async exclusive<T>(person: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy.has(person)) fail('CONFLICT', `Another request about person ${person}'s processing is being carried out; try again when it has finished`);
    this.busy.add(person);
    try {
      return await fn();
    } finally {
      this.busy.delete(person);
    }
  }

  private async notErased(person: string): Promise<void> {
    const erased = await this.jobs.erased(person);
    if (erased) fail('CONFLICT', `The account ${person} was erased on ${erased.erasedAt} (job ${erased.jobId}); nothing is processed for it any more`, { jobId: erased.jobId });
  }

  private async noActiveErasure(person: string): Promise<void> {
    const [latest] = await this.jobs.listForPerson(person, 1);
    if (latest && (latest.state === 'QUEUED' || latest.state === 'RUNNING')) fail('CONFLICT', `An erasure for person ${person} is ${latest.state} (job ${latest.id}); wait for it to finish`, { jobId: latest.id });
  }

  /**
   * The kinds a request names, by owning domain: an unknown kind is
   * BAD_USER_INPUT naming it, and so, for an erasure, is a kind kept by law.
   * Privacy requests check their kinds with this when they are received.
   */
  checkKinds(kinds: string[], right: 'erase' | 'restrict'): Map<string, string[]> {
    const byDomain = this.domains.group(kinds);
    const retained = right === 'erase' ? kinds.filter((k) => erasureOf(this.domains.entry(k)!).action === 'RETAIN') : [];
    if (retained.length) {
      const why = retained.map((k) => {
        const e = erasureOf(this.domains.entry(k)!);
        return `${k} (${e.note ?? 'kept under a legal obligation'}${e.retainFrom ? `, from ${e.retainFrom}` : ''})`;
      });
      fail('BAD_USER_INPUT', `These kinds are kept by law and cannot be erased on request: ${why.join('; ')}. They are restricted (not processed further) once the account is erased`, { field: 'kinds', reason: 'RETAINED', retainedKinds: retained });
    }
    return byDomain;
  }

  /** Sends the one-time code that confirms a person's own erasure request. */
  async requestErasureCode(person: string, r: Requester): Promise<PendingCode> {
    await this.notErased(person);
    try {
      return await this.codes.issue(this.acting(person, r));
    } catch (err) {
      // The e-mail address may be gone with the part of an erasure already done: finishing that needs no new code.
      const [latest] = await this.jobs.listForPerson(person, 1);
      if (latest?.state !== 'FAILED' || !(err instanceof GraphQLError) || err.extensions.code !== 'BAD_USER_INPUT') throw err;
      throw footprintError('BAD_USER_INPUT', `${err.message}. Your erasure ${latest.id} stopped before it finished: ask for it again (requestErasure with the same kinds, no code needed) to finish it`, { ...err.extensions, jobId: latest.id });
    }
  }

  /**
   * Starts an erasure job: `kinds` null/omitted = the whole account (every
   * domain, the account domain last; afterwards the person's tokens are
   * refused). `requireCode`: the person's own request must carry the one-time
   * code. Repeating an erasure that already SUCCEEDED (the whole account, or
   * the same kinds with nothing left to delete) returns that job and its
   * receipts unchanged.
   */
  async startErasure(person: string, r: Requester, rawInput: unknown, opts: { requireCode: boolean }): Promise<ErasureJob> {
    const input = parseInput(ErasureInput, rawInput);
    const kinds = input.kinds ? [...new Set(input.kinds)].sort() : null;
    let byDomain: Map<string, string[]> | null = null;
    if (kinds) {
      byDomain = this.checkKinds(kinds, 'erase');
    }
    const erased = await this.jobs.erased(person);
    if (erased) {
      if (kinds === null) return (await this.jobs.get(erased.jobId))!;
      fail('CONFLICT', `The account ${person} was erased on ${erased.erasedAt} (job ${erased.jobId})`, { jobId: erased.jobId });
    }
    await this.noActiveErasure(person);
    const previous = await this.sameSucceeded(person, kinds, byDomain, r);
    if (previous) return previous;
    const unfinished = await this.sameFailed(person, kinds);
    if (unfinished) return this.finish(unfinished, r);
    if (opts.requireCode) {
      if (!input.confirmationId || !input.code) fail('BAD_USER_INPUT', 'Confirm the erasure with the one-time code: call requestErasureCode, then pass confirmationId and code', { field: 'code' });
      await this.codes.verify(person, input.confirmationId, input.code);
    }
    const progress: ErasureProgress = {
      exportJob: null,
      domains: kinds === null ? this.domains.domains.map((d) => ({ domain: d, kinds: null, status: 'PENDING', attempts: 0, error: null, untouched: false })) : [...byDomain!].map(([d, ks]) => ({ domain: d, kinds: ks, status: 'PENDING', attempts: 0, error: null, untouched: false })),
    };
    const job = await this.jobs.create({ personId: person, requestedBy: r.actor, requesterType: r.actorType, reason: this.reasonOf(input.reason, r), kinds, progress });
    await this.enqueue(job.id, r);
    r.log.info({ erasure: job.id, person, kinds: kinds ?? 'whole account' }, 'erasure requested');
    return job;
  }

  /** Puts the job on the queue; a queue that cannot take it FAILS the job (nothing was erased) and says so. */
  private async enqueue(jobId: string, r: Requester): Promise<void> {
    try {
      await this.queue.enqueue(jobId);
    } catch (err) {
      r.log.error({ err, erasure: jobId }, 'erasure could not be queued');
      await this.jobs.fail(jobId, null, { code: 'QUEUE_UNAVAILABLE', message: 'The erasure could not be queued; please ask again later', domain: null });
      throw footprintError('INTERNAL_SERVER_ERROR', 'The erasure could not be queued; please ask again later');
    }
  }

  /** The latest SUCCEEDED erasure of exactly these kinds, if every kind it deleted is still empty (a repeat is then a no-op). */
  private async sameSucceeded(person: string, kinds: string[] | null, byDomain: Map<string, string[]> | null, r: Requester): Promise<ErasureJob | null> {
    if (kinds === null || !byDomain) return null;
    const key = JSON.stringify(kinds);
    const done = (await this.jobs.listForPerson(person, 20)).find((j) => j.state === 'SUCCEEDED' && JSON.stringify(j.kinds) === key);
    if (!done) return null;
    const a = this.acting(person, r);
    for (const [domain, ks] of byDomain) {
      const counts = await this.domains.counts(domain, a).catch(() => null);
      if (!counts) return null;
      for (const k of ks) if (erasureOf(this.domains.entry(k)!).action === 'DELETE' && (counts.get(k) ?? 0) > 0) return null;
    }
    return done;
  }

  /** The latest erasure of the person, if it is of exactly these kinds and FAILED: asking again finishes that job. */
  private async sameFailed(person: string, kinds: string[] | null): Promise<ErasureJob | null> {
    const [latest] = await this.jobs.listForPerson(person, 1);
    return latest?.state === 'FAILED' && JSON.stringify(latest.kinds) === JSON.stringify(kinds) ? latest : null;
  }

  /**
   * Queues a FAILED erasure again under its own id (the domains' request id),
   * so what any domain did under it is adopted, not erased again as a new
   * request with nothing left (`deleted: 0`). It was confirmed when it was
   * started: no new code is asked (the e-mail address may be gone with it).
   */
  private async finish(job: ErasureJob, r: Requester): Promise<ErasureJob> {
    if (!(await this.jobs.reopen(job.id))) fail('CONFLICT', `The erasure ${job.id} cannot be asked again now; look at its state and try again`, { jobId: job.id });
    await this.enqueue(job.id, r);
    r.log.info({ erasure: job.id, person: job.personId }, 'failed erasure asked again: it resumes under its own id');
    return (await this.jobs.get(job.id))!;
  }

  /** Only a QUEUED erasure can be cancelled: once a domain may have erased, it runs to its end. */
  async cancelErasure(jobId: string): Promise<ErasureJob> {
    const job = await this.jobs.get(jobId);
    if (!job) fail('NOT_FOUND', `No erasure job ${jobId}`);
    if (!(await this.jobs.cancel(jobId))) fail('CONFLICT', `The erasure is already ${job.state}; only a QUEUED erasure can be cancelled`, { state: job.state });
    await this.queue.cancelled(jobId);
    return (await this.jobs.get(jobId))!;
  }

  async erasureOutcome(jobId: string): Promise<ErasureOutcome | null> {
    const job = await this.jobs.get(jobId);
    if (!job) return null;
    return { job, receipts: await this.jobs.receipts(jobId) };
  }

  erasures(person: string, limit = 10): Promise<ErasureJob[]> {
    return this.jobs.listForPerson(person, limit);
  }

  isErased(person: string): Promise<{ erasedAt: string; jobId: string } | null> {
    return this.jobs.erased(person);
  }

  /** Every domain's state, read in parallel; a domain that cannot answer is listed as unavailable. */
  async processingState(person: string, r: Requester): Promise<ProcessingState> {
    const a = this.acting(person, r);
    const answers = await Promise.all(this.domains.domains.map(async (d) => ({ d, s: await this.domains.state(d, a).catch((err: unknown) => (err instanceof DomainUnavailable ? null : Promise.reject(err))) })));
    const domains = answers.flatMap((x) => (x.s ? [x.s] : []));
    return {
      restrictions: domains.flatMap((s) => s.restrictions.map((k) => ({ ...k, domain: s.domain }))),
      objections: [...new Set(domains.flatMap((s) => s.objections))].sort(),
      withdrawnConsents: [...new Set(domains.flatMap((s) => s.withdrawnConsents))].sort(),
      domains,
      unavailableDomains: answers.filter((x) => !x.s).map((x) => x.d),
    };
  }

  /** Every listed domain's state, or SUBGRAPH_UNAVAILABLE naming the ones that cannot answer (then nothing is changed). */
  private async preflight(domains: string[], a: Acting): Promise<Map<string, DomainProcessingState>> {
    const out = new Map<string, DomainProcessingState>();
    const down: string[] = [];
    await Promise.all(
      domains.map(async (d) => {
        try {
          out.set(d, await this.domains.state(d, a));
        } catch (err) {
          if (!(err instanceof DomainUnavailable)) throw err;
          down.push(d);
        }
      }),
    );
    if (down.length) fail('SUBGRAPH_UNAVAILABLE', `Nothing was changed: the ${down.sort().join(', ')} domain(s) cannot be reached now; try again later`, { domain: down[0], domains: down });
    return out;
  }

  /** Restricts processing of the kinds (Art. 18) in their owning domains; all or nothing. */
  async restrict(person: string, r: Requester, rawInput: unknown): Promise<ProcessingState> {
    const input = parseInput(RestrictInput, rawInput);
    if (input.until && Date.parse(input.until) <= Date.now()) fail('BAD_USER_INPUT', `until (${input.until}) is in the past: a restriction must end in the future, or leave until out`, { field: 'until' });
    const byDomain = this.checkKinds(input.kinds, 'restrict');
    const until = input.until ? new Date(input.until).toISOString() : null;
    return this.exclusive(person, async () => {
      await this.notErased(person);
      await this.noActiveErasure(person);
      const a = this.acting(person, r);
      const before = await this.preflight([...byDomain.keys()], a);
      const already = [...byDomain].flatMap(([d, ks]) => ks.filter((k) => before.get(d)!.restrictions.some((x) => x.kind === k && !x.recordId)));
      if (already.length) fail('CONFLICT', `Already restricted: ${already.join(', ')}. Lift the restriction first to change it`, { field: 'kinds', restrictedKinds: already });
      const done: [string, string[]][] = [];
      try {
        for (const [d, ks] of byDomain) {
          await this.domains.restrict(d, a, ks, this.reasonOf(input.reason, r) ?? input.reason, until, input.ground ?? 'PERSON_REQUEST');
          done.push([d, ks]);
        }
      } catch (err) {
        // All or nothing: the domains that restricted are lifted again (these kinds were not restricted before).
        for (const [d, ks] of done) await this.domains.lift(d, a, ks).catch((e: unknown) => r.log.error({ err: e, domain: d }, 'restriction could not be rolled back'));
        throw relay(err);
      }
      return this.processingState(person, r);
    });
  }

  /** Lifts the person's own restrictions of these kinds; a legal hold cannot be lifted on request. */
  async liftRestriction(person: string, r: Requester, rawInput: unknown): Promise<ProcessingState> {
    const input = parseInput(LiftInput, rawInput);
    const byDomain = this.domains.group(input.kinds);
    return this.exclusive(person, async () => {
      await this.notErased(person);
      const a = this.acting(person, r);
      const before = await this.preflight([...byDomain.keys()], a);
      const found = [...byDomain].flatMap(([d, ks]) => ks.map((k) => ({ k, x: before.get(d)!.restrictions.find((x) => x.kind === k && !x.recordId) })));
      const missing = found.filter((f) => !f.x).map((f) => f.k);
      if (missing.length) fail('BAD_USER_INPUT', `Not restricted: ${missing.join(', ')}`, { field: 'kinds', kinds: missing });
      const held = found.filter((f) => f.x!.ground === 'LEGAL_HOLD');
      if (held.length) fail('FORBIDDEN', `Kept under a legal hold, which cannot be lifted on request: ${held.map((f) => `${f.k}${f.x!.until ? ` (until ${f.x!.until})` : ''}`).join(', ')}`, { field: 'kinds' });
      for (const [d, ks] of byDomain) {
        try {
          await this.domains.lift(d, a, ks);
        } catch (err) {
          throw relay(err);
        }
      }
      return this.processingState(person, r);
    });
  }

  /** Objection (Art. 21) to ad profiling or direct marketing: absolute, in every domain. */
  async object(person: string, r: Requester, rawInput: unknown): Promise<ProcessingState> {
    const input = parseInput(ObjectInput, rawInput);
    return this.everyDomain(person, r, 'objections', input.purpose, `You already object to ${input.purpose}`, (d, a) => this.domains.object(d, a, input.purpose, this.reasonOf(input.reason, r)));
  }

  /** Withdraws a consent (Art. 7(3)): processing based on it stops everywhere, and the account records the withdrawal. */
  async withdrawConsent(person: string, r: Requester, rawInput: unknown): Promise<ProcessingState> {
    const input = parseInput(WithdrawInput, rawInput);
    const based = this.domains.entries.filter((e) => e.legalBasis === 'CONSENT' && e.purposes.includes(input.purpose as Purpose));
    if (based.length === 0) {
      const possible = [...new Set(this.domains.entries.filter((e) => e.legalBasis === 'CONSENT').flatMap((e) => e.purposes))].sort();
      fail('BAD_USER_INPUT', `Nothing is processed for ${input.purpose} on the basis of consent, so there is no consent to withdraw; consents can be withdrawn for: ${possible.join(', ')}`, { field: 'purpose' });
    }
    return this.everyDomain(person, r, 'withdrawnConsents', input.purpose, `Your consent for ${input.purpose} is already withdrawn`, (d, a) => this.domains.withdraw(d, a, input.purpose, this.reasonOf(input.reason, r)));
  }

  /** Gives a withdrawn consent again (Art. 7(3)) in every domain where it is withdrawn; each domain keeps the change as proof. */
  async giveConsent(person: string, r: Requester, rawInput: unknown): Promise<ProcessingState> {
    const input = parseInput(WithdrawInput, rawInput);
    return this.everyDomain(person, r, 'withdrawnConsents', input.purpose, `Your consent for ${input.purpose} is not withdrawn`, (d, a) => this.domains.give(d, a, input.purpose, this.reasonOf(input.reason, r)), false);
  }

  /**
   * Applies one objection, withdrawal or consent given again in every domain, the account domain
   * last. Every domain is asked first whether it can answer, so a domain that
   * is down refuses the request before anything is changed.
   */
  private async everyDomain(
    person: string,
    r: Requester,
    field: 'objections' | 'withdrawnConsents',
    purpose: string,
    repeated: string,
    apply: (domain: string, a: Acting) => Promise<DomainProcessingState>,
    /** true: apply where the purpose is not yet in `field` (object, withdraw); false: where it is (consent given again). */
    adds = true,
  ): Promise<ProcessingState> {
    return this.exclusive(person, async () => {
      await this.notErased(person);
      await this.noActiveErasure(person);
      const a = this.acting(person, r);
      const before = await this.preflight(this.domains.domains, a);
      const done = (s: DomainProcessingState) => s[field].includes(purpose) === adds;
      if ([...before.values()].every(done)) fail('CONFLICT', repeated, { field: 'purpose' });
      for (const d of this.domains.domains) {
        if (done(before.get(d)!)) continue;
        try {
          await apply(d, a);
        } catch (err) {
          throw relay(err, ' It is in force in the domains before it; asking again completes it.');
        }
      }
      return this.processingState(person, r);
    });
  }
}

/** A domain that cannot be reached is SUBGRAPH_UNAVAILABLE naming it; a domain's own refusal keeps its code. */
function relay(err: unknown, more = ''): Error {
  if (err instanceof DomainUnavailable) return footprintError('SUBGRAPH_UNAVAILABLE', `${err.message}.${more}`, { domain: err.domain });
  return err instanceof Error ? err : new Error(String(err));
}
