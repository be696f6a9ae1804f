import type { DataMapEntry, KindMeta } from '@footprint/schema';

export type ErasureBehaviour = { action: 'DELETE' | 'ANONYMIZE' | 'RETAIN'; fields: string[]; note: string | null; retainFrom: string | null };

/** What erasure does to a kind, as its @personalData declares it (the data map and KindMeta carry it). */
export function erasureOf(e: DataMapEntry | KindMeta): ErasureBehaviour {
  const x = e as { erasure?: string; erasureFields?: string[] | null; erasureNote?: string | null; retainFrom?: string | null };
  const action = x.erasure === 'ANONYMIZE' || x.erasure === 'RETAIN' ? x.erasure : 'DELETE';
  return { action, fields: x.erasureFields ?? [], note: x.erasureNote ?? null, retainFrom: x.retainFrom ?? null };
}

