import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Makes a table append-only in the database itself, not only in the code that
 * writes it: UPDATE and DELETE abort with "<table> is append-only". SQLite gets
 * two triggers; PostgreSQL one trigger over the function <table>_append_only
 * (a later migration may replace that function to let a guarded delete pass).
 *
 * On PostgreSQL the trigger stops the owning login; the service role is also
 * refused UPDATE, DELETE and TRUNCATE on the table by the store's grants (list
 * the table in StoreOptions.appendOnly), which a trigger alone cannot do.
 */
export async function makeAppendOnly(
  db: Kysely<unknown>,
  table: string,
  /** The PostgreSQL trigger's name (default <table>_no_change): existing databases keep the name they were created with. */
  pgTrigger = `${table}_no_change`,
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table) || !/^[a-z_][a-z0-9_]*$/.test(pgTrigger)) throw new Error(`makeAppendOnly: not a plain SQL identifier: ${table} / ${pgTrigger}`);
  const refusal = sql.lit(`${table} is append-only`);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const fn = sql.raw(`${table}_append_only`);
    await sql`create or replace function ${fn}() returns trigger language plpgsql as ${sql.lit(`begin raise exception '${table} is append-only'; end`)}`.execute(db);
    await sql`create trigger ${sql.raw(pgTrigger)} before update or delete on ${sql.table(table)} for each row execute function ${fn}()`.execute(db);
  } else {
    await sql`create trigger ${sql.raw(`${table}_no_update`)} before update on ${sql.table(table)} begin select raise(abort, ${refusal}); end`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_no_delete`)} before delete on ${sql.table(table)} begin select raise(abort, ${refusal}); end`.execute(db);
  }
}
