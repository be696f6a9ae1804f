import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

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
