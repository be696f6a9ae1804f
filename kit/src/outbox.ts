import type { Kysely } from 'kysely';
import type { Logger } from './logger.js';
import type { Recipient } from '@footprint/schema';
import type { CorrectionDeliveryConfig } from './corrections/delivery.js';
import type { AnyDB } from './store.js';
import { viewTables } from './view-tables.js';

/**
 * The outbox of Art. 19 notices (corrections, erasures, restrictions): rows
 * written in the transaction that changed the data, delivered after it commits.
 */

/** What a recipient is sent (Art. 19): enough to find and correct its own copy. */
export interface NoticePayload {
  noticeId: number;
  recipient: string;
  domain: string;
  person: string;
  kind: string;
  recordId: string;
  field: string;
  newValue: string | null;
  correctedAt: string;
}

/** The columns every outbox table has (correction notices, erasure notices). */
interface OutboxRow {
  id: number;
  recipient: string;
  state: string;
  attempts: number;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

export interface NoticeDispatcher {
  /** Runs a delivery round soon (after a correction commits). */
  kick(): void;
  /** One delivery round; resolves when it is done (tests await it). */
  runOnce(): Promise<void>;
  stop(): void;
}

/**
 * Delivers PENDING notices to their recipients' endpoints, in rounds: after
 * each correction and every interval. A notice is leased by moving its
 * next_attempt_at forward with a conditional update, so two processes of one
 * domain never send it twice at once. Failures back off exponentially and end
 * in FAILED after the configured attempts. A recipient without an endpoint
 * keeps its notices PENDING, saying so, until one is configured.
 */
export function createNoticeDispatcher<N extends { id: number; recipient: string } = { id: number; correctionId: number; recipient: string }>(opts: {
  /** The domain's store. */
  db: Kysely<AnyDB>;
  /** The outbox table (default correctionNotice). */
  table?: string;
  /** Resolves once the tables exist. */
  prepare(): Promise<void>;
  domain: string;
  cfg: CorrectionDeliveryConfig;
  log: Logger;
  payload(notice: N): Promise<object | null>;
}): NoticeDispatcher {
  const { cfg, log } = opts;
  const table = opts.table ?? 'correctionNotice';
  // The outbox table is named at run time; every outbox table has OutboxRow's columns.
  const db = viewTables<Record<string, OutboxRow>>(opts.db);
  const recipients = Object.keys(cfg.recipientUrls);
  let running: Promise<void> | null = null;
  let stopped = false;
  const timer = setInterval(() => void dispatcher.runOnce(), cfg.noticeIntervalMs);
  timer.unref();

  async function deliver(n: OutboxRow): Promise<void> {
    const url = cfg.recipientUrls[n.recipient as Recipient];
    if (!url) return;
    const lease = new Date(Date.now() + cfg.noticeTimeoutMs * 2).toISOString();
    const claimed = await db
      .updateTable(table)
      .set({ nextAttemptAt: lease })
      .where('id', '=', n.id)
      .where('state', '=', 'PENDING')
      .where('nextAttemptAt', '=', n.nextAttemptAt)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return;
    const attempts = n.attempts + 1;
    let error: string | null = null;
    try {
      // The row was read from the dispatcher's own table (named at run time), whose rows are N: Kysely cannot say so.
      // biome-ignore lint/plugin: type-erasure boundary: a run-time table name types the row as OutboxRow only
      const body = await opts.payload(n as unknown as N);
      if (!body) throw new Error('the record the notice is about no longer exists');
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${opts.domain}-${table === 'correctionNotice' ? 'notice' : table}-${n.id}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(cfg.noticeTimeoutMs),
      });
      if (!res.ok) error = `the recipient answered HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer within ${cfg.noticeTimeoutMs} ms` : err.message) : String(err);
    }
    const now = new Date();
    if (!error) {
      await db.updateTable(table).set({ state: 'DELIVERED', attempts, deliveredAt: now.toISOString(), lastError: null }).where('id', '=', n.id).execute();
      return;
    }
    const failed = attempts >= cfg.noticeMaxAttempts;
    const backoff = Math.min(cfg.noticeIntervalMs * 2 ** (attempts - 1), 3_600_000);
    await db
      .updateTable(table)
      .set({ state: failed ? 'FAILED' : 'PENDING', attempts, lastError: error, nextAttemptAt: new Date(now.getTime() + backoff).toISOString() })
      .where('id', '=', n.id)
      .execute();
    log.warn({ noticeId: n.id, recipient: n.recipient, attempts, err: error }, failed ? 'correction notice given up' : 'correction notice not delivered; will retry');
  }

  async function round(): Promise<void> {
    if (recipients.length === 0) return;
    await opts.prepare();
    const due = await db
      .selectFrom(table)
      .selectAll()
      .where('state', '=', 'PENDING')
      .where('recipient', 'in', recipients)
      .where('nextAttemptAt', '<=', new Date().toISOString())
      .orderBy('id')
      .limit(50)
      .execute();
    for (const n of due) {
      if (stopped) return;
      await deliver(n);
    }
  }

  const dispatcher: NoticeDispatcher = {
    kick() {
      setImmediate(() => void dispatcher.runOnce());
    },
    runOnce() {
      if (stopped) return Promise.resolve();
      // One round at a time; a kick during a round waits for it and runs again.
      const next = (running ?? Promise.resolve())
        .then(() => round())
        .catch((err: unknown) => {
          // A round cut short by shutdown (store closed) is not a failure; the notice stays due.
          if (!stopped) log.error({ err }, 'correction notice round failed');
        });
      running = next;
      return next;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
  return dispatcher;
}
