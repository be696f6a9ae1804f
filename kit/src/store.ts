import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CamelCasePlugin,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  sql,
  type CreateTableBuilder,
  type Migration,
  type Transaction,
} from 'kysely';

import { ensureDiscoverySummary } from './discovery-summary.js';
import { migrateToLatest } from './migration-lock.js';
import { checkpointSqlite, ImmediateSqliteDialect, openSqlite } from './sqlite.js';
import { viewTables, type AnyKysely } from './view-tables.js';

export type Dialect = 'sqlite' | 'postgres';

/** A database of any domain, as the kit reads it (domain code keeps its precise types). */
export type AnyDB = Record<string, Record<string, unknown>>;

/** Columns every record table has; a domain table adds its own. */
export interface RecordRow {
  id: number;
  personId: string;
  /** ISO-8601 UTC; also the order records are discovered in. */
  collectedAt: string;
  region: string;
  /** Overrides the kind's default source for this record (e.g. a gift address). */
  source: string | null;
}

/**
 * SQLite only: read statements prepared once and kept, run straight on
 * better-sqlite3. Kysely compiles and prepares every query anew and re-keys
 * every row (CamelCasePlugin); a page of 5,000 records is read about twice as
 * fast without both. Counted in `statements` like any other.
 */
export interface PreparedReads {
  /** The rows of `sql` (SQLite syntax, snake_case names; alias columns to camelCase) with `params`. */
  all<Row>(sql: string, params: readonly unknown[]): Row[];
  /** The result column names of `sql`, in order, without running it (nor counting it). */
  columns(sql: string): string[];
}

/** What a read needs of a store: Kysely, and on SQLite its prepared reads. */
export interface StoreReads {
  db: AnyKysely;
  reads: PreparedReads | null;
}

export interface Store<DB> {
  domain: string;
  dialect: Dialect;
  /** The data folder the store was opened with: where a domain keeps files beside its database (e.g. cloud's blobs). */
  dataDir: string;
  db: Kysely<DB>;
  /** Prepared reads on SQLite; null on PostgreSQL (where every read goes through Kysely). */
  reads: PreparedReads | null;
  /** SQL statements run since the store opened: batching is measured with it. */
  readonly statements: number;
  migrate(): Promise<void>;
  /**
   * After an erasure: SQLite moves the WAL into the file and truncates it (so
   * no old frame holds the erased rows); PostgreSQL has nothing to do here (its
   * dead tuples go with VACUUM, see the README). Throws when the WAL could not
   * be truncated (the erasure itself is done; the frames go at a later checkpoint).
   */
  settleErasure(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  domain: string;
  /** `postgres://…` moves the domain to PostgreSQL; a path (or `sqlite:path`) is a SQLite file. */
  url?: string | undefined;
  dataDir: string;
  migrations: Record<string, Migration>;
  /**
   * Tables nobody may change once written (e.g. the audit log). On PostgreSQL
   * the store's service role gets no UPDATE, DELETE or TRUNCATE on them, so
   * even a compromised service cannot rewrite them (a trigger guards the owner).
   */
  appendOnly?: string[];
  /**
   * Append-only tables whose rows a purge may delete once a purge record
   * names them (evidence-purge.ts): the service role gets no UPDATE or
   * TRUNCATE, and DELETE only through the table's guard.
   */
  purgeable?: string[];
  /** Read for the role's name (FOOTPRINT_<DOMAIN>_DATABASE_ROLE); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/**
 * Where a domain's store lives: FOOTPRINT_<DOMAIN>_DATABASE_URL, else
 * FOOTPRINT_DATABASE_URL (every store in one database, a schema each), else
 * the SQLite file <dataDir>/<domain>.db.
 */
export function storeUrl(domain: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`FOOTPRINT_${domain.toUpperCase()}_DATABASE_URL`] || env.FOOTPRINT_DATABASE_URL || join(dataDir, `${domain}.db`);
}

/**
 * The PostgreSQL role a domain's service runs as: FOOTPRINT_<DOMAIN>_DATABASE_ROLE,
 * else footprint_<domain>. It may read and write its schema's tables but does
 * not own them, so it cannot alter or drop them, nor change append-only ones.
 */
export function storeRole(domain: string, env: NodeJS.ProcessEnv = process.env): string {
  const role = env[`FOOTPRINT_${domain.toUpperCase()}_DATABASE_ROLE`] || `footprint_${domain}`;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`FOOTPRINT_${domain.toUpperCase()}_DATABASE_ROLE must be a lower-case SQL identifier, got ${JSON.stringify(role)}`);
  return role;
}

/**
 * Creates the service role if missing and grants it what the service needs
 * in its schema, run by the migrating (owning) login after each migration so
 * tables added by any feature's migrations are covered.
 */
async function grantServiceRole(db: Kysely<unknown>, schema: string, role: string, appendOnly: string[], purgeable: string[] = []): Promise<void> {
  const r = sql.id(role);
  const s = sql.id(schema);
  // Two services migrating at once may both try to create it: either error means it exists.
  await sql`do $$ begin create role ${r} nologin; exception when duplicate_object or unique_violation then null; end $$`.execute(db);
  // A non-superuser login must be a member to act as the role (a superuser already may).
  await sql
    .raw(`do $$ begin if not (select rolsuper from pg_roles where rolname = current_user) and not pg_has_role(current_user, '${role}', 'member') then execute 'grant ${role} to ' || quote_ident(current_user); end if; end $$`)
    .execute(db);
  // CREATE: the kit creates its correction tables on first use; the role owns only those.
  await sql`grant usage, create on schema ${s} to ${r}`.execute(db);
  await sql`grant select, insert, update, delete on all tables in schema ${s} to ${r}`.execute(db);
  await sql`grant usage, select, update on all sequences in schema ${s} to ${r}`.execute(db);
  // A table a feature's migrations have not created (yet) has nothing to revoke.
  for (const table of appendOnly) {
    await sql.raw(`do $$ begin if to_regclass('${schema}.${table}') is not null then execute 'revoke update, delete, truncate on ${schema}.${table} from ${role}'; end if; end $$`).execute(db);
  }
  for (const table of purgeable) {
    await sql.raw(`do $$ begin if to_regclass('${schema}.${table}') is not null then execute 'revoke update, truncate on ${schema}.${table} from ${role}'; end if; end $$`).execute(db);
  }
}

/**
 * Opens a domain's store through Kysely, so the same queries run on the
 * embedded SQLite file and on PostgreSQL: moving a domain is configuration.
 * On PostgreSQL each domain gets its own schema (its search_path).
 */
export function openStore<DB>(opts: StoreOptions): Store<DB> {
  const url = opts.url ?? join(opts.dataDir, `${opts.domain}.db`);
  const dialect: Dialect = isPostgresUrl(url) ? 'postgres' : 'sqlite';
  const role = dialect === 'postgres' ? storeRole(opts.domain, opts.env) : null;
  let statements = 0;
  const log = () => {
    statements += 1;
  };
  let db: Kysely<DB>;
  let reads: PreparedReads | null = null;
  if (dialect === 'postgres') {
    // The service works as its role in its schema; migrations run as the login, which owns the tables.
    const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${opts.domain} -c role=${role}` });
    // An idle client whose connection the server ends (a restart, a failover, a dropped database) emits 'error'
    // on the pool; without a listener that would crash the process. The next query simply takes a new connection.
    pool.on('error', () => {});
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()], log });
  } else {
    const file = url.replace(/^sqlite:/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const database = openSqlite(file);
    db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database }), plugins: [new CamelCasePlugin()], log });
    reads = preparedReads(database, log);
  }
  return {
    domain: opts.domain,
    dialect,
    dataDir: opts.dataDir,
    db,
    reads,
    get statements() {
      return statements;
    },
    async migrate() {
      const owner =
        dialect === 'postgres'
          ? new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${opts.domain}` }) }) })
          : viewTables<unknown>(db);
      try {
        if (dialect === 'postgres') {
          // Two stores' first migrations may race on one database: create if not exists can still collide.
          await sql`create schema if not exists ${sql.id(opts.domain)}`.execute(owner).catch(async (err: unknown) => {
            const exists = await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = ${opts.domain}`.execute(owner);
            if (exists.rows[0]?.n !== 1) throw err;
          });
        }
        await migrateToLatest(owner, {
          what: `the ${opts.domain} store`,
          migrations: opts.migrations,
          // Each store keeps its migration tables in its own schema: without it Kysely finds another store's and fails.
          schema: dialect === 'postgres' ? opts.domain : undefined,
          after: (owner) => ensureDiscoveryIndexes(owner, dialect, opts.domain),
        });
        if (role) {
          // Processes starting together (two workers) would otherwise grant at once ("tuple concurrently updated").
          await owner.transaction().execute(async (trx) => {
            await sql`select pg_advisory_xact_lock(hashtext(${`footprint-grants:${opts.domain}`}))`.execute(trx);
            await grantServiceRole(trx, opts.domain, role, opts.appendOnly ?? [], opts.purgeable ?? []);
          });
        }
      } finally {
        if (owner !== (db as unknown)) await owner.destroy();
      }
    },
    async settleErasure() {
      if (dialect !== 'sqlite') return;
      await checkpointSqlite(db);
    },
    close: () => db.destroy(),
  };
}

type RowBuilder = (values: unknown[]) => Record<string, unknown>;

/**
 * Builds a row object from better-sqlite3's raw values: one object literal of
 * the statement's columns, in their order, so every row of a statement shares
 * one shape (better-sqlite3's own row objects cost about twice as much to make).
 * The same keys, order and values as its object rows; a column named
 * __proto__ (which a literal would take as the prototype) keeps those.
 */
function rowBuilder(columns: string[]): RowBuilder | null {
  if (columns.includes('__proto__')) return null;
  // A literal per statement (its column names are the SQL's, quoted by JSON.stringify): no user value reaches the code.
  return new Function('v', `return { ${columns.map((c, i) => `${JSON.stringify(c)}: v[${i}]`).join(', ')} };`) as RowBuilder;
}

/** A store's few hot statements (one per record table and shape), so the cache stays small. */
function preparedReads(database: SQLite.Database, counted: () => void): PreparedReads {
  const prepared = new Map<string, { statement: SQLite.Statement; build: RowBuilder | null }>();
  const entry = (sql: string) => {
    let e = prepared.get(sql);
    if (!e) {
      const statement = database.prepare(sql);
      const build = statement.reader ? rowBuilder(statement.columns().map((c) => c.name)) : null;
      e = { statement: build ? statement.raw(true) : statement, build };
      prepared.set(sql, e);
    }
    return e;
  };
  return {
    all<Row>(sql: string, params: readonly unknown[]): Row[] {
      const { statement, build } = entry(sql);
      counted();
      const rows = statement.all(...params);
      return (build ? (rows as unknown[][]).map(build) : rows) as Row[];
    },
    columns: (sql) => entry(sql).statement.columns().map((c) => c.name),
  };
}

/**
 * Creates a record table with the columns every record has and the index on
 * the person key; `columns` adds the domain's own.
 */
export async function createRecordTable(
  db: Kysely<unknown>,
  table: string,
  columns: (t: CreateTableBuilder<string, 'id'>) => CreateTableBuilder<string, 'id'>,
): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  let builder = db.schema
    .createTable(table)
    .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('collected_at', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('source', 'text');
  builder = columns(builder as CreateTableBuilder<string, 'id'>);
  await builder.execute();
  await db.schema.createIndex(`${table}_person_idx`).on(table).columns(['person_id', 'id']).execute();
}

/** The columns of a record table's discovery index, after the person: a person's discovery reads only this index. */
export const DISCOVERY_INDEX_COLUMNS = ['region', 'source', 'collected_at'] as const;

/**
 * Gives every record table (one with the person index createRecordTable
 * makes) its discovery index, (person_id, region, source, collected_at), if
 * missing, and its triggers keeping the discovery summary (discovery-summary.ts).
 * Run by the owning login after the domain's migrations, so tables of shipped
 * migrations get them too.
 */
async function ensureDiscoveryIndexes(owner: Kysely<unknown>, dialect: Dialect, schema: string): Promise<void> {
  const columns = ['person_id', ...DISCOVERY_INDEX_COLUMNS];
  const run = async (db: Kysely<unknown>) => {
    const tables =
      dialect === 'postgres'
        ? (await sql<{ t: string }>`select tablename as t from pg_indexes where schemaname = ${schema} and indexname = tablename || '_person_idx'`.execute(db)).rows
        : (await sql<{ t: string }>`select tbl_name as t from sqlite_master where type = 'index' and name = tbl_name || '_person_idx'`.execute(db)).rows;
    for (const { t } of tables) {
      const has =
        dialect === 'postgres'
          ? (await sql<{ c: string }>`select column_name as c from information_schema.columns where table_schema = ${schema} and table_name = ${t}`.execute(db)).rows.map((r) => r.c)
          : (await sql<{ c: string }>`select name as c from pragma_table_info(${t})`.execute(db)).rows.map((r) => r.c);
      if (!columns.every((c) => has.includes(c))) continue;
      await db.schema.createIndex(`${t}_discovery_idx`).ifNotExists().on(t).columns(columns).execute();
      records.push(t);
    }
    // The index also serves the summary's triggers, which seek a group's bounds in it.
    await ensureDiscoverySummary(db, dialect, schema, records);
  };
  const records: string[] = [];
  // On SQLite migrate already holds the write lock in one transaction (migration-lock.ts).
  if (dialect === 'sqlite') return run(owner);
  // Two services migrating one database at once would both try to create the same index.
  await owner.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`footprint-discovery-indexes:${schema}`}))`.execute(trx);
    await run(trx);
  });
}

/** A record as it is inserted: the store assigns its id. */
export type NewRecord<Row extends RecordRow> = Omit<Row, 'id'>;

/**
 * Inserts new records of one table in one statement, typed against the
 * domain's row type without its id (which the store assigns; the row types
 * declare it as a plain number, so Kysely's own insert type would ask for it).
 */
export async function insertRecords<DB, T extends keyof DB & string>(
  db: Transaction<DB> | Kysely<DB>,
  table: T,
  rows: NoInfer<DB[T] extends RecordRow ? NewRecord<DB[T]>[] : never>,
): Promise<void> {
  if (rows.length === 0) return;
  // The rows' type is the domain's table's (checked at the call); the insert itself is untyped by the run-time table.
  const values: readonly Record<string, unknown>[] = rows;
  await viewTables<AnyDB>(db).insertInto(table).values(values).execute();
}
