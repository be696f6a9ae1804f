import type { Selectable } from 'kysely';
import { addDuration, type RestrictionView } from '@footprint/schema';
import type { RightsDeps } from './deps.js';
import { consentChanges } from './consent.js';
import { rightsTables, type RestrictionRow } from './store.js';

/** A person's processing state in a domain: restrictions in force, objections, withdrawn consents. */

export interface ProcessingState {
  domain: string;
  restrictions: { kind: string; recordId: string | null; since: string; reason: string; until: string | null; ground: string }[];
  objections: string[];
  withdrawnConsents: string[];
  /** Every consent change in this domain's ledger, oldest first (Art. 7(1) proof). */
  consentHistory: { purpose: string; granted: boolean; at: string; channel: string }[];
}

export interface RestrictionLookup {
  /** The restriction a record shows: a legal hold over a kind kept from collection ends with the record's own period. */
  forRecord(kind: string, record: { id: number; collectedAt: string }): RestrictionView | null;
}

/** Which restriction a record shows when several apply: the strongest ground first. */
const GROUND_PRIORITY: Record<string, number> = { LEGAL_HOLD: 0, CONTESTED_ACCURACY: 1, OBJECTION: 2, PERSON_REQUEST: 3 };

/** Whether a restriction is in force at `now`. */
export const active = (now: string) => (r: Pick<RestrictionRow, 'liftedAt' | 'until'>) => r.liftedAt === null && (r.until === null || r.until > now);

export async function restrictionRows(deps: RightsDeps, person: string): Promise<Selectable<RestrictionRow>[]> {
  await deps.prepare();
  const now = new Date().toISOString();
  const rows = (await rightsTables(deps.db).selectFrom('processingRestriction').selectAll().where('personId', '=', person).where('liftedAt', 'is', null).execute());
  return rows.filter(active(now));
}

export async function restrictionsOf(deps: RightsDeps, person: string): Promise<RestrictionLookup> {
  const rows = await restrictionRows(deps, person);
  const best = (list: Selectable<RestrictionRow>[]) => [...list].sort((a, b) => (GROUND_PRIORITY[a.ground] ?? 9) - (GROUND_PRIORITY[b.ground] ?? 9))[0];
  const byKind = new Map<string, Selectable<RestrictionRow>[]>();
  for (const r of rows) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  return {
    forRecord(kind, record) {
      const list = (byKind.get(kind) ?? []).filter((r) => r.recordNumber === null || r.recordNumber === record.id);
      const r = best(list);
      if (!r) return null;
      const meta = deps.kinds.get(kind)?.meta;
      const own = r.ground === 'LEGAL_HOLD' && meta?.retainFrom === 'COLLECTED' && meta.retainFor ? addDuration(new Date(record.collectedAt), meta.retainFor)!.toISOString() : r.until;
      return { since: r.since, reason: r.reason, until: own, ground: r.ground };
    },
  };
}

export async function state(deps: RightsDeps, person: string): Promise<ProcessingState> {
  const rows = await restrictionRows(deps, person);
  const stops = await rightsTables(deps.db).selectFrom('processingStop').select(['type', 'purpose']).where('personId', '=', person).orderBy('id').execute();
  const consents = await consentChanges(deps, deps.db, [person]);
  const latest = new Map(consents.map((c) => [c.purpose, c.granted]));
  return {
    domain: deps.domain,
    restrictions: rows.map((r) => ({
      kind: r.kind,
      recordId: r.recordNumber === null ? null : `${r.kind}:${r.recordNumber}`,
      since: r.since,
      reason: r.reason,
      until: r.until,
      ground: r.ground,
    })),
    objections: stops.filter((s) => s.type === 'OBJECTION').map((s) => s.purpose),
    withdrawnConsents: [...latest].filter(([, granted]) => granted === 0).map(([purpose]) => purpose),
    consentHistory: consents.map((c) => ({ purpose: c.purpose, granted: c.granted === 1, at: c.at, channel: c.channel })),
  };
}
