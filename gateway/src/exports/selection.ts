import type { Migration } from 'kysely';
import { fail } from '@footprint/schema';
import type { Translator } from '@footprint/i18n';
import type { ExportKind, ExportPlan } from './plan.js';

/**
 * An export of chosen kinds of data (`kinds` of requestExport and of a
 * schedule): only those kinds are read and written, the manifest and
 * index.html say the archive is a selection, and it is never the baseline of
 * an export of what is new (that compares with a whole export). Null: every kind.
 */
export const selectionMigrations: Record<string, Migration> = {
  '943_export_job_kinds': {
    async up(db) {
      // JSON list of inventory kinds; null: every kind.
      await db.schema.alterTable('export_job').addColumn('kinds', 'text').execute();
    },
  },
};

/** The plan's kinds an export reads: all, or the chosen ones (in the plan's order). */
export function selectedKinds(plan: ExportPlan, kinds: readonly string[] | null | undefined): ExportKind[] {
  if (!kinds) return plan.kinds;
  const chosen = new Set(kinds);
  return plan.kinds.filter((k) => chosen.has(k.kind));
}

/** Validates a choice of kinds against the plan: null for none (every kind), else the distinct kinds, sorted. */
export function parseKinds(plan: ExportPlan, raw: readonly string[] | null | undefined, t: Translator): string[] | null {
  if (raw === null || raw === undefined) return null;
  if (raw.length === 0) fail('BAD_USER_INPUT', t.t('schedule.error.kindsEmpty'), { field: 'kinds' });
  const known = new Set(plan.kinds.map((k) => k.kind));
  const unknown = [...new Set(raw.filter((k) => !known.has(k)))];
  if (unknown.length) fail('BAD_USER_INPUT', t.t('schedule.error.kindsUnknown', { count: unknown.length, kinds: unknown.join(', ') }), { field: 'kinds', unknown });
  return [...new Set(raw)].sort();
}
