import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ConfigError, type SecretsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { Recipient } from '../taxonomy.js';
import type { ConfirmationChannel } from './corrections.js';
import type { CorrectionTables } from './corrections-store.js';

/**
 * What leaves a domain when data is corrected: the one-time codes that confirm
 * a new e-mail address or phone number, and the Art. 19 notices to the
 * recipients the corrected data had been shared with (an outbox, delivered
 * after the correction commits and retried).
 */

export interface CorrectionDeliveryConfig {
  production: boolean;
  /** Where the dev mailbox is written outside production. */
  dataDir: string;
  /** An e-mail/SMS gateway that sends the one-time codes (POST JSON); unset outside production = the log and dev mailbox. */
  codeSenderUrl: string | undefined;
  /** Endpoint per recipient for Art. 19 notices (FOOTPRINT_RECIPIENT_<RECIPIENT>_URL). */
  recipientUrls: Partial<Record<Recipient, string>>;
  codeTtlSeconds: number;
  codeMaxAttempts: number;
  noticeIntervalMs: number;
  noticeMaxAttempts: number;
  noticeTimeoutMs: number;
}

const Env = z.object({
  FOOTPRINT_CODE_SENDER_URL: z.url().optional(),
  FOOTPRINT_CODE_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  FOOTPRINT_CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  FOOTPRINT_NOTICE_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(5000),
  FOOTPRINT_NOTICE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  FOOTPRINT_NOTICE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
});

const recipientVar = (r: Recipient) => `FOOTPRINT_RECIPIENT_${r}_URL`;

/** Reads the delivery settings once, at startup, validated; a bad value stops the service naming it. */
export function loadCorrectionDeliveryConfig(config: Pick<SecretsConfig, 'production' | 'dataDir'>, env: NodeJS.ProcessEnv = process.env): CorrectionDeliveryConfig {
  const parsed = Env.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const recipientUrls: Partial<Record<Recipient, string>> = {};
  for (const r of Recipient.values) {
    const v = env[recipientVar(r)];
    if (v === undefined || v === '') continue;
    if (!z.url().safeParse(v).success) problems.push(`${recipientVar(r)}: not a URL`);
    else recipientUrls[r] = v;
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(`Invalid corrections environment: ${problems.join('; ')}`);
  const e = parsed.data;
  return {
    production: config.production,
    dataDir: config.dataDir,
    codeSenderUrl: e.FOOTPRINT_CODE_SENDER_URL,
    recipientUrls,
    codeTtlSeconds: e.FOOTPRINT_CODE_TTL_SECONDS,
    codeMaxAttempts: e.FOOTPRINT_CODE_MAX_ATTEMPTS,
    noticeIntervalMs: e.FOOTPRINT_NOTICE_INTERVAL_MS,
    noticeMaxAttempts: e.FOOTPRINT_NOTICE_MAX_ATTEMPTS,
    noticeTimeoutMs: e.FOOTPRINT_NOTICE_TIMEOUT_MS,
  };
}

/** File the codes go to outside production, beside the stores, so a local user (and a test) can read them. */
export const DEV_MAILBOX = 'dev-mailbox.jsonl';

export interface CodeMessage {
  domain: string;
  channel: ConfirmationChannel;
  to: string;
  code: string;
  expiresAt: string;
  confirmationId: string;
}

/** Whether codes can be sent at all: production needs a real sender. */
export function canSendCodes(cfg: CorrectionDeliveryConfig): boolean {
  return Boolean(cfg.codeSenderUrl) || !cfg.production;
}

/**
 * Sends a one-time code: to the configured sender, or — outside production
 * only — to the log and the dev mailbox (local use has no e-mail or SMS).
 */
export async function sendCode(cfg: CorrectionDeliveryConfig, log: Logger, msg: CodeMessage): Promise<void> {
  if (cfg.codeSenderUrl) {
    const res = await fetch(cfg.codeSenderUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(msg),
      signal: AbortSignal.timeout(cfg.noticeTimeoutMs),
    });
    if (!res.ok) throw new Error(`the code sender answered HTTP ${res.status}`);
    return;
  }
  if (cfg.production) throw new Error('no code sender is configured (FOOTPRINT_CODE_SENDER_URL)');
  // Warn level: the code must show even when the log is turned down to warnings.
  log.warn({ confirmationId: msg.confirmationId, channel: msg.channel, to: msg.to, code: msg.code, expiresAt: msg.expiresAt }, `one-time code ${msg.code} for ${msg.to} (local use only: no ${msg.channel === 'EMAIL' ? 'e-mail' : 'SMS'} is sent)`);
  mkdirSync(cfg.dataDir, { recursive: true });
  appendFileSync(join(cfg.dataDir, DEV_MAILBOX), `${JSON.stringify({ ...msg, at: new Date().toISOString() })}\n`);
}

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

export function createNoticeDispatcher<N extends { id: number; recipient: string } = { id: number; correctionId: number; recipient: string }>(opts: {
  db: Kysely<CorrectionTables> | Kysely<unknown>;
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
  const db = opts.db as unknown as Kysely<Record<string, OutboxRow>>;
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

/** The message a notice carries until its recipient has an endpoint. */
export function noEndpointNote(r: string): string {
  return `No endpoint is configured for ${r} yet (${recipientVar(r as Recipient)}); the notice waits in the outbox`;
}
