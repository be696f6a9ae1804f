import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CamelCasePlugin,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  sql,
  type CreateTableBuilder,
  type Migration,
  type Transaction,
} from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

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

export interface Store<DB> {
  domain: string;
  dialect: Dialect;
  db: Kysely<DB>;
  /** SQL statements run since the store opened: batching is measured with it. */
  readonly statements: number;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  domain: string;
  /** `postgres://…` moves the domain to PostgreSQL; a path (or `sqlite:path`) is a SQLite file. */
  url?: string | undefined;
  dataDir: string;
  migrations: Record<string, Migration>;
}

/** Where a domain's store lives: FOOTPRINT_<DOMAIN>_DATABASE_URL, else <dataDir>/<domain>.db. */
export function storeUrl(domain: string, dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`FOOTPRINT_${domain.toUpperCase()}_DATABASE_URL`] ?? join(dataDir, `${domain}.db`);
}

/**
 * Opens a domain's store through Kysely, so the same queries run on the
 * embedded SQLite file and on PostgreSQL: moving a domain is configuration.
 * On PostgreSQL each domain gets its own schema (its search_path).
 */
export function openStore<DB>(opts: StoreOptions): Store<DB> {
  const url = opts.url ?? join(opts.dataDir, `${opts.domain}.db`);
  const dialect: Dialect = /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
  let statements = 0;
  const log = () => {
    statements += 1;
  };
  let db: Kysely<DB>;
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${opts.domain}` });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()], log });
  } else {
    const file = url.replace(/^sqlite:/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database }), plugins: [new CamelCasePlugin()], log });
  }
  return {
    domain: opts.domain,
    dialect,
    db,
    get statements() {
      return statements;
    },
    async migrate() {
      if (dialect === 'postgres') await sql`create schema if not exists ${sql.id(opts.domain)}`.execute(db);
      const migrator = new Migrator({ db, provider: { getMigrations: async () => opts.migrations } });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error) throw new Error(`Migration of the ${opts.domain} store failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
    },
    close: () => db.destroy(),
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
  await (db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(rows as unknown as Record<string, unknown>[]).execute();
}
