import type { Kysely, Migration } from 'kysely';
import { fail } from '@footprint/schema';
import { viewTables } from '@footprint/kit';
import type { GatewayStore } from '../auth/audit.js';
import type { Bound, CodeLimitsConfig } from './config.js';

/**
 * How often one-time codes may be checked and sent, counted in the gateway's
 * store (SQLite or PostgreSQL) so that a restart, or a second gateway on the
 * same store, counts on. A code has its own few attempts, but a new code can
 * be asked for at will; so checks and sends are bounded per request (a
 * privacy request, or a person's erasure confirmation) and per person over a
 * fixed window, whichever code is current: 10⁶ codes cannot be walked through
 * by asking for new ones.
 */

/** One counter: `count` events since `windowStart` (ISO-8601). */
export interface CodeLimitTable {
  key: string;
  windowStart: string;
  count: number;
}

type LimitsDB = { codeLimit: CodeLimitTable };

export const codeLimitMigrations: Record<string, Migration> = {
  '601_code_limit': {
    async up(db) {
      await db.schema
        .createTable('code_limit')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

/** What the codes are for: one request's (or one person's erasure) and the person's, counted apart. */
export interface CodeSubject {
  /** "request:<id>" or "erasure:<person>". */
  request: string;
  person: string;
}

export type LimitOutcome = { allowed: true } | { allowed: false; bound: 'request' | 'person'; max: number; retryAt: Date; first: boolean };

type Db = Kysely<LimitsDB>;

export class CodeLimits {
  private readonly db: Db;

  constructor(
    store: GatewayStore,
    private readonly config: CodeLimitsConfig,
  ) {
    this.db = viewTables<LimitsDB>(store.db);
  }

  /** Counts one code check (right or wrong): refused once the request's or the person's checks of this window are spent. */
  guess(s: CodeSubject, now: Date): Promise<LimitOutcome> {
    return this.take([
      { key: `guess:${s.request}`, bound: 'request', limit: this.config.guessesPerRequest },
      { key: `guess:person:${s.person}`, bound: 'person', limit: this.config.guessesPerPerson },
    ], now);
  }

  /** Counts one code sent, by the person or an operator alike. */
  send(s: CodeSubject, now: Date): Promise<LimitOutcome> {
    return this.take([
      { key: `send:${s.request}`, bound: 'request', limit: this.config.sendsPerRequest },
      { key: `send:person:${s.person}`, bound: 'person', limit: this.config.sendsPerPerson },
    ], now);
  }

  /**
   * Counts one event on every counter, or on none: when one refuses, those
   * already counted are given back (in the same transaction; the refusal's
   * own mark is kept). Each step is a single conditional statement, so two
   * gateways (or two requests) at the same moment cannot both take the last one.
   */
  private take(counters: { key: string; bound: 'request' | 'person'; limit: Bound }[], now: Date): Promise<LimitOutcome> {
    return this.db.transaction().execute(async (trx) => {
      const taken: string[] = [];
      for (const c of counters) {
        const outcome = await this.takeOne(trx, c.key, c.limit, now);
        if (!outcome.allowed) {
          for (const key of taken) await trx.updateTable('codeLimit').set((eb) => ({ count: eb('count', '-', 1) })).where('key', '=', key).execute();
          return { ...outcome, bound: c.bound };
        }
        taken.push(c.key);
      }
      return { allowed: true };
    });
  }

  private async takeOne(trx: Db, key: string, limit: Bound, now: Date): Promise<LimitOutcome> {
    const nowIso = now.toISOString();
    // A window still open: one more, if any is left.
    const openSince = new Date(now.getTime() - limit.windowMs).toISOString();
    const counted = async () => {
      const res = await trx.updateTable('codeLimit').set((eb) => ({ count: eb('count', '+', 1) })).where('key', '=', key).where('windowStart', '>', openSince).where('count', '<', limit.max).executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    };
    if (await counted()) return { allowed: true };
    // No counter, or its window has ended: this is the first of a new window.
    const fresh = await trx
      .insertInto('codeLimit')
      .values({ key, windowStart: nowIso, count: 1 })
      .onConflict((oc) => oc.column('key').doUpdateSet({ windowStart: nowIso, count: 1 }).where('codeLimit.windowStart', '<=', openSince))
      .executeTakeFirst();
    if (Number(fresh.numInsertedOrUpdatedRows ?? 0) === 1) return { allowed: true };
    // Another request opened the window a moment ago (PostgreSQL): count on in it.
    if (await counted()) return { allowed: true };
    const row = await trx.selectFrom('codeLimit').select(['windowStart', 'count']).where('key', '=', key).executeTakeFirstOrThrow();
    // The first refusal of the window marks the counter (max → max + 1), so the lockout is noted once, not per try.
    const mark = await trx.updateTable('codeLimit').set({ count: limit.max + 1 }).where('key', '=', key).where('count', '=', limit.max).where('windowStart', '=', row.windowStart).executeTakeFirst();
    return { allowed: false, bound: 'request', max: limit.max, retryAt: new Date(Date.parse(row.windowStart) + limit.windowMs), first: Number(mark.numUpdatedRows) === 1 };
  }
}

/** The typed refusal: TOO_MANY_REQUESTS saying which bound, and when to try again. */
export function refuseOverLimit(outcome: Exclude<LimitOutcome, { allowed: true }>, what: 'checks' | 'sends', now: Date, extra: Record<string, unknown> = {}): never {
  const whose = outcome.bound === 'request' ? 'this request' : 'this person';
  const retryAfterSeconds = Math.max(1, Math.ceil((outcome.retryAt.getTime() - now.getTime()) / 1000));
  const message =
    what === 'checks'
      ? `Too many codes were tried for ${whose} (${outcome.max}); codes are refused until ${outcome.retryAt.toISOString()}`
      : `Too many codes were sent for ${whose} (${outcome.max}); use the latest one, or ask again after ${outcome.retryAt.toISOString()}`;
  fail('TOO_MANY_REQUESTS', message, { reason: what === 'checks' ? 'CODE_LOCKED' : 'CODE_SENDS_EXCEEDED', bound: outcome.bound, limit: outcome.max, retryAt: outcome.retryAt.toISOString(), retryAfterSeconds, ...extra });
}
