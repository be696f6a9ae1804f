import { createHash } from 'node:crypto';
import type { Logger } from '@footprint/kit/logger.js';
import { audit, type GatewayStore } from '../auth/audit.js';
import { contactToVCard } from '../exports/archive/vcard.js';
import type { ExportKind } from '../exports/plan.js';
import { AbortedError, GatewayReader, GatewayUnavailableError } from '../exports/reader.js';
import { traverseFootprint } from '../footprint/traverse.js';
import type { JobError } from '../jobs/table.js';
import { CardDavClient, CardDavError, type AddressBook } from './carddav/client.js';
import { cardDifference } from './carddav/compare.js';
import type { TargetPolicy } from './carddav/target.js';
import { EMPTY_PROGRESS, type CardCheckpoint, type PushProgress, type ServerPush, type ServerPushes } from './store.js';

/**
 * Runs one push in this process — where the app password is, in memory only —
 * from the person's contacts (the archive's vCard kinds, read through the
 * gateway page by page as the push's own job token) to the address book, one
 * card at a time: PUT under a stable UID-based name, GET it back, compare.
 * Each step is checkpointed per card, so a push that stops (the server went
 * away, the gateway restarted, the person cancelled) resumes without sending a
 * verified card again. The password is handed to the CardDAV client and to
 * nothing else: not the store, the log, the audit log or an error.
 */

export interface RunnerDeps {
  pushes: ServerPushes;
  store: GatewayStore;
  /** The kinds the archive writes as vCards (@personalData(format: VCARD)). */
  kinds: ExportKind[];
  gatewayUrl: () => string;
  internalSecret: string;
  policy: TargetPolicy;
  timeoutMs: number;
  /** This process's worker name in the job table. */
  worker: string;
  logger: Logger;
}

/** Records per page read from the cloud domain: bounded memory whatever the person holds. */
const PAGE_SIZE = 200;

/** A card's name in the address book: its UID when that is a safe path segment, else a hash of it; stable across runs. */
export function cardName(uid: string | null, recordId: string): string {
  const key = uid ?? recordId;
  return /^[A-Za-z0-9_.-]{1,100}$/.test(key) && !key.startsWith('.') ? `${key}.vcf` : `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.vcf`;
}

class CardRefused extends Error {}

export class PushRunner {
  /** Pushes running here, to stop at once on cancel (another gateway's cancel is seen at the next heartbeat). */
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly d: RunnerDeps) {}

  /** Whether a push is running in this process. */
  has(id: string): boolean {
    return this.running.has(id);
  }

  cancel(id: string): void {
    this.running.get(id)?.abort(new AbortedError('cancelled'));
  }

  /** Stops every push here (the gateway is stopping): each ends FAILED (INTERRUPTED), resumable. */
  async stopAll(): Promise<void> {
    const ids = [...this.running.keys()];
    for (const c of this.running.values()) c.abort(new AbortedError('stopping'));
    for (const id of ids) await this.d.pushes.fail(id, this.d.worker, { code: 'INTERRUPTED', message: 'The push stopped because the gateway running it stopped; resume it with the app password' });
  }

  /** Starts `push` (already RUNNING for this worker) in the background. */
  start(push: ServerPush, password: string): void {
    const controller = new AbortController();
    this.running.set(push.id, controller);
    void this.run(push, password, controller.signal)
      .catch((err: unknown) => this.d.logger.error({ push: push.id, err: err instanceof Error ? err.name : 'error' }, 'push ended with an unexpected error'))
      .finally(() => this.running.delete(push.id));
  }

  private async audit(push: ServerPush, outcome: string): Promise<void> {
    try {
      await audit(this.d.store, { actor: push.personId, actorType: 'subject', person: push.personId, operation: `push ${push.kinds.join(', ')} to ${push.recipientHost} [${push.id}]`, reason: null, requestId: `push-${push.id}-${push.runs}`, outcome });
    } catch (err) {
      this.d.logger.error({ push: push.id, err }, 'audit write of a push outcome failed');
    }
  }

  private async run(push: ServerPush, password: string, signal: AbortSignal): Promise<void> {
    const { pushes, worker, logger } = this.d;
    const log = logger.child({ push: push.id, host: push.recipientHost });
    // Sent cards are counted over every run; the rest is this run's.
    const progress: PushProgress = { ...EMPTY_PROGRESS, cardsSent: push.progress.cardsSent };
    const client = new CardDavClient({ serverUrl: new URL(push.serverUrl), username: push.username, password, policy: this.d.policy, timeoutMs: this.d.timeoutMs, signal });
    const end = async (error: JobError | null) => {
      if (error) {
        if (await pushes.fail(push.id, worker, error, progress)) await this.audit(push, `failed: ${error.code}; ${progress.cardsVerified} of ${progress.cardsTotal ?? '?'} cards verified`);
      } else if (await pushes.succeed(push.id, worker, progress)) {
        await this.audit(push, `succeeded: ${progress.cardsVerified} of ${progress.cardsTotal ?? 0} cards verified (${progress.cardsSent} sent)`);
      }
    };
    try {
      log.info({ run: push.runs }, 'push started');
      const book = await client.addressBook(push.addressBook);
      await pushes.setAddressBook(push.id, worker, book.url);
      const reader = new GatewayReader({ url: this.d.gatewayUrl, internalSecret: this.d.internalSecret, job: { id: push.id, person: push.personId }, retries: 3, retryBaseMs: 300, signal, logger: log });
      const totals = new Map<string, number>();
      const plan = { kinds: this.d.kinds, domains: [...new Set(this.d.kinds.map((k) => k.domain))] };
      let sourceError: string | null = null;
      await traverseFootprint(plan, push.personId, reader.execute, {
        onPage: async (page) => {
          totals.set(page.kind.typename, page.totalCount);
          progress.cardsTotal = [...totals.values()].reduce((a, b) => a + b, 0);
          const checkpoints = await pushes.cards(push.id, page.records.map((r) => String(r.id)));
          for (const record of page.records) {
            if (signal.aborted) throw signal.reason;
            await this.card(client, book, push, record, checkpoints.get(String(record.id)) ?? null, progress);
            // The heartbeat carries the progress; false: cancelled (maybe by another gateway) or taken over.
            if (!(await pushes.heartbeat(push.id, worker, progress))) throw new AbortedError('cancelled');
          }
        },
        onDomainError: (domain, e) => {
          sourceError ??= `Your contacts could not be read from the ${domain} domain: ${e.message}`;
        },
      }, PAGE_SIZE);
      if (sourceError) return await end({ code: 'SOURCE_UNAVAILABLE', message: sourceError });
      if (progress.cardsFailed > 0) return await end({ code: 'CARDS_NOT_VERIFIED', message: `${progress.cardsFailed} card(s) did not arrive as sent; see failedCards. ${progress.cardsVerified} of ${progress.cardsTotal ?? 0} arrived and were verified` });
      await end(null);
      log.info({ verified: progress.cardsVerified, sent: progress.cardsSent }, 'push finished');
    } catch (err) {
      if (signal.aborted || err instanceof AbortedError) {
        const stored = await pushes.get(push.id);
        if (stored?.state === 'CANCELLED') {
          await pushes.settleCancelled(push.id, worker, progress);
          await this.audit(push, `cancelled: ${progress.cardsVerified} of ${progress.cardsTotal ?? '?'} cards verified`);
        } else if (stored?.state === 'RUNNING' && stored.worker === worker) {
          await end({ code: 'INTERRUPTED', message: `The push was stopped after ${progress.cardsVerified} verified card(s); resume it with the app password` });
        }
        return;
      }
      if (err instanceof CardDavError) return await end({ code: err.code, message: `${err.message}. ${progress.cardsVerified} of ${progress.cardsTotal ?? '?'} cards had arrived and were verified` });
      if (err instanceof GatewayUnavailableError) return await end({ code: 'SOURCE_UNAVAILABLE', message: 'Your contacts could not be read: the gateway did not answer' });
      // Never the error's own text: it is not ours to vouch that it holds nothing secret.
      log.error({ errName: err instanceof Error ? err.name : typeof err }, 'push failed unexpectedly');
      await end({ code: 'INTERNAL_SERVER_ERROR', message: 'The push failed unexpectedly; resume it with the app password' });
    } finally {
      await client.close();
    }
  }

  /** One card: skipped if verified before, else uploaded (or found already there), read back and compared. */
  private async card(client: CardDavClient, book: AddressBook, push: ServerPush, record: Record<string, unknown>, cp: CardCheckpoint | null, progress: PushProgress): Promise<void> {
    const vcard = contactToVCard(record);
    const sha256 = createHash('sha256').update(vcard).digest('hex');
    const recordId = String(record.id);
    const uid = typeof record.uid === 'string' && record.uid ? record.uid : null;
    const name = cp?.name ?? cardName(uid, recordId);
    const save = (state: CardCheckpoint['state'], etag: string | null, problem: string | null) => this.d.pushes.checkpoint(push.id, { recordId, uid, name, sha256, etag, state, problem });
    if (cp?.state === 'VERIFIED' && cp.sha256 === sha256) {
      progress.cardsSkipped += 1;
      progress.cardsVerified += 1;
      return;
    }
    // The ETag of the card this push put there, once it has: a card of ours may be replaced (If-Match), another never.
    let ours: string | null = null;
    try {
      let etag: string | null = null;
      if (cp) {
        // Seen by an earlier run: what is there now decides. Ours unless it was refused as someone else's (FAILED without an ETag).
        const there = await client.get(book, name);
        const mine = cp.state !== 'FAILED' || cp.etag !== null;
        if (there.status === 200 && mine && cardDifference(vcard, there.text) === null) {
          progress.cardsVerified += 1;
          return await save('VERIFIED', there.etag, null);
        }
        if (there.status === 200 && mine) etag = there.etag ?? cp.etag;
        else if (there.status !== 200 && there.status !== 404) throw new CardDavError('REMOTE_REFUSED', `The server at ${push.recipientHost} answered ${there.status} when a card was read`);
      }
      const put = await client.put(book, name, vcard, etag);
      if (put.status === 412) {
        if (etag) throw new CardRefused('The card was changed on the server while it was being sent; it was left as it is there');
        // A card of this name is there that this push did not send: the same one is fine, another is not overwritten.
        const there = await client.get(book, name);
        if (there.status === 200 && cardDifference(vcard, there.text) === null) {
          progress.cardsVerified += 1;
          return await save('VERIFIED', there.etag, null);
        }
        throw new CardRefused(`A different card with the UID ${uid ?? recordId} is already in the address book; it was left unchanged`);
      }
      if (put.status >= 500 || put.status === 403 || put.status === 404 || put.status === 405 || put.status === 409) {
        throw new CardDavError('REMOTE_REFUSED', `The server at ${push.recipientHost} refused to store a card (${put.status})`);
      }
      if (put.status < 200 || put.status >= 300) throw new CardRefused(`The server refused this card (${put.status})`);
      progress.cardsSent += 1;
      ours = put.etag ?? '*';
      await save('SENT', put.etag, null);
      const back = await client.get(book, name);
      if (back.status !== 200) throw new CardRefused(`The card could not be read back after it was sent (${back.status})`);
      const difference = cardDifference(vcard, back.text);
      if (difference) throw new CardRefused(`The card read back differs from the one sent: ${difference}`);
      progress.cardsVerified += 1;
      await save('VERIFIED', back.etag ?? put.etag, null);
    } catch (err) {
      if (!(err instanceof CardRefused)) throw err;
      progress.cardsFailed += 1;
      await save('FAILED', ours, err.message);
    }
  }
}
