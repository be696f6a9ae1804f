import type { DataMapEntry, KindMeta } from '@footprint/schema';

export type ErasureBehaviour = { action: 'DELETE' | 'ANONYMIZE' | 'RETAIN'; fields: string[]; note: string | null; retainFor: string | null; retainFrom: string | null; retainFields: string[] };

/** What erasure does to a kind, as its @personalData declares it (the data map and KindMeta carry it). */
export function erasureOf(e: DataMapEntry | KindMeta): ErasureBehaviour {
  const action = e.erasure === 'ANONYMIZE' || e.erasure === 'RETAIN' ? e.erasure : 'DELETE';
  return { action, fields: e.erasureFields ?? [], note: e.erasureNote ?? null, retainFor: e.retainFor ?? null, retainFrom: e.retainFrom ?? null, retainFields: e.retainFields ?? [] };
}

