import { sql, type Migration } from 'kysely';

/**
 * The columns of `export_job` a receiving service's job (portability) uses.
 * The export store reads and writes them in every job (its one-active check
 * leaves a service's jobs out), so they migrate with the export store itself,
 * not only when the portability feature is mounted. The name is kept, so a
 * store that already ran it as the portability feature's does not run it again.
 */
export const grantColumnMigrations: Record<string, Migration> = {
  '952_export_job_portability': {
    async up(db) {
      // An export job a receiving service started: the grant it ran under, the kinds and the window it may read.
      await db.schema.alterTable('export_job').addColumn('portability_grant', 'text').execute();
      await db.schema.alterTable('export_job').addColumn('only_kinds', 'text').execute();
      await db.schema.alterTable('export_job').addColumn('window_start', 'text').execute();
      await db.schema.alterTable('export_job').addColumn('window_end', 'text').execute();
      // One running export per person stays the rule for the person's own; a service's job runs beside it, one per grant.
      await sql`drop index export_job_one_active`.execute(db);
      await sql`create unique index export_job_one_active on export_job (person_id, coalesce(portability_grant, '')) where state in ('QUEUED', 'RUNNING')`.execute(db);
    },
  },
};
