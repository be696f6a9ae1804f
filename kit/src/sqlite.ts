import SQLite from 'better-sqlite3';
import { CompiledQuery, sql, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type Kysely, type SqliteDialectConfig } from 'kysely';

/** SQLite's "another connection has the lock" (SQLITE_BUSY and its extended codes, SQLITE_LOCKED). */
export const isBusy = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' && (err.code.startsWith('SQLITE_BUSY') || err.code === 'SQLITE_LOCKED');

/** How long opening waits for other connections to let it switch a new file to WAL. */
const WAL_WAIT_MS = 30_000;
/** Only ever waited on (never notified): Atomics.wait on it is a synchronous sleep. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * A SQLite file as every store uses it: WAL (readers never wait for the
 * writer), synchronous NORMAL, a 5 s busy timeout, and secure deletion (a
 * per-connection setting): deleted rows are overwritten with zeros, in their
 * pages and in freed pages, so an erased person's values do not stay readable
 * in the file (see checkpointSqlite for the WAL). Switching a brand-new
 * file to WAL needs a moment alone with it, and SQLite answers SQLITE_BUSY at
 * once, without the busy handler, while another connection writes to the
 * file (two gateways starting over a fresh data folder; 9 of 120 opens of a
 * new file by 3 processes at once failed so). WAL mode is kept in the file,
 * so opening retries until the file is WAL, by whoever set it.
 */
export function openSqlite(file: string): SQLite.Database {
  const database = new SQLite(file);
  try {
    database.pragma('busy_timeout = 5000');
    const deadline = Date.now() + WAL_WAIT_MS;
    for (;;) {
      try {
        const mode = String(database.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
        if (mode === 'wal' || mode === 'memory') break;
      } catch (err) {
        if (!isBusy(err)) throw err;
      }
      if (Date.now() > deadline) throw new Error(`Could not switch ${file} to WAL mode: other connections kept it busy for ${WAL_WAIT_MS / 1000} s`);
      // Synchronous, as opening is: a short pause for the other connection to finish its switch.
      Atomics.wait(PAUSE, 0, 0, 10 + Math.random() * 20);
    }
    database.pragma('synchronous = NORMAL');
    database.pragma('secure_delete = ON');
    return database;
  } catch (err) {
    database.close();
    throw err;
  }
}

/**
 * After an erasure: copies the WAL into the database file and truncates it,
 * so the frames that still held the erased rows (written before the delete)
 * are gone from disk, not only superseded. Secure deletion zeroes the rows in
 * the pages the delete writes; the older frames would stay until the WAL is
 * reused. TRUNCATE waits (busy_timeout) for readers of older snapshots; if one
 * still holds them it reports busy and the frames go at the next checkpoint.
 */
export async function checkpointSqlite<DB>(db: Kysely<DB>): Promise<void> {
  // Through Kysely, so it waits for a transaction of this connection to end rather than running inside it.
  const { rows } = await sql<{ busy: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  if (rows[0]?.busy !== 0) throw new Error('another connection was reading an older snapshot: the WAL keeps its frames until the next checkpoint');
}

/**
 * SQLite with every transaction begun IMMEDIATE. Kysely begins a plain
 * (deferred) transaction: it reads from a snapshot and asks for the write
 * lock at its first write. In WAL mode, if another connection to the file
 * (the export worker thread, a second gateway, a relay) committed in between,
 * that write fails at once with SQLITE_BUSY_SNAPSHOT: busy_timeout does not
 * wait, since retrying inside the transaction could never succeed. So a
 * read-then-write transaction (at most one active erasure, the next request
 * number) failed now and then under load. BEGIN IMMEDIATE takes the write
 * lock first, waiting up to busy_timeout for it, and the snapshot it reads is
 * the one it writes.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
