/**
 * What erasing an account does to each kind a person holds, from the data
 * map's erasure metadata: deleted, anonymised (which fields are cleared) or
 * kept by law (which fields stay). Environment-free, so the privacy centre
 * shows the plan from this same function before the person confirms.
 */

export type ErasureAction = 'DELETE' | 'ANONYMIZE' | 'RETAIN';

export interface ErasureMapEntry {
  kind: string;
  erasure: ErasureAction;
  erasureFields: string[];
  erasureNote: string | null;
  retainFields: string[];
}

export interface PlannedKind<E extends ErasureMapEntry> {
  entry: E;
  /** Records the person holds of this kind. */
  count: number;
}

export type ErasurePlan<E extends ErasureMapEntry> = Record<ErasureAction, PlannedKind<E>[]>;

/** The kinds the person holds (count > 0), grouped by what the erasure does to them, in data map order. */
export function erasurePlan<E extends ErasureMapEntry>(entries: readonly E[], held: ReadonlyMap<string, number>): ErasurePlan<E> {
  const plan: ErasurePlan<E> = { DELETE: [], ANONYMIZE: [], RETAIN: [] };
  for (const entry of entries) {
    const count = held.get(entry.kind) ?? 0;
    if (count > 0) plan[entry.erasure].push({ entry, count });
  }
  return plan;
}
