import type { Migration } from 'kysely';
import type { Logger } from '@footprint/kit';
import { PeriodicRun } from '../jobs/periodic.js';
import type { GatewayStore } from '../auth/audit.js';
import type { Acting, ConsentFeedChange, RightsDomains } from './domains.js';

/**
 * One consent state across domains. A domain that keeps consent records of
 * its own (account: also those an app's settings wrote before the rights
 * existed) is the source; the gateway reads its records in order from a
 * cursor it keeps (consent_sync_cursor) and appends each person's latest
 * change per purpose to every other domain's ledger, with the record's own
 * time and channel, as a withdrawal through the rights does (what was kept
 * only until the withdrawal is erased). The domains' processing checks read
 * their ledgers, so they refuse within one sync interval of the record. Idempotent: a ledger
 * that already says the same appends nothing, so a repeated batch (a crash
 * before the cursor moved) changes nothing.
 */

interface ConsentSyncCursorTable {
  domain: string;
  cursor: string;
  updatedAt: string;
}
type SyncDB = { consentSyncCursor: ConsentSyncCursorTable };

export const consentSyncMigrations: Record<string, Migration> = {
  // After every feature's shipped migrations (Kysely runs new ones only after the last applied).
  '920_consent_sync_cursor': {
    async up(db) {
      await db.schema
        .createTable('consent_sync_cursor')
        .addColumn('domain', 'text', (c) => c.primaryKey())
        .addColumn('cursor', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export interface ConsentSyncDeps {
  store: GatewayStore;
  domains: RightsDomains;
  logger: Logger;
  /** How often it runs (the gateway's maintenance); 0 = only when called. */
  everyMs: number;
  /** Records read per call to a domain. */
  batch?: number;
}

export interface ConsentSyncResult {
  /** Consent records read from the domains that keep them. */
  read: number;
  /** Changes told to another domain (each appends it only when its ledger says otherwise). */
  applied: number;
  /** Domains that could not be asked or told (their cursor stays: the next run tries again). */
  failed: string[];
}

const SYNC_ACTOR = { actor: 'consent-sync', actorType: 'operator' } as const;

export class ConsentSync extends PeriodicRun<ConsentSyncResult> {
  constructor(private readonly deps: ConsentSyncDeps) {
    super({ everyMs: deps.everyMs, logger: deps.logger, what: 'consent sync' });
  }

  /** One run until every source is read to its end (a running one is joined, not doubled). */
  sync(): Promise<ConsentSyncResult> {
    return this.runOnce();
  }

  private get db() {
    return this.deps.store.db.withTables<SyncDB>();
  }

  protected async work(): Promise<ConsentSyncResult> {
    const { domains, logger } = this.deps;
    const batch = this.deps.batch ?? 500;
    const out: ConsentSyncResult = { read: 0, applied: 0, failed: [] };
    for (const source of domains.domains) {
      const log = logger.child({ consentSync: source });
      const base = { ...SYNC_ACTOR, requestId: `consent-sync:${source}`, log };
      let cursor = (await this.db.selectFrom('consentSyncCursor').select('cursor').where('domain', '=', source).executeTakeFirst())?.cursor ?? null;
      for (;;) {
        if (this.stopped) return out;
        let changes: ConsentFeedChange[];
        try {
          changes = await domains.consentChanges(source, base, cursor, batch);
        } catch (err) {
          log.warn({ err }, 'consent records could not be read; the next run asks again');
          out.failed.push(source);
          break;
        }
        if (changes.length === 0) break;
        out.read += changes.length;
        const ok = await this.apply(source, latestPerPurpose(changes), base, out);
        if (!ok) break;
        const next = changes[changes.length - 1]!.cursor;
        const now = new Date().toISOString();
        await this.db
          .insertInto('consentSyncCursor')
          .values({ domain: source, cursor: next, updatedAt: now })
          .onConflict((oc) => oc.column('domain').doUpdateSet({ cursor: next, updatedAt: now }))
          .execute();
        cursor = next;
        if (changes.length < batch) break;
      }
    }
    return out;
  }

  /** Appends each change to every other domain's ledger; false when a domain failed (the batch is read again next run). */
  private async apply(source: string, changes: ConsentFeedChange[], base: Omit<Acting, 'person'>, out: ConsentSyncResult): Promise<boolean> {
    let ok = true;
    for (const target of this.deps.domains.domains) {
      if (target === source) continue;
      for (const c of changes) {
        if (this.stopped) return false;
        // One request id per record: what a withdrawal erases is receipted under it.
        const a: Acting = { ...base, person: c.personId, requestId: `consent-sync:${source}:${c.cursor}` };
        const mirrored = { at: c.at, channel: c.channel };
        try {
          // The domain appends only what differs from its latest change, so telling it again is harmless.
          if (c.granted) await this.deps.domains.give(target, a, c.purpose, null, mirrored);
          else await this.deps.domains.withdraw(target, a, c.purpose, null, mirrored);
          out.applied++;
        } catch (err) {
          base.log.warn({ err, domain: target, person: c.personId }, 'a consent change could not be carried into the domain; the next run tries again');
          if (!out.failed.includes(target)) out.failed.push(target);
          ok = false;
        }
      }
    }
    return ok;
  }
}

/** The latest record per person and purpose (by its time, then its order) in a batch: the state the batch leaves. */
function latestPerPurpose(changes: ConsentFeedChange[]): ConsentFeedChange[] {
  const latest = new Map<string, ConsentFeedChange>();
  for (const c of changes) {
    const key = `${c.personId}\u0000${c.purpose}`;
    const seen = latest.get(key);
    if (!seen || seen.at <= c.at) latest.set(key, c);
  }
  return [...latest.values()];
}
