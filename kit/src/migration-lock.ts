import { Migrator, SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';
import { isBusy } from './sqlite.js';

/** How long a starting service waits for another process's migration of the same SQLite file. */
const WAIT_MS = 120_000;
const RETRY_MS = 25;

/**
 * Runs a migration so that processes opening one database at once take turns
 * and a failed one leaves nothing behind.
 *
 * On PostgreSQL Kysely's migrator already does both (an advisory lock in one
 * transaction). On SQLite its lock is a no-op and each statement commits on
 * its own, so two services starting over one data folder (two gateways, a
 * gateway and its export worker) both create the same table and one exits.
 * Here the whole run holds SQLite's write lock (BEGIN IMMEDIATE: across
 * processes, dropped by a crash) and commits once. The lock is awaited by
 * retrying, not by the busy handler, which would block this process's event
 * loop while another connection in it holds the lock.
 */
async function migrateExclusively<DB>(db: Kysely<DB>, what: string, run: (db: Kysely<DB>) => Promise<void>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return run(db);
  // One connection held throughout, so nothing else of this process runs inside the transaction.
  await db.connection().execute(async (conn) => {
    const previous = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn)).rows[0]?.timeout ?? 0;
    await sql`pragma busy_timeout = 0`.execute(conn);
    try {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        try {
          await sql`begin immediate`.execute(conn);
          break;
        } catch (err) {
          if (!isBusy(err)) throw err;
          if (Date.now() > deadline) throw new Error(`Migration of ${what}: another process held the database's write lock for ${WAIT_MS / 1000} s`);
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    } finally {
      await sql.raw(`pragma busy_timeout = ${Number(previous)}`).execute(conn);
    }
    try {
      await run(conn);
      await sql`commit`.execute(conn);
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
}

export interface MigrationRun<DB> {
  /** What is migrated, for the error: "the orders store", "the orders rights tables". */
  what: string;
  migrations: Record<string, Migration>;
  /** PostgreSQL: the schema of the migration tables (a store's own; another store's would otherwise be found). */
  schema?: string | undefined;
  /** Migration and lock table names, for a set of tables migrated apart from its store's (Kysely's defaults otherwise). */
  tables?: { migration: string; lock: string };
  /** Run under the same lock and transaction once the migrations are done. */
  after?: (db: Kysely<DB>) => Promise<void>;
}

/** Runs `migrations` to the latest with Kysely's migrator, exclusively (above); a failure names the migration. */
export async function migrateToLatest<DB>(db: Kysely<DB>, run: MigrationRun<DB>): Promise<void> {
  await migrateExclusively(db, run.what, async (db) => {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => run.migrations },
      ...(run.schema ? { migrationTableSchema: run.schema } : {}),
      ...(run.tables ? { migrationTableName: run.tables.migration, migrationLockTableName: run.tables.lock } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error) throw new Error(`Migration of ${run.what} failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
    await run.after?.(db);
  });
}
