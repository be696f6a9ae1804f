import { PostgresAdapter, type Generated, type Migration } from 'kysely';
// Narrow kit modules (not the barrel): the export thread loads this file and must not pull in Apollo Server.
import { makeAppendOnly } from '@footprint/kit/append-only.js';
import { appendEvidence, chainEvidenceTable, type EvidenceTable } from '@footprint/kit/evidence-chain.js';
import { openStore, storeUrl, type Store } from '@footprint/kit/store.js';

export interface AuditRow {
  id: Generated<number>;
  at: string;
  actor: string;
  actorType: string;
  person: string | null;
  operation: string;
  reason: string | null;
  requestId: string;
  outcome: string;
}

export interface GatewayDB {
  auditLog: AuditRow;
}

const migrations: Record<string, Migration> = {
  '001_audit_log': {
    async up(db) {
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('audit_log')
        .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('person', 'text')
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_person_idx').on('audit_log').columns(['person', 'at']).execute();
      // Append-only, enforced by the database itself, not only by this code.
      // Its PostgreSQL trigger keeps the name the first deployments gave it.
      await makeAppendOnly(db, 'audit_log', 'audit_log_no_update');
    },
  },
  // Numbered after every feature's shipped migrations: Kysely runs new migrations only after the last one applied.
  '901_audit_log_chain': {
    up: (db) => chainEvidenceTable(db, AUDIT_EVIDENCE),
  },
};

/** The audit log's hash chain (kit/src/evidence-chain.ts): one chain, in id order. */
export const AUDIT_EVIDENCE: EvidenceTable = { table: 'audit_log', key: ['id'], order: ['id'] };

export type GatewayStore = Store<GatewayDB>;

/** The gateway's own store (audit log; export jobs and corrections add tables). */
export function openGatewayStore(dataDir: string, extra: Record<string, Migration> = {}): GatewayStore {
  return openStore<GatewayDB>({ domain: 'gateway', url: storeUrl('gateway', dataDir), dataDir, migrations: { ...migrations, ...extra }, appendOnly: APPEND_ONLY, purgeable: PURGEABLE });
}

/** Tables the gateway only ever appends to: on PostgreSQL its service role may not update, delete or truncate them (the triggers stop the owner). */
const APPEND_ONLY = ['audit_log', 'erasure_receipt', 'erased_account', 'evidence_link', 'evidence_purge'];
/** Append-only too, but a held person's rows go when the hold ends, each named first by a purge record (the table's delete guard checks it). */
const PURGEABLE = ['privacy_request_event'];

export type AuditEntry = Omit<AuditRow, 'id' | 'at'>;

/**
 * Bounds of what a request may put into the append-only log. Each is checked
 * where the value enters, with an error that names it; audit() checks them
 * again so that no path can grow the log by a request's size.
 */
export const AUDIT_LIMITS = {
  /** X-Footprint-Reason, in characters: a ticket reference and a sentence. */
  reason: 500,
  /** A token's `sub`. */
  actor: 256,
  operationName: 128,
  /** "<type> <name> [root fields]" and the outcome, which quotes an error message. */
  operation: 1024,
  outcome: 1024,
} as const;

/** Appends one audit entry; callers await it before data is released. */
export async function audit(store: GatewayStore, entry: AuditEntry): Promise<void> {
  for (const field of ['actor', 'reason', 'operation', 'outcome'] as const) {
    const value = entry[field];
    if (value && value.length > AUDIT_LIMITS[field]) throw new Error(`audit ${field} of ${value.length} characters exceeds ${AUDIT_LIMITS[field]}`);
  }
  await appendEvidence(store.db, AUDIT_EVIDENCE, (trx) => trx.insertInto('auditLog').values({ ...entry, at: new Date().toISOString() }).returningAll().execute());
}
