import { createHash } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { makeAppendOnly } from './append-only.js';
import { purgedRows } from './evidence-purge.js';
import type { AnyKysely } from './view-tables.js';

/**
 * Tamper-evidence for the append-only tables (the audit log, erasure receipts,
 * erased accounts, request timelines). The triggers stop a writer going through
 * the database; anyone with the SQLite file (or the PostgreSQL owner) can still
 * drop them and edit a row. So each row is also linked, in insertion order, to
 * the one before it: link n holds the row's key, the SHA-256 of the row's
 * canonical content, and hash(link n-1, n, key, row hash). Changing, removing or
 * slipping in a row breaks the chain at that row, and rewriting the chain
 * from there on no longer matches a checkpoint of its head kept elsewhere
 * (evidence-checkpoint.ts), as in Certificate Transparency's logs.
 *
 * One chain per table (per store): every row has one place in one total order,
 * so a checkpoint is one head per table and a person's receipt can name its
 * position. A chain per person would let their own rows be checked without
 * anyone else's, but would not survive the erasure of those rows and would
 * leave the order between people unproven.
 *
 * The links live in their own table (evidence_link), itself append-only, so the
 * evidence tables keep their shipped columns and existing rows are chained by
 * a migration (genesis) without rewriting them.
 */

/** An evidence table: its key (what a link names) and the order existing rows are chained in. */
export interface EvidenceTable {
  table: string;
  /** Columns (snake_case) that identify a row. */
  key: readonly string[];
  /** Columns (snake_case) giving the insertion order of rows written before the chain existed. */
  order: readonly string[];
}

/** Where a row sits in its chain: shown on receipts and request evidence. */
export interface ChainPosition {
  table: string;
  seq: number;
  /** The chain's hash at this row (hex SHA-256), which covers it and every row before it. */
  hash: string;
}

export const EVIDENCE_LINK_TABLE = 'evidence_link';
/** The hash before the first link. */
export const GENESIS_HASH = '0'.repeat(64);
/** Keeps these hashes apart from any other SHA-256 of the same text. */
const ROW_PURPOSE = 'footprint-evidence-row/v1';

type AnyDb = AnyKysely;

const isPostgres = (db: AnyDb) => db.getExecutor().adapter instanceof PostgresAdapter;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const IDENT = /^[a-z_][a-z0-9_]*$/;

function checkSpec(spec: EvidenceTable): void {
  for (const name of [spec.table, ...spec.key, ...spec.order]) if (!IDENT.test(name)) throw new Error(`evidence chain: not a plain SQL identifier: ${name}`);
}

/** Rows come back camelCase through the stores' CamelCasePlugin and snake_case in migrations: one spelling for the hash. */
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function normalise(row: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(row)) out[snake(k)] = v === null || v === undefined ? null : String(v);
  return out;
}

/**
 * The canonical encoding of a row: its columns sorted by name, every value as
 * text (SQLite and PostgreSQL return integers as numbers or strings alike) or
 * null. Both engines give the same text for the same row.
 */
export function canonicalRow(row: Record<string, unknown>): string {
  const n = normalise(row);
  return JSON.stringify(Object.keys(n).sort().map((k) => [k, n[k]]));
}

export const rowHash = (table: string, row: Record<string, unknown>): string => sha256(`${ROW_PURPOSE}\n${table}\n${canonicalRow(row)}`);
export const linkHash = (prev: string, seq: number, rowKey: string, rowHashHex: string): string => sha256(`${prev}\n${seq}\n${rowKey}\n${rowHashHex}`);
export const rowKey = (spec: EvidenceTable, row: Record<string, unknown>): string => {
  const n = normalise(row);
  return JSON.stringify(spec.key.map((k) => n[k] ?? null));
};

/**
 * SQLite's INSERT OR REPLACE (and REPLACE INTO) deletes the row holding the key
 * and inserts the new one without firing the delete trigger, so it would
 * rewrite evidence: an insert whose key is taken aborts instead. ON CONFLICT DO
 * UPDATE already fires the update trigger on both engines. PostgreSQL's
 * TRUNCATE fires no row trigger: a statement trigger refuses it (the table's
 * <table>_append_only function, which makeAppendOnly made).
 */
export async function refuseReplace(db: Kysely<unknown>, table: string, keys: readonly (readonly string[])[]): Promise<void> {
  for (const name of [table, ...keys.flat()]) if (!IDENT.test(name)) throw new Error(`refuseReplace: not a plain SQL identifier: ${name}`);
  if (isPostgres(db)) {
    await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)} for each statement execute function ${sql.raw(`${table}_append_only`)}()`.execute(db);
    return;
  }
  for (const [i, key] of keys.entries()) {
    const taken = sql.raw(key.map((k) => `t.${k} = new.${k}`).join(' and '));
    const refusal = sql.lit(`${table} is append-only: a row with this ${key.join(', ')} exists`);
    await sql`create trigger ${sql.raw(`${table}_no_replace${i ? `_${i + 1}` : ''}`)} before insert on ${sql.table(table)} when exists (select 1 from ${sql.table(table)} t where ${taken}) begin select raise(abort, ${refusal}); end`.execute(db);
  }
}

/** Creates the link table once per store (append-only itself) and guards it like the tables it chains. */
async function ensureLinkTable(db: Kysely<unknown>): Promise<void> {
  if (await tableExists(db, EVIDENCE_LINK_TABLE)) return;
  await db.schema
    .createTable(EVIDENCE_LINK_TABLE)
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('row_key', 'text', (c) => c.notNull())
    .addColumn('row_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${EVIDENCE_LINK_TABLE}_pk`, ['chain', 'seq'])
    .execute();
  await db.schema.createIndex(`${EVIDENCE_LINK_TABLE}_row_idx`).on(EVIDENCE_LINK_TABLE).columns(['chain', 'row_key']).unique().execute();
  await makeAppendOnly(db, EVIDENCE_LINK_TABLE);
  await refuseReplace(db, EVIDENCE_LINK_TABLE, [
    ['chain', 'seq'],
    ['chain', 'row_key'],
  ]);
}

/**
 * A migration step: refuses REPLACE on the table, creates the link table if
 * this store has none, and chains the rows already there (genesis), in their
 * insertion order, so an upgraded database verifies.
 */
export async function chainEvidenceTable(db: Kysely<unknown>, spec: EvidenceTable, keys: readonly (readonly string[])[] = [spec.key]): Promise<void> {
  checkSpec(spec);
  await ensureLinkTable(db);
  await refuseReplace(db, spec.table, keys);
  const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)} order by ${sql.raw(spec.order.join(', '))}`.execute(db)).rows;
  await insertLinks(db, spec, rows, { seq: 0, hash: GENESIS_HASH });
}

async function head(db: AnyDb, table: string): Promise<{ seq: number; hash: string }> {
  const row = (await sql<{ seq: number; hash: string }>`select seq, hash from ${sql.table(EVIDENCE_LINK_TABLE)} where chain = ${table} order by seq desc limit 1`.execute(db)).rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

const LINK_BATCH = 1000;

async function insertLinks(db: AnyDb, spec: EvidenceTable, rows: Record<string, unknown>[], from: { seq: number; hash: string }): Promise<ChainPosition[]> {
  const at = new Date().toISOString();
  let { seq, hash } = from;
  const links = rows.map((row) => {
    const key = rowKey(spec, row);
    const rh = rowHash(spec.table, row);
    seq += 1;
    hash = linkHash(hash, seq, key, rh);
    return { seq, key, rh, hash };
  });
  for (let i = 0; i < links.length; i += LINK_BATCH) {
    const values = links.slice(i, i + LINK_BATCH).map((l) => sql`(${spec.table}, ${l.seq}, ${l.key}, ${l.rh}, ${l.hash}, ${at})`);
    await sql`insert into ${sql.table(EVIDENCE_LINK_TABLE)} (chain, seq, row_key, row_hash, hash, linked_at) values ${sql.join(values)}`.execute(db);
  }
  return links.map((l) => ({ table: spec.table, seq: l.seq, hash: l.hash }));
}

/**
 * Appends evidence rows and their links in one transaction (the caller's, if
 * it is in one). `insert` writes the rows and returns them as stored (RETURNING
 * *), so the hash covers what the database holds, ids and defaults included.
 * Appends to one chain are serialised: on PostgreSQL by a transaction lock on
 * the chain (two gateways may append at once), on SQLite by the store's
 * IMMEDIATE transactions, which take the write lock before reading the head.
 */
export async function appendEvidence<DB, Row extends object>(db: Kysely<DB> | Transaction<DB>, spec: EvidenceTable, insert: (trx: Transaction<DB>) => Promise<Row[]>): Promise<Row[]> {
  checkSpec(spec);
  const run = async (trx: Transaction<DB>) => {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(hashtext(${'footprint-evidence:'} || current_schema() || ${`:${spec.table}`}))`.execute(trx);
    const rows = await insert(trx);
    if (rows.length) await insertLinks(trx, spec, rows as Record<string, unknown>[], await head(trx, spec.table));
    return rows;
  };
  return db.isTransaction ? run(db as Transaction<DB>) : db.transaction().execute(run);
}

/** Where each of these rows sits in its table's chain (null for a row not chained), in one statement. */
export async function chainPositions(db: AnyDb, spec: EvidenceTable, rows: readonly object[]): Promise<(ChainPosition | null)[]> {
  if (rows.length === 0) return [];
  const keys = rows.map((r) => rowKey(spec, r as Record<string, unknown>));
  const links = (await sql<{ rk: string; seq: number; hash: string }>`select row_key as rk, seq, hash from ${sql.table(EVIDENCE_LINK_TABLE)} where chain = ${spec.table} and row_key in (${sql.join(keys)})`.execute(db)).rows;
  const byKey = new Map(links.map((l) => [l.rk, { table: spec.table, seq: Number(l.seq), hash: l.hash }]));
  return keys.map((k) => byKey.get(k) ?? null);
}

/** The first place a chain does not hold, named for an operator. */
export interface ChainBreak {
  /** The link's position (the row's place in the chain); for a row with no link, the chain's length + 1. */
  seq: number;
  /** The row's key, as JSON (e.g. ["42"]). */
  key: string;
  problem: 'ROW_CHANGED' | 'ROW_MISSING' | 'ROW_NOT_CHAINED' | 'LINK_REWRITTEN' | 'LINK_MISSING';
  detail: string;
}

export interface ChainReport {
  table: string;
  /** Links in the chain. */
  count: number;
  /** The hash of the last link (GENESIS_HASH when empty). */
  head: string;
  /** hash of each link by seq, for checking a checkpoint against an earlier head. */
  hashAt(seq: number): string | null;
  broken: ChainBreak | null;
}

/** Recomputes a table's chain from its rows and links, and names the first row where it does not hold. */
export async function verifyEvidenceChain(db: AnyDb, spec: EvidenceTable): Promise<ChainReport> {
  checkSpec(spec);
  // One-word aliases: the stores' CamelCasePlugin renames result columns, the migrations' connection does not.
  const links = (await sql<{ seq: number; rk: string; rh: string; hash: string }>`select seq, row_key as rk, row_hash as rh, hash from ${sql.table(EVIDENCE_LINK_TABLE)} where chain = ${spec.table} order by seq`.execute(db)).rows.map((l) => ({
    seq: Number(l.seq),
    key: l.rk,
    rowHash: l.rh,
    hash: l.hash,
  }));
  const rows = new Map<string, Record<string, unknown>>();
  for (const row of (await sql<Record<string, unknown>>`select * from ${sql.table(spec.table)}`.execute(db)).rows) rows.set(rowKey(spec, row), row);
  const hashes = links.map((l) => l.hash);
  const report = (broken: ChainBreak | null): ChainReport => ({
    table: spec.table,
    count: links.length,
    head: links.at(-1)?.hash ?? GENESIS_HASH,
    hashAt: (seq) => (seq === 0 ? GENESIS_HASH : (hashes[seq - 1] ?? null)),
    broken,
  });
  // Rows purged when their hold ended (evidence-purge.ts): their links stay, and a purge record names each.
  const purged = await purgedRows(db, spec.table);
  let prev = GENESIS_HASH;
  const chained = new Set<string>();
  for (const [i, l] of links.entries()) {
    if (l.seq !== i + 1) return report({ seq: i + 1, key: l.key, problem: 'LINK_MISSING', detail: `link ${i + 1} is missing (the next link is ${l.seq})` });
    const row = rows.get(l.key);
    if (!row && purged.get(l.key) !== l.rowHash) return report({ seq: l.seq, key: l.key, problem: 'ROW_MISSING', detail: `row ${l.key} is gone (deleted, or replaced under another key), and no purge record covers it` });
    // The row's values stay out of the message (it may hold personal data and ends up in logs): the key says where to look.
    const actual = row ? rowHash(spec.table, row) : l.rowHash;
    if (actual !== l.rowHash) return report({ seq: l.seq, key: l.key, problem: 'ROW_CHANGED', detail: `row ${l.key} was changed after it was written: its content hashes to ${actual.slice(0, 16)}…, the chain recorded ${l.rowHash.slice(0, 16)}…` });
    const expected = linkHash(prev, l.seq, l.key, l.rowHash);
    if (expected !== l.hash) return report({ seq: l.seq, key: l.key, problem: 'LINK_REWRITTEN', detail: `link ${l.seq} does not follow link ${l.seq - 1}: the chain itself was rewritten here` });
    prev = l.hash;
    chained.add(l.key);
  }
  for (const key of rows.keys()) {
    if (!chained.has(key)) return report({ seq: links.length + 1, key, problem: 'ROW_NOT_CHAINED', detail: `row ${key} is in no link: it was added outside the gateway, or replaced a row under a new key` });
  }
  return report(null);
}

/** Whether the store has this table (a domain whose rights tables were never made has no chained evidence). */
export async function tableExists(db: AnyDb, table: string): Promise<boolean> {
  const n = isPostgres(db)
    ? (await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = ${table}`.execute(db)).rows[0]?.n
    : (await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = ${table}`.execute(db)).rows[0]?.n;
  return Number(n) > 0;
}
