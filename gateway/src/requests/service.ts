import { createTranslator, type MessageKey, type MessageValues, type Translator } from '@footprint/i18n';
import { languageFor } from '../preferences/language.js';
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { addDuration, fail } from '@footprint/schema';
import { GraphQLError } from 'graphql';
import { EmailAddress, maskEmail, maskPhone, PhoneE164, type Logger } from '@footprint/kit';
import { refuseOverLimit, type CodeLimits, type CodeSubject } from '../codes/limits.js';
import type { GatewayContext } from '../context.js';
import { DAY_MS, dueAfter, localDate, startOfLocalDay, type Clock } from './clock.js';
import type { ContactLookup } from './contact.js';
import type { CompletionInput } from './drivers/driver.js';
import type { DriverRegistry } from './drivers/registry.js';
import {
  ALLOWED_FROM,
  COMPLAINT_RIGHT,
  isOpen,
  type Actor,
  type Channel,
  type PrivacyRequest,
  type RefusalGround,
  type Relationship,
  type Representative,
  type RequestScope,
  type RequestState,
  type RequestType,
  type TransitionProblem,
} from './model.js';
import type { Messenger } from './notify.js';
import type { NewEvent, PrivacyRequestStore, RequestChanges } from './store.js';

export interface ServiceOptions {
  store: PrivacyRequestStore;
  clock: Clock;
  drivers: DriverRegistry;
  messenger: Messenger;
  contacts: ContactLookup;
  logger: Logger;
  /** Signs the verification codes' hashes. */
  secret: string;
  repeatWindowDays: number;
  /** The controller's time zone: "received on" and due days are calendar days here. */
  timeZone: string;
  /** Receipt dates older than this many days, or before the service started (YYYY-MM-DD), are refused. */
  maxReceiptAgeDays: number;
  serviceStart: string;
  codeTtlSeconds: number;
  codeMaxAttempts: number;
  /** Sends and checks per request and per person over time, whichever code is current. */
  limits: CodeLimits;
  /** How long a person's requests are held after their account's first erasure (gateway.privacy_request's retainFor, an ISO 8601 duration). */
  erasureHold: string;
}

/** The outcome of closing and holding an erased person's requests. */
export interface ErasedAccountRequests {
  closed: string[];
  held: number;
  heldUntil: string;
}

export interface NewWrittenRequest {
  type: RequestType;
  channel: Exclude<Channel, 'PRIVACY_CENTRE'>;
  /** When the written request arrived (defaults to now); the clock runs from it. */
  receivedAt: Date | null;
  /** Or the calendar day it arrived (YYYY-MM-DD) in the controller's time zone, as the desk enters it. */
  receivedOn?: string | null;
  originalText: string;
  details: string | null;
  scope?: RequestScope;
  /** Made on the person's behalf: who, in what capacity, how to reach them, and what proof of authority was checked. */
  onBehalf?: { name: string; relationship: Relationship; contact: string; authorityChecked: string } | null;
}

/** Whose codes a request's are: its own, and its person's (counted across all their requests and erasures). */
const codeSubject = (req: PrivacyRequest): CodeSubject => ({ request: `request:${req.id}`, person: req.personId });

function problem(code: 'CONFLICT' | 'BAD_USER_INPUT', reason: TransitionProblem, message: string, extra: Record<string, unknown> = {}): never {
  fail(code, message, { reason, ...extra });
}

/** A representative's contact: the same rules the account holds e-mail addresses and phone numbers to. */
const isEmail = (s: string) => EmailAddress.safeParse(s).success;
const isPhone = (s: string) => PhoneE164.safeParse(s).success;

/** A line of a notice: a catalogue message with its values, or someone's own words sent as written. */
type NoticeLine = readonly [MessageKey, MessageValues?] | string;

/** Values that are instants are told as days in the person's language; a request type in its words. */
function dated(t: Translator, values: MessageValues | undefined): MessageValues | undefined {
  if (!values) return values;
  const out: MessageValues = { ...values };
  for (const key of ['received', 'due', 'was'] as const) {
    const v = values[key];
    if (typeof v === 'string') out[key] = t.date(v, 'date');
  }
  if (typeof values.type === 'string') out.type = t.t('notices.request.type', { type: values.type });
  return out;
}

/**
 * The lifecycle of privacy requests: receipt, identity verification, the
 * work, the legal clock, and the answer. Every change is one transition,
 * checked against the request's state (ALLOWED_FROM), applied with its
 * timeline entry in one transaction, and told to the person. A transition
 * that is not allowed is a coded error and writes nothing.
 */
export class PrivacyRequestService {
  constructor(private readonly o: ServiceOptions) {}

  get store(): PrivacyRequestStore {
    return this.o.store;
  }

  now(): Date {
    return this.o.clock.now();
  }

  async get(id: string): Promise<PrivacyRequest | null> {
    return this.o.store.get(id);
  }

  async require(id: string): Promise<PrivacyRequest> {
    const req = await this.o.store.get(id);
    if (!req) fail('NOT_FOUND', `No privacy request ${id}`);
    return req;
  }

  // ---------------------------------------------------------------- receipt

  /** The signed-in person asks in the privacy centre: verified by their sign-in, and started at once unless it repeats a recent one. */
  async submit(personId: string, type: RequestType, details: string | null, scope: RequestScope = {}, acceptLanguage?: string): Promise<PrivacyRequest> {
    const actor: Actor = { id: personId, type: 'subject', acceptLanguage };
    if (this.o.drivers.for(type).confirmByCode?.(type)) {
      // Step-up: the code goes to the account's e-mail; the person confirms it in the privacy centre.
      const req = await this.receive({ personId, type, channel: 'PRIVACY_CENTRE', originalText: details, details, scope, receivedAt: this.now() }, actor, null);
      try {
        return await this.sendCode(req.id, 'EMAIL', actor);
      } catch (err) {
        this.o.logger.warn({ err, request: req.id }, 'confirmation code for a privacy request not sent; an operator verifies it');
        return (await this.get(req.id))!;
      }
    }
    let req = await this.receive({ personId, type, channel: 'PRIVACY_CENTRE', originalText: details, details, scope, receivedAt: this.now() }, actor, { method: 'SIGNED_IN', by: personId });
    if (!req.possiblyExcessive) req = await this.startWork(req, actor, null);
    return req;
  }

  /** An operator enters a written request (e-mail, post), keeping its original text; it waits for identity verification. */
  async createWritten(personId: string, input: NewWrittenRequest, actor: Actor): Promise<PrivacyRequest> {
    const now = this.now();
    const receivedAt = this.receiptTime(input, now);
    if (!input.originalText.trim()) fail('BAD_USER_INPUT', 'A written request is entered with its original text (originalText)', { field: 'originalText' });
    // Checked before anything is kept: a request for an account that does not exist is a typing error.
    const contact = await this.o.contacts(personId);
    if (contact.known === false) fail('NOT_FOUND', `No account ${personId}: check the person id written in the request`, { field: 'personId' });
    const representative = input.onBehalf ? this.representative(input.onBehalf, actor, now) : null;
    return this.receive({ personId, type: input.type, channel: input.channel, originalText: input.originalText, details: input.details, scope: input.scope ?? {}, receivedAt, representative }, actor, null);
  }

  /** A representative is recorded with what proof of authority was checked, and by which operator, when. */
  private representative(r: NonNullable<NewWrittenRequest['onBehalf']>, actor: Actor, now: Date): Representative {
    const name = r.name.trim();
    const contact = r.contact.trim();
    const authorityChecked = r.authorityChecked.trim();
    if (!name) fail('BAD_USER_INPUT', "Give the representative's name (onBehalf.name)", { field: 'name' });
    if (!isEmail(contact) && !isPhone(contact)) fail('BAD_USER_INPUT', `onBehalf.contact (${contact || 'empty'}) is not an e-mail address or a phone number in international form (+994501234567): the answer is sent there too`, { field: 'contact' });
    if (!authorityChecked) fail('BAD_USER_INPUT', 'Say what proof of authority was checked (e.g. birth certificate and the parent\'s ID, a court order, a signed power of attorney): onBehalf.authorityChecked', { field: 'authorityChecked' });
    return { name, relationship: r.relationship, contact, authorityChecked, checkedBy: actor.id, checkedAt: now.toISOString() };
  }

  /**
   * When a written request arrived: today (in the controller's time zone) is
   * now; an earlier day starts the clock at that day's beginning there. A day
   * in the future, before the service started or older than the configured
   * age is refused as a typing error (1970-01-01 is not a letter's date).
   */
  private receiptTime(input: NewWrittenRequest, now: Date): Date {
    const zone = this.o.timeZone;
    const field = input.receivedOn ? 'receivedOn' : 'receivedAt';
    if (input.receivedOn && input.receivedAt) fail('BAD_USER_INPUT', 'Give receivedOn (the day) or receivedAt (the moment), not both', { field });
    let at: Date;
    if (input.receivedOn) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.receivedOn) || Number.isNaN(Date.parse(`${input.receivedOn}T00:00:00Z`))) fail('BAD_USER_INPUT', `receivedOn (${input.receivedOn}) is not a calendar date (YYYY-MM-DD)`, { field });
      at = input.receivedOn === localDate(now, zone) ? now : startOfLocalDay(input.receivedOn, zone);
    } else at = input.receivedAt ?? now;
    const day = localDate(at, zone);
    const today = localDate(now, zone);
    if (at.getTime() > now.getTime() + 60_000 || day > today) fail('BAD_USER_INPUT', `${field} (${day}) is in the future (today is ${today} in ${zone}): give the date the written request arrived`, { field, reason: 'RECEIPT_IN_FUTURE' });
    const oldest = new Date(now.getTime() - this.o.maxReceiptAgeDays * DAY_MS);
    if (day < this.o.serviceStart) fail('BAD_USER_INPUT', `${field} (${day}) is before the service took requests (${this.o.serviceStart}): check the date of the letter`, { field, reason: 'RECEIPT_TOO_OLD' });
    if (at.getTime() < startOfLocalDay(localDate(oldest, zone), zone).getTime()) fail('BAD_USER_INPUT', `${field} (${day}) is more than ${this.o.maxReceiptAgeDays} days ago: a written request is entered when it arrives; check the date`, { field, reason: 'RECEIPT_TOO_OLD' });
    return at;
  }

  /** A calendar date in the controller's time zone, as the person is told it. */
  private day(iso: string): string {
    return localDate(iso, this.o.timeZone);
  }

  private async receive(
    r: { personId: string; type: RequestType; channel: Channel; originalText: string | null; details: string | null; scope: RequestScope; receivedAt: Date; representative?: Representative | null },
    actor: Actor,
    verified: { method: 'SIGNED_IN'; by: string } | null,
  ): Promise<PrivacyRequest> {
    const scope: RequestScope = { kinds: r.scope.kinds?.length ? [...new Set(r.scope.kinds)].sort() : null, purpose: r.scope.purpose || null, until: r.scope.until || null };
    const now = this.now();
    this.o.drivers.for(r.type).validate?.(r.type, scope, now);
    const at = now.toISOString();
    // Due at the end of the calendar day one month on, where the controller answers: the whole due day is in time.
    const due = dueAfter(r.receivedAt, 1, this.o.timeZone).toISOString();
    const since = new Date(r.receivedAt.getTime() - this.o.repeatWindowDays * DAY_MS).toISOString();
    // A repeat is the same type and scope received earlier within the window (by receipt, not entry: a back-dated letter repeats nothing received after it).
    // A consent withdrawal is never held for an operator (Art. 7(3): as easy as giving consent).
    const earlier = this.o.repeatWindowDays > 0 && r.type !== 'CONSENT_WITHDRAWAL' ? await this.o.store.latestSimilar(r.personId, r.type, JSON.stringify(scope), since, r.receivedAt.toISOString()) : null;
    const events: NewEvent[] = [{ action: 'RECEIVED', fromState: null, toState: 'RECEIVED', reason: null, detail: { channel: r.channel, receivedAt: r.receivedAt.toISOString(), dueAt: due, ...(r.representative ? { onBehalfOf: r.personId, representative: r.representative } : {}) } }];
    if (earlier) {
      events.push({
        action: 'FLAGGED_EXCESSIVE',
        fromState: 'RECEIVED',
        toState: 'RECEIVED',
        reason: `The same request (${r.type}) was received from this person on ${this.day(earlier.receivedAt)}, within ${this.o.repeatWindowDays} days; an operator decides whether it is excessive (§10). It is not refused by itself.`,
        detail: { earlierRequest: earlier.id },
      });
    }
    if (verified) events.push({ action: 'VERIFIED', fromState: 'RECEIVED', toState: 'RECEIVED', reason: 'Made by the signed-in person', detail: { method: verified.method } });
    const req = await this.o.store.insert(
      {
        personId: r.personId,
        type: r.type,
        channel: r.channel,
        originalText: r.originalText,
        details: r.details,
        scope: JSON.stringify(scope),
        representative: r.representative ? JSON.stringify(r.representative) : null,
        receivedAt: r.receivedAt.toISOString(),
        dueAt: due,
        extendedTo: null,
        extensionReason: null,
        deadline: due,
        state: 'RECEIVED',
        heldFrom: null,
        verificationMethod: verified?.method ?? null,
        verifiedAt: verified ? at : null,
        verifiedBy: verified?.by ?? null,
        assignee: null,
        possiblyExcessive: earlier ? 1 : 0,
        excessiveOf: earlier?.id ?? null,
        excessiveDecidedBy: null,
        work: '{}',
        evidence: '{}',
        failure: null,
        answer: null,
        refusalGround: null,
        refusalReason: null,
        createdBy: actor.id,
        createdByType: actor.type === 'operator' ? 'operator' : 'subject',
        closedAt: null,
        answeredMs: null,
        updatedAt: at,
      },
      events,
      actor,
      at,
    );
    await this.tell(actor, req, ['notices.request.received.subject', { type: req.type }], [
      ['notices.request.received.line', { received: req.receivedAt, due: req.dueAt }],
      verified ? null : ['notices.request.received.verify'],
      earlier ? ['notices.request.received.repeat'] : null,
    ]);
    return req;
  }

  // ----------------------------------------------------------- verification

  /** Sends a one-time code to the account's own e-mail address or phone (never an address given in the request). */
  async sendCode(id: string, channel: 'EMAIL' | 'PHONE', actor: Actor): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'sendCode');
    if (req.verifiedAt) problem('CONFLICT', 'ALREADY_VERIFIED', `Privacy request ${id} is already verified (${req.verificationMethod})`);
    const contact = await this.o.contacts(req.personId);
    const to = channel === 'EMAIL' ? contact.email : contact.phone;
    if (!to) problem('CONFLICT', 'NO_CONTACT', `The account of person ${req.personId} has no ${channel === 'EMAIL' ? 'e-mail address' : 'phone number'} to send a code to; verify by an operator's check instead`);
    const now = this.now();
    const sending = await this.o.limits.send(codeSubject(req), now);
    if (!sending.allowed) refuseOverLimit(sending, 'sends', now);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(now.getTime() + this.o.codeTtlSeconds * 1000).toISOString();
    const sentTo = channel === 'EMAIL' ? maskEmail(to) : maskPhone(to);
    // Sent first: if it cannot be sent, nothing is recorded and the operator is told.
    try {
      await this.o.messenger.code({ requestId: req.id, channel, to, code, expiresAt, language: await languageFor(req.personId, actor.type === 'subject' ? actor.acceptLanguage : null) });
    } catch (err) {
      this.o.logger.error({ err, request: id }, 'verification code not sent');
      fail('SUBGRAPH_UNAVAILABLE', `The verification code could not be sent: ${(err as Error).message}`);
    }
    return this.o.store.transition(
      req,
      { state: 'VERIFYING' },
      [{ action: 'CODE_SENT', fromState: req.state, toState: 'VERIFYING', reason: null, detail: { channel, sentTo, expiresAt } }],
      actor,
      now.toISOString(),
      (trx) => this.o.store.putCode({ requestId: req.id, codeHash: this.hash(req.id, code), channel, sentTo, expiresAt, attemptsLeft: this.o.codeMaxAttempts }, trx),
    );
  }

  /** Verifies with the code the person received, or with an operator's recorded check; then the work starts (unless flagged). */
  async verify(id: string, by: { code: string } | { check: string }, actor: Actor, operatorReason: string | null): Promise<PrivacyRequest> {
    let req = await this.require(id);
    this.allowed(req, 'verify');
    if (req.verifiedAt) problem('CONFLICT', 'ALREADY_VERIFIED', `Privacy request ${id} is already verified (${req.verificationMethod})`);
    const now = this.now();
    let detail: Record<string, unknown>;
    if ('code' in by) {
      const stored = await this.o.store.getCode(req.id);
      if (!stored || req.state !== 'VERIFYING') problem('CONFLICT', 'NO_CODE_SENT', 'No verification code was sent for this request: send one first (sendPrivacyRequestCode)');
      if (stored.expiresAt <= now.toISOString()) problem('CONFLICT', 'CODE_EXPIRED', `The code sent to ${stored.sentTo} expired at ${stored.expiresAt}; send a new one`);
      const check = await this.o.limits.guess(codeSubject(req), now);
      if (!check.allowed) {
        // The lockout is evidence, noted once per window; the tries refused after it write nothing more.
        if (check.first) await this.o.store.note(req, { action: 'CODE_LOCKED', fromState: req.state, toState: req.state, reason: `Too many codes tried for ${check.bound === 'request' ? 'this request' : 'this person'} (${check.max}); refused until ${check.retryAt.toISOString()}`, detail: { bound: check.bound, limit: check.max, retryAt: check.retryAt.toISOString() } }, actor, now.toISOString());
        refuseOverLimit(check, 'checks', now, { field: 'code' });
      }
      if (stored.attemptsLeft <= 0) problem('CONFLICT', 'NO_ATTEMPTS_LEFT', 'Too many wrong codes; send a new one');
      if (!(await this.o.store.spendAttempt(req.id, stored.attemptsLeft))) problem('CONFLICT', 'NO_ATTEMPTS_LEFT', 'Too many wrong codes; send a new one');
      if (!this.matches(req.id, by.code, stored.codeHash)) {
        const left = stored.attemptsLeft - 1;
        await this.o.store.note(req, { action: 'CODE_REJECTED', fromState: req.state, toState: req.state, reason: `Wrong code (${left} attempts left)` }, actor, now.toISOString());
        problem('BAD_USER_INPUT', 'CODE_INVALID', `That is not the code sent to ${stored.sentTo}; ${left} attempts left`, { field: 'code', attemptsLeft: left });
      }
      detail = { method: 'CODE', channel: stored.channel, sentTo: stored.sentTo };
    } else {
      if (!by.check.trim()) fail('BAD_USER_INPUT', 'Say what was checked to verify the requester (check)', { field: 'check' });
      detail = { method: 'OPERATOR_CHECK', check: by.check.trim() };
    }
    const method = detail.method as 'CODE' | 'OPERATOR_CHECK';
    req = await this.o.store.transition(
      req,
      { state: 'RECEIVED', verificationMethod: method, verifiedAt: now.toISOString(), verifiedBy: actor.id },
      [{ action: 'VERIFIED', fromState: req.state, toState: 'RECEIVED', reason: method === 'OPERATOR_CHECK' ? (by as { check: string }).check.trim() : operatorReason, detail }],
      actor,
      now.toISOString(),
      (trx) => this.o.store.dropCode(req.id, trx),
    );
    if (!req.possiblyExcessive) return this.startWork(req, actor, null);
    await this.tell(actor, req, ['notices.request.verified.subject'], [['notices.request.verified.line']]);
    return req;
  }

  // ------------------------------------------------------------------ work

  /**
   * Starts the work of a verified request: after an operator decides that a
   * flagged request goes ahead, or again after its work failed.
   */
  async start(id: string, actor: Actor, reason: string | null): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'start');
    if (!req.verifiedAt) problem('CONFLICT', 'NOT_VERIFIED', `Privacy request ${id} is not verified yet: nothing runs before the requester's identity is verified`);
    // A job still running is not started twice; work that failed, or none tracked (done by hand, seeded), may be.
    if (req.state === 'IN_PROGRESS' && !req.failure && req.work.trackedJobId) problem('CONFLICT', 'ILLEGAL_TRANSITION', `The work of privacy request ${id} is already running (job ${req.work.trackedJobId}); it can be started again only after it failed`);
    return this.startWork(req, actor, reason);
  }

  private async startWork(req: PrivacyRequest, actor: Actor, reason: string | null): Promise<PrivacyRequest> {
    const now = this.now();
    const driver = this.o.drivers.for(req.type);
    const outcome = await driver.start(req, now, actor);
    const changes: RequestChanges = { state: 'IN_PROGRESS', work: JSON.stringify({ ...req.work, ...outcome.work }), failure: outcome.failure ? JSON.stringify(outcome.failure) : null };
    const decided = req.possiblyExcessive && !req.excessiveDecidedBy && actor.type === 'operator';
    if (decided) changes.excessiveDecidedBy = actor.id;
    const events: NewEvent[] = [
      { action: 'STARTED', fromState: req.state, toState: 'IN_PROGRESS', reason: decided ? `Not excessive: goes ahead${reason ? ` — ${reason}` : ''}` : reason, detail: { note: outcome.note, work: outcome.work } },
    ];
    if (outcome.failure) events.push({ action: 'WORK_FAILED', fromState: 'IN_PROGRESS', toState: 'IN_PROGRESS', reason: outcome.failure.message, detail: { ...outcome.failure } });
    const started = await this.o.store.transition(req, changes, events, actor, now.toISOString());
    // Done at once (a restriction, an objection, a withdrawal): answered now, with what is in force.
    if (outcome.done) return this.close(started, 'COMPLETED', { evidence: { ...started.evidence, ...outcome.done }, answer: null }, { id: 'gateway', type: 'system' }, outcome.note);
    if (req.state !== 'IN_PROGRESS') await this.tell(actor, started, ['notices.request.started.subject'], [['notices.request.started.line', { type: req.type, due: started.deadline }]]);
    return started;
  }

  /**
   * Looks at the work of requests in progress (export jobs): one that has
   * SUCCEEDED completes its request with the archive's hash; one that failed
   * is recorded on the request, which stays IN_PROGRESS.
   */
  async sync(): Promise<number> {
    let changed = 0;
    const system: Actor = { id: 'gateway', type: 'system' };
    for (const req of await this.o.store.trackedWork()) {
      try {
        const status = await this.o.drivers.for(req.type).status?.(req);
        if (status?.status === 'DONE') {
          await this.close(req, 'COMPLETED', { evidence: { ...req.evidence, ...status.evidence }, answer: null }, system, 'The work finished');
          changed++;
        } else if (status?.status === 'FAILED') {
          const failure = { ...status.failure, jobId: req.work.trackedJobId ?? null };
          await this.o.store.transition(req, { failure: JSON.stringify(failure) }, [{ action: 'WORK_FAILED', fromState: 'IN_PROGRESS', toState: 'IN_PROGRESS', reason: status.failure.message, detail: failure }], system, this.now().toISOString());
          changed++;
        }
      } catch (err) {
        // Changed meanwhile, or the work could not be read now: the next round looks again.
        this.o.logger.warn({ err, request: req.id }, 'privacy request sync skipped');
      }
    }
    return changed;
  }

  // ------------------------------------------------------------- the desk

  async assign(id: string, assignee: string, actor: Actor, reason: string | null): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'assign');
    if (!assignee.trim()) fail('BAD_USER_INPUT', 'Name the operator to assign (assignee)', { field: 'assignee' });
    return this.o.store.transition(req, { assignee: assignee.trim() }, [{ action: 'ASSIGNED', fromState: req.state, toState: req.state, reason, detail: { assignee: assignee.trim(), previous: req.assignee } }], actor, this.now().toISOString());
  }

  /** Art. 12(3): once, by at most two further months, with the reasons, and only within the first month. */
  async extend(id: string, months: number, reason: string, actor: Actor): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'extend');
    if (req.extendedTo) problem('CONFLICT', 'ALREADY_EXTENDED', `Privacy request ${id} was already extended (to ${req.extendedTo}); the deadline can be extended only once`);
    const now = this.now();
    if (now.getTime() >= Date.parse(req.dueAt)) problem('CONFLICT', 'EXTENSION_TOO_LATE', `The first month ended on ${req.dueAt}: an extension must be decided, and told to the person, within it`);
    if (!Number.isInteger(months) || months < 1 || months > 2) fail('BAD_USER_INPUT', 'An extension is 1 or 2 further months (Art. 12(3))', { field: 'months' });
    if (!reason.trim()) fail('BAD_USER_INPUT', 'An extension needs its reasons (they are told to the person)', { field: 'reason' });
    const extendedTo = dueAfter(new Date(req.dueAt), months, this.o.timeZone).toISOString();
    const out = await this.o.store.transition(
      req,
      { extendedTo, extensionReason: reason.trim(), deadline: extendedTo },
      [{ action: 'EXTENDED', fromState: req.state, toState: req.state, reason: reason.trim(), detail: { months, from: req.dueAt, to: extendedTo } }],
      actor,
      now.toISOString(),
    );
    await this.tell(actor, out, ['notices.request.extended.subject'], [['notices.request.extended.line', { due: extendedTo, was: req.dueAt }], ['notices.request.why', { reason: reason.trim() }]]);
    return out;
  }

  async hold(id: string, reason: string, actor: Actor): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'hold');
    if (!reason.trim()) fail('BAD_USER_INPUT', 'Say what is awaited from the person (reason)', { field: 'reason' });
    const out = await this.o.store.transition(req, { state: 'ON_HOLD', heldFrom: req.state }, [{ action: 'ON_HOLD', fromState: req.state, toState: 'ON_HOLD', reason: reason.trim() }], actor, this.now().toISOString());
    // The operator's own words, as written, then the deadline in the person's language.
    await this.tell(actor, out, ['notices.request.held.subject'], [reason.trim(), ['notices.request.held.deadline', { due: out.deadline }]]);
    return out;
  }

  async resume(id: string, reason: string | null, actor: Actor): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'resume');
    const back: RequestState = req.heldFrom ?? 'RECEIVED';
    const out = await this.o.store.transition(req, { state: back, heldFrom: null }, [{ action: 'RESUMED', fromState: 'ON_HOLD', toState: back, reason }], actor, this.now().toISOString());
    await this.tell(actor, out, ['notices.request.resumed.subject'], [['notices.request.resumed.line', { due: out.deadline }]]);
    return out;
  }

  async complete(id: string, input: CompletionInput & { answer: string | null }, actor: Actor, ctx: GatewayContext): Promise<PrivacyRequest> {
    const req = await this.require(id);
    if (!req.verifiedAt && isOpen(req.state)) problem('CONFLICT', 'NOT_VERIFIED', `Privacy request ${id} is not verified: it cannot be completed before the requester's identity is verified and its work is done`);
    if (req.possiblyExcessive && !req.excessiveDecidedBy && req.state === 'RECEIVED') problem('CONFLICT', 'EXCESSIVE_UNDECIDED', 'This request is flagged as possibly excessive: start it (not excessive) or refuse it first');
    this.allowed(req, 'complete');
    const evidence = await this.o.drivers.for(req.type).complete(req, input, ctx);
    return this.close(req, 'COMPLETED', { evidence: { ...req.evidence, ...evidence, ...(input.receipts.length ? { receipts: input.receipts } : {}) }, answer: input.answer?.trim() || null }, actor, input.answer?.trim() || null);
  }

  /** Art. 12(4)/(5): a refusal says why, and that the person may complain to a supervisory authority. */
  async refuse(id: string, ground: RefusalGround, reason: string, actor: Actor): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'refuse');
    if (!reason.trim()) fail('BAD_USER_INPUT', 'A refusal needs its reason (told to the person with their right to complain)', { field: 'reason' });
    return this.close(req, 'REFUSED', { ground, reason: reason.trim() }, actor, reason.trim());
  }

  async withdraw(id: string, reason: string | null, actor: Actor): Promise<PrivacyRequest> {
    const req = await this.require(id);
    this.allowed(req, 'withdraw');
    return this.close(req, 'WITHDRAWN', {}, actor, reason?.trim() || (actor.type === 'subject' ? 'Withdrawn by the person' : null));
  }

  private async close(
    req: PrivacyRequest,
    to: 'COMPLETED' | 'REFUSED' | 'WITHDRAWN',
    what: { evidence?: PrivacyRequest['evidence']; answer?: string | null; ground?: RefusalGround; reason?: string },
    actor: Actor,
    reason: string | null,
  ): Promise<PrivacyRequest> {
    const now = this.now();
    const answered = to !== 'WITHDRAWN';
    const changes: RequestChanges = { state: to, heldFrom: null, closedAt: now.toISOString(), answeredMs: answered ? Math.max(0, now.getTime() - Date.parse(req.receivedAt)) : null };
    if (what.evidence) changes.evidence = JSON.stringify(what.evidence);
    if (to === 'COMPLETED') changes.failure = null;
    if (what.answer !== undefined) changes.answer = what.answer;
    if (to === 'REFUSED') {
      changes.refusalGround = what.ground ?? 'OTHER';
      changes.refusalReason = what.reason ?? null;
      changes.answer = `${what.reason} ${COMPLAINT_RIGHT}`;
    }
    const detail: Record<string, unknown> = to === 'COMPLETED' ? { evidence: what.evidence ?? {} } : to === 'REFUSED' ? { ground: what.ground, complaintRight: COMPLAINT_RIGHT } : {};
    const out = await this.o.store.transition(req, changes, [{ action: to, fromState: req.state, toState: to, reason, detail }], actor, now.toISOString());
    if (to === 'COMPLETED') {
      const ev = out.evidence;
      await this.tell(actor, out, ['notices.request.completed.subject'], [
        ['notices.request.completed.line', { type: out.type, received: out.receivedAt }],
        ev.archiveSha256 ? ['notices.request.completed.archive', { sha256: ev.archiveSha256 }] : null,
        ev.correctionIds?.length ? ['notices.request.completed.corrections', { ids: ev.correctionIds.join(', ') }] : null,
        out.answer ?? null,
      ]);
    } else if (to === 'REFUSED') {
      await this.tell(actor, out, ['notices.request.refused.subject'], [['notices.request.why', { reason: what.reason ?? '' }], ['notices.request.complaintRight']]);
    } else {
      await this.tell(actor, out, ['notices.request.withdrawn.subject'], [reason ? ['notices.request.withdrawn.lineWhy', { type: out.type, received: out.receivedAt, reason }] : ['notices.request.withdrawn.line', { type: out.type, received: out.receivedAt }]]);
    }
    return out;
  }

  /**
   * The whole account was erased (erasure job `erasureJobId`): the person's
   * other open requests are closed with that reason — nobody is left to
   * verify, answer or send a code to, so they leave the queue and are never
   * overdue — and every request of the person is held (RETAIN, from the first
   * erasure) until the purge takes it. The erasure's own request is left to
   * complete from its job as usual. Nothing is sent: the account's contact
   * details are gone with it.
   */
  async accountErased(personId: string, erasureJobId: string): Promise<ErasedAccountRequests> {
    const now = this.now();
    const heldUntil = addDuration(now, this.o.erasureHold);
    if (!heldUntil) throw new Error(`gateway.privacy_request's retainFor is not an ISO 8601 duration: ${this.o.erasureHold}`);
    const system: Actor = { id: `erasure:${erasureJobId}`, type: 'system' };
    const reason = `The account was erased on ${this.day(now.toISOString())} (erasure ${erasureJobId}); the request is closed without an answer and kept as evidence under the legal hold`;
    const closed: string[] = [];
    for (const open of await this.o.store.openForPerson(personId)) {
      if (open.work.erasureJobId === erasureJobId || open.work.trackedJobId === erasureJobId) continue;
      // Another action may land on the request at the same moment: read it again and close what is then still open.
      for (let req: PrivacyRequest | null = open, tries = 0; req && isOpen(req.state) && tries < 3; tries++) {
        try {
          const changes: RequestChanges = { state: 'CLOSED', heldFrom: null, closedAt: now.toISOString(), answeredMs: null, answer: reason };
          const id: string = req.id;
          await this.o.store.transition(req, changes, [{ action: 'CLOSED', fromState: req.state, toState: 'CLOSED', reason, detail: { erasureJobId } }], system, now.toISOString(), (trx) => this.o.store.dropCode(id, trx));
          closed.push(req.id);
          req = null;
        } catch (err) {
          if (!(err instanceof GraphQLError && err.extensions.code === 'CONFLICT')) throw err;
          req = await this.o.store.get(open.id);
        }
      }
    }
    const held = await this.o.store.hold(personId, now.toISOString(), heldUntil.toISOString());
    this.o.logger.info({ person: personId, erasureJobId, closed: closed.length, held }, 'erased account: open privacy requests closed, all held');
    return { closed, held, heldUntil: heldUntil.toISOString() };
  }

  /** The gateway's maintenance: requests whose hold after erasure has ended are purged (evidence chain kept, each purge recorded in it). */
  async purgeHeld(): Promise<{ requests: number; events: number }> {
    const out = await this.o.store.purgeHeld(this.now().toISOString());
    if (out.requests) this.o.logger.info(out, 'privacy requests purged: their hold after erasure ended');
    return out;
  }

  // -------------------------------------------------------------- helpers

  private allowed(req: PrivacyRequest, action: keyof typeof ALLOWED_FROM): void {
    if (!ALLOWED_FROM[action].includes(req.state)) {
      problem('CONFLICT', 'ILLEGAL_TRANSITION', `Cannot ${action} privacy request ${req.id}: it is ${req.state} (allowed from ${ALLOWED_FROM[action].join(', ')})`, { state: req.state });
    }
  }

  private hash(requestId: string, code: string): string {
    return createHmac('sha256', this.o.secret).update(`privacy-request:${requestId}:${code}`).digest('hex');
  }

  private matches(requestId: string, code: string, stored: string): boolean {
    const a = Buffer.from(this.hash(requestId, code.trim()), 'hex');
    const b = Buffer.from(stored, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Tells the person (account e-mail, else phone), in their language: the one
   * they chose, else their browser's when they made the call themselves, else
   * English. Catalogue lines are rendered in it (dates as days in the
   * controller's time zone); a plain string line is someone's own words (an
   * operator's reason, an answer) and is sent as written. A message that cannot
   * be sent does not undo what happened: it is recorded on the timeline for an
   * operator to follow up.
   */
  private async tell(actor: Actor, req: PrivacyRequest, subject: NoticeLine, lines: (NoticeLine | null)[]): Promise<void> {
    const language = await languageFor(req.personId, actor.type === 'subject' ? actor.acceptLanguage : null);
    const t = createTranslator(language, this.o.timeZone);
    const render = (l: NoticeLine) => (typeof l === 'string' ? l : t.t(l[0], dated(t, l[1])));
    const body = lines.filter((l): l is NoticeLine => Boolean(l)).map(render);
    const title = render(subject);
    const text = [...body, t.t('notices.request.footer', { id: req.id })].join('\n');
    await this.send(req, title, 'The person', async () => {
      const contact = await this.o.contacts(req.personId);
      const to = contact.email ?? contact.phone;
      if (!to) throw new Error('the account has no e-mail address or phone number');
      return { channel: contact.email ? 'EMAIL' : 'PHONE', to, text, language };
    });
    const rep = req.representative;
    // The representative who asked is answered too, at the contact given with the request (in the same language).
    if (rep) {
      await this.send(req, title, `The representative ${rep.name}`, async () => ({
        channel: isEmail(rep.contact) ? 'EMAIL' : 'PHONE',
        to: rep.contact,
        text: [t.t('notices.request.representative', { person: req.personId, relationship: rep.relationship }), ...body, t.t('notices.request.representativeFooter', { id: req.id })].join('\n'),
        language,
      }));
    }
  }

  private async send(req: PrivacyRequest, subject: string, whom: string, message: () => Promise<{ channel: 'EMAIL' | 'PHONE'; to: string; text: string; language: string }>): Promise<void> {
    try {
      const m = await message();
      await this.o.messenger.notice({ requestId: req.id, subject, ...m });
    } catch (err) {
      this.o.logger.warn({ err, request: req.id }, 'privacy request notice not sent');
      await this.o.store
        .note(req, { action: 'NOTIFICATION_FAILED', fromState: req.state, toState: req.state, reason: `${whom} could not be told "${subject}": ${(err as Error).message}` }, { id: 'gateway', type: 'system' }, this.now().toISOString())
        .catch((e: unknown) => this.o.logger.error({ err: e }, 'could not record a failed notice'));
    }
  }
}
