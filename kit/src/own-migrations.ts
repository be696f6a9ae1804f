import { PostgresAdapter, type Kysely, type Migration } from 'kysely';
import { migrateToLatest } from './migration-lock.js';

/**
 * Migrates a set of the kit's own tables (corrections, rights) inside a
 * domain's store with a migration table of their own (kit_<name>_migration),
 * so the kit's and the domain's migration lists never have to be ordered
 * against each other.
 */
export async function migrateOwnTables<DB>(db: Kysely<DB>, domain: string, name: 'correction' | 'rights', migrations: Record<string, Migration>): Promise<void> {
  await migrateToLatest(db, {
    what: `the ${domain} ${name} tables`,
    migrations,
    // Its own schema's migration tables: another store's in the same database would otherwise be found.
    schema: db.getExecutor().adapter instanceof PostgresAdapter ? domain : undefined,
    tables: { migration: `kit_${name}_migration`, lock: `kit_${name}_migration_lock` },
  });
}
