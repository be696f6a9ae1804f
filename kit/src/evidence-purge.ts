import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { makeAppendOnly } from './append-only.js';
import { appendEvidence, chainEvidenceTable, EVIDENCE_LINK_TABLE, rowKey, tableExists, type EvidenceTable } from './evidence-chain.js';
import type { AnyKysely } from './view-tables.js';

/**
 * Purging rows of a hash-chained evidence table once the hold that kept them
 * ends (e.g. an erased person's request timelines, three years on). As in
 * Certificate Transparency's redaction proposals, the chain commits to each
 * row's content hash, not the content: the purge deletes the row, its link
 * (the row hash, and the chain's hash over it) stays, and an appended,
 * itself chained, purge record names the row, its hash, when and why. The
 * verifier accepts a missing row only where a purge record covers its link
 * with the same row hash; any other missing or changed row still breaks it.
 *
 * The database enforces it too: a purgeable table's delete guard lets a row
 * go only once a purge record names it (written first, in the same transaction).
 */

export const EVIDENCE_PURGE_TABLE = 'evidence_purge';
/** The purge records' own chain: one row per purged evidence row. */
export const PURGE_EVIDENCE: EvidenceTable = { table: EVIDENCE_PURGE_TABLE, key: ['chain', 'row_key'], order: ['purged_at', 'chain', 'row_key'] };

export interface EvidencePurgeRow {
  chain: string;
  rowKey: string;
  rowHash: string;
  purgedAt: string;
  /** What hold ended (and for what), as the purge states it. */
  reason: string;
}

const isPostgres = (db: AnyKysely) => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * A migration step: creates the purge records' table (append-only, chained)
 * if the store has none, and lets `spec.table`'s rows be deleted only where a
 * purge record names them. Only a one-column key (an id) is supported.
 */
export async function makePurgeable(db: Kysely<unknown>, spec: EvidenceTable): Promise<void> {
  const [key] = spec.key;
  if (spec.key.length !== 1 || !key || !/^[a-z_][a-z0-9_]*$/.test(key) || !/^[a-z_][a-z0-9_]*$/.test(spec.table)) throw new Error(`makePurgeable: ${spec.table} needs a one-column plain key`);
  if (!(await tableExists(db, EVIDENCE_PURGE_TABLE))) {
    await db.schema
      .createTable(EVIDENCE_PURGE_TABLE)
      .addColumn('chain', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.notNull())
      .addColumn('row_hash', 'text', (c) => c.notNull())
      .addColumn('purged_at', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${EVIDENCE_PURGE_TABLE}_pk`, ['chain', 'row_key'])
      .execute();
    await makeAppendOnly(db, EVIDENCE_PURGE_TABLE);
    await chainEvidenceTable(db, PURGE_EVIDENCE);
  }
  // The row's key as rowKey() writes it for a one-column key: ["<value as text>"].
  const table = spec.table;
  if (isPostgres(db)) {
    const covered = `exists (select 1 from ${EVIDENCE_PURGE_TABLE} p where p.chain = '${table}' and p.row_key = '["' || old.${key}::text || '"]')`;
    // Nested IFs: plpgsql does not promise to stop at a false AND (OLD is null for TRUNCATE).
    const body = `begin if TG_OP = 'DELETE' then if ${covered} then return old; end if; end if; raise exception '${table} is append-only'; end`;
    await sql`create or replace function ${sql.raw(`${table}_append_only`)}() returns trigger language plpgsql as ${sql.lit(body)}`.execute(db);
  } else {
    await sql`drop trigger if exists ${sql.raw(`${table}_no_delete`)}`.execute(db);
    const refusal = sql.lit(`${table} is append-only`);
    await sql`create trigger ${sql.raw(`${table}_no_delete`)} before delete on ${sql.table(table)} when not exists (select 1 from ${sql.table(EVIDENCE_PURGE_TABLE)} p where p.chain = ${sql.lit(table)} and p.row_key = '["' || old.${sql.raw(key)} || '"]') begin select raise(abort, ${refusal}); end`.execute(db);
  }
}

/**
 * Purges these rows (as read from `spec.table`) in the caller's transaction:
 * appends a purge record for each (naming the row's key and the hash its link
 * holds), then deletes them. A row that has no link is not evidence the chain
 * holds: it is refused rather than deleted unrecorded.
 */
export async function purgeEvidence<DB>(trx: Transaction<DB>, spec: EvidenceTable, rows: readonly Record<string, unknown>[], reason: string, at: string): Promise<number> {
  if (rows.length === 0) return 0;
  const keys = rows.map((r) => rowKey(spec, r));
  const links = (await sql<{ rk: string; rh: string }>`select row_key as rk, row_hash as rh from ${sql.table(EVIDENCE_LINK_TABLE)} where chain = ${spec.table} and row_key in (${sql.join(keys)})`.execute(trx)).rows;
  const hashOf = new Map(links.map((l) => [l.rk, l.rh]));
  const missing = keys.find((k) => !hashOf.has(k));
  if (missing) throw new Error(`purgeEvidence: ${spec.table} row ${missing} has no link in the chain; not purged`);
  await appendEvidence(trx, PURGE_EVIDENCE, async (t) => {
    const values = keys.map((k) => sql`(${spec.table}, ${k}, ${hashOf.get(k)!}, ${at}, ${reason})`);
    return (await sql<Record<string, unknown>>`insert into ${sql.table(EVIDENCE_PURGE_TABLE)} (chain, row_key, row_hash, purged_at, reason) values ${sql.join(values)} returning *`.execute(t)).rows;
  });
  const [key] = spec.key;
  const ids = rows.map((r) => r[key!] ?? r[key!.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]);
  const res = await sql`delete from ${sql.table(spec.table)} where ${sql.ref(key!)} in (${sql.join(ids)})`.execute(trx);
  return Number(res.numAffectedRows ?? 0);
}

/** The purge records of a chain, by row key: the row hash each purged row had (none when the store has no purge table). */
export async function purgedRows(db: AnyKysely, table: string): Promise<Map<string, string>> {
  if (table === EVIDENCE_PURGE_TABLE || !(await tableExists(db, EVIDENCE_PURGE_TABLE))) return new Map();
  const rows = (await sql<{ rk: string; rh: string }>`select row_key as rk, row_hash as rh from ${sql.table(EVIDENCE_PURGE_TABLE)} where chain = ${table}`.execute(db)).rows;
  return new Map(rows.map((r) => [r.rk, r.rh]));
}
