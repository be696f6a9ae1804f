import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { fail } from '@footprint/schema';
import { canSendCodes, maskEmail, sendCode } from '@footprint/kit';
import { languageFor } from '../preferences/language.js';
import { refuseOverLimit, type CodeLimits, type CodeSubject } from '../codes/limits.js';
import type { RightsConfig } from './config.js';
import type { Acting, RightsDomains } from './domains.js';
import type { ErasureJobs } from './store.js';

/** Keeps these MACs apart from anything else the internal secret signs. */
const PURPOSE = 'footprint-erasure-code/v1';

export interface PendingCode {
  confirmationId: string;
  sentTo: string;
  expiresAt: string;
}

/**
 * The one-time code that confirms a person's own erasure request: the same
 * machinery as an e-mail or phone correction (6 digits to the account's
 * e-mail address, same sender, lifetime and attempts; locally the log and
 * data/dev-mailbox.jsonl). Only an HMAC of the code is kept. Sends and
 * checks are bounded per person over time, whichever code is current
 * (codes/limits.ts, shared with the privacy requests' codes).
 */
export class ErasureCodes {
  constructor(
    private readonly jobs: ErasureJobs,
    private readonly domains: Pick<RightsDomains, 'email'>,
    private readonly config: RightsConfig,
    private readonly limits: CodeLimits,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A person's erasure confirmations count as one request of theirs, beside their privacy requests. */
  private subject(person: string): CodeSubject {
    return { request: `erasure:${person}`, person };
  }

  private hash(id: string, code: string): string {
    return createHmac('sha256', this.config.internalSecret).update(`${PURPOSE}\n${id}\n${code}`).digest('base64url');
  }

  async issue(a: Acting): Promise<PendingCode> {
    if (!canSendCodes(this.config.codes)) fail('SUBGRAPH_UNAVAILABLE', 'One-time codes cannot be sent (no code sender is configured), so an erasure cannot be confirmed now');
    const ttlMs = this.config.codes.codeTtlSeconds * 1000;
    const now = this.now();
    const sending = await this.limits.send(this.subject(a.person), now);
    if (!sending.allowed) refuseOverLimit(sending, 'sends', now);
    const email = await this.domains.email(a);
    if (!email) fail('BAD_USER_INPUT', 'The account has no e-mail address to send the confirmation code to; ask our privacy team instead');
    const id = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.jobs.saveCode({ id, personId: a.person, codeHash: this.hash(id, code), sentTo: maskEmail(email), expiresAt, attemptsLeft: this.config.codes.codeMaxAttempts });
    try {
      await sendCode(this.config.codes, a.log, { domain: 'gateway', channel: 'EMAIL', to: email, code, expiresAt, confirmationId: id, purpose: 'erasure', language: await languageFor(a.person, a.acceptLanguage) });
    } catch (err) {
      a.log.error({ err, confirmationId: id }, 'erasure code could not be sent');
      fail('SUBGRAPH_UNAVAILABLE', 'The confirmation code could not be sent; nothing was changed. Try again later.');
    }
    return { confirmationId: id, sentTo: maskEmail(email), expiresAt };
  }

  /** Spends the code (once): BAD_USER_INPUT for a wrong, unknown or expired one, TOO_MANY_REQUESTS when its attempts, or the person's checks of this window, are used up. */
  async verify(person: string, confirmationId: string, code: string): Promise<void> {
    const c = await this.jobs.code(confirmationId);
    if (!c || c.personId !== person) fail('BAD_USER_INPUT', 'Unknown confirmationId: ask for a code with requestErasureCode first', { field: 'confirmationId' });
    if (c.usedAt) fail('BAD_USER_INPUT', 'This code was already used: ask for a new one', { field: 'code' });
    const now = this.now();
    if (Date.parse(c.expiresAt) <= now.getTime()) fail('BAD_USER_INPUT', 'The code has expired: ask for a new one', { field: 'code', expired: true });
    const check = await this.limits.guess(this.subject(person), now);
    if (!check.allowed) refuseOverLimit(check, 'checks', now, { field: 'code' });
    if (!(await this.jobs.spendAttempt(c.id))) fail('TOO_MANY_REQUESTS', 'Too many wrong codes: ask for a new one', { field: 'code', attemptsLeft: 0 });
    const good = /^\d{6}$/.test(code) && timingSafeEqual(Buffer.from(this.hash(c.id, code)), Buffer.from(c.codeHash));
    if (!good) {
      const left = Number(c.attemptsLeft) - 1;
      if (left <= 0) fail('TOO_MANY_REQUESTS', 'Too many wrong codes: ask for a new one', { field: 'code', attemptsLeft: 0 });
      fail('BAD_USER_INPUT', `The code is not right; ${left} attempt(s) left`, { field: 'code', attemptsLeft: left });
    }
    if (!(await this.jobs.useCode(c.id))) fail('BAD_USER_INPUT', 'This code was already used: ask for a new one', { field: 'code' });
  }
}
