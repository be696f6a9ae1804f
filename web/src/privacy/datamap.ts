import type { ErasureMapEntry } from '@footprint/kit/erasure-plan';
import { gql } from './session.js';

/** The data map's entries the choices and the erasure plan read (what the policy discloses; no one's data). */
export interface MapEntry extends ErasureMapEntry {
  title: string;
  domain: string;
  legalBasis: string;
  purposes: string[];
}

let entries: MapEntry[] = [];

/** Read once per page (titles are the domains' own; they do not change with the person's data). */
export async function dataMap(): Promise<MapEntry[]> {
  if (entries.length === 0) {
    const m = await gql<{ dataMap: { entries: MapEntry[] } }>('{ dataMap { entries { kind title domain legalBasis purposes erasure erasureFields erasureNote retainFields } } }');
    entries = m.data?.dataMap.entries ?? [];
  }
  return entries;
}
