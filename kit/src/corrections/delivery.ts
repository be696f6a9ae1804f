import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTranslator, DEFAULT_LANGUAGE, isLanguage } from '@footprint/i18n';
import { z } from 'zod';
import { ConfigError, type SecretsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { Recipient } from '@footprint/schema';
import type { ConfirmationChannel } from './spec.js';

/**
 * What leaves a domain when data is corrected: the one-time codes that confirm
 * a new e-mail address or phone number, and the settings of the Art. 19
 * notices to the recipients the corrected data had been shared with (their
 * outbox is ../outbox.ts, shared with erasure notices).
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
  /** Where the person is, for the expiry time written in a code's text (default Asia/Baku, FOOTPRINT_REQUEST_TIME_ZONE). */
  timeZone?: string;
}

const Env = z.object({
  FOOTPRINT_CODE_SENDER_URL: z.url().optional(),
  FOOTPRINT_CODE_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  FOOTPRINT_CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  FOOTPRINT_NOTICE_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(5000),
  FOOTPRINT_NOTICE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  FOOTPRINT_NOTICE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  FOOTPRINT_REQUEST_TIME_ZONE: z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Asia/Baku)').default('Asia/Baku'),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

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
    timeZone: e.FOOTPRINT_REQUEST_TIME_ZONE,
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
  /** The language the person reads (a catalogue language); absent or unknown: the default (English). */
  language?: string;
  /** What the code confirms, for its text; default from the channel (a new e-mail address or phone number). */
  purpose?: 'email' | 'phone' | 'erasure' | 'request';
}

/** Where the expiry of a code is told in when nothing else is configured: the controller's time zone of the demo. */
const DEFAULT_TIME_ZONE = 'Asia/Baku';

/**
 * The message as sent: the code and its text in the person's language, from
 * the `notices` catalogue (an e-mail gets a subject and a sentence, an SMS a
 * short line), so the sender only delivers it.
 */
export function renderCode(msg: CodeMessage, timeZone: string = DEFAULT_TIME_ZONE) {
  const language = isLanguage(msg.language) ? msg.language : DEFAULT_LANGUAGE;
  const t = createTranslator(language, timeZone);
  const expires = t.date(msg.expiresAt, 'dateTime');
  const purpose = msg.purpose ?? (msg.channel === 'EMAIL' ? 'email' : 'phone');
  const text = msg.channel === 'PHONE' ? t.t('notices.code.sms', { code: msg.code, expires }) : t.t('notices.code.text', { code: msg.code, purpose, expires });
  return { ...msg, language, purpose, subject: t.t('notices.code.subject'), text };
}

/** Whether codes can be sent at all: production needs a real sender. */
export function canSendCodes(cfg: CorrectionDeliveryConfig): boolean {
  return Boolean(cfg.codeSenderUrl) || !cfg.production;
}

/**
 * Sends a one-time code: to the configured sender, or — outside production
 * only — to the log and the dev mailbox (local use has no e-mail or SMS).
 */
export async function sendCode(cfg: CorrectionDeliveryConfig, log: Logger, plain: CodeMessage): Promise<void> {
  const msg = renderCode(plain, cfg.timeZone);
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

/**
 * The outbox columns of a new notice to `recipient` (Art. 19), shared by correction and rights notices: pending,
 * due now, and saying why it waits when the recipient has no endpoint yet.
 */
export function pendingNotice(recipient: string, now: string, recipientUrls: Record<string, string> | undefined) {
  return {
    recipient,
    state: 'PENDING',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    deliveredAt: null,
    lastError: recipientUrls?.[recipient] ? null : noEndpointNote(recipient),
  };
}

/** The message a notice carries until its recipient has an endpoint. */
export function noEndpointNote(r: string): string {
  return `No endpoint is configured for ${r} yet (${recipientVar(r as Recipient)}); the notice waits in the outbox`;
}
