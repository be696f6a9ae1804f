import { Migrator, PostgresAdapter, type Kysely, type Migration } from 'kysely';
import { migrateExclusively } from './migration-lock.js';

/**
 * Migrates a set of the kit's own tables (corrections, rights) inside a
 * domain's store with a migration table of their own (kit_<name>_migration),
 * so the kit's and the domain's migration lists never have to be ordered
 * against each other.
 */
export async function migrateOwnTables<DB>(db: Kysely<DB>, domain: string, name: 'correction' | 'rights', migrations: Record<string, Migration>): Promise<void> {
  await migrateExclusively(db, `the ${domain} ${name} tables`, async (db) => {
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      // Its own schema's migration tables: another store's in the same database would otherwise be found.
      ...(db.getExecutor().adapter instanceof PostgresAdapter ? { migrationTableSchema: domain } : {}),
      migrationTableName: `kit_${name}_migration`,
      migrationLockTableName: `kit_${name}_migration_lock`,
    });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error) throw new Error(`Migration of the ${domain} ${name} tables failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  });
}
