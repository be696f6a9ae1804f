import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_MAILBOX, sendCode, type CorrectionDeliveryConfig, type Logger } from '@footprint/kit';

/** A message to the person about their request (a state change, or the verification code). */
export interface PersonMessage {
  requestId: string;
  channel: 'EMAIL' | 'PHONE';
  to: string;
  subject: string;
  text: string;
  /** The language subject and text are written in. */
  language: string;
}

export interface Messenger {
  /** Sends the one-time code that verifies an operator-entered request. */
  code(msg: { requestId: string; channel: 'EMAIL' | 'PHONE'; to: string; code: string; expiresAt: string; language: string }): Promise<void>;
  /** Tells the person what happened to their request. */
  notice(msg: PersonMessage): Promise<void>;
}

/**
 * The project's code sender: the configured e-mail/SMS gateway
 * (FOOTPRINT_CODE_SENDER_URL), or outside production the log and the local dev
 * mailbox (data/dev-mailbox.jsonl), the same ones the corrections use.
 */
export function codeSenderMessenger(cfg: CorrectionDeliveryConfig, log: Logger): Messenger {
  return {
    code: (m) => sendCode(cfg, log, { domain: 'gateway', channel: m.channel, to: m.to, code: m.code, expiresAt: m.expiresAt, confirmationId: `privacy-request:${m.requestId}`, language: m.language, purpose: 'request' }),
    async notice(m) {
      const body = { domain: 'gateway', kind: 'privacy-request', ...m };
      if (cfg.codeSenderUrl) {
        const res = await fetch(cfg.codeSenderUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(cfg.noticeTimeoutMs) });
        if (!res.ok) throw new Error(`the code sender answered HTTP ${res.status}`);
        return;
      }
      if (cfg.production) throw new Error('no code sender is configured (FOOTPRINT_CODE_SENDER_URL)');
      log.info({ requestId: m.requestId, to: m.to, subject: m.subject }, 'privacy request notice (local use only: nothing is sent)');
      mkdirSync(cfg.dataDir, { recursive: true });
      appendFileSync(join(cfg.dataDir, DEV_MAILBOX), `${JSON.stringify({ ...body, at: new Date().toISOString() })}\n`);
    },
  };
}
