import { buildDataMap, type DataMapEntry } from '@footprint/schema';

/** The sources Art. 20 covers: data the person provided, and data observed about them while they used the service. */
export const PORTABLE_SOURCES: ReadonlySet<string> = new Set(['PROVIDED', 'COLLECTED']);

/** The prefix of every resource-group scope. */
export const SCOPE_PREFIX = 'portability.';

export interface ResourceGroup {
  /** The OAuth scope: `portability.<group>`. */
  scope: string;
  /** The group: a domain, or a group a product team names in its metadata. */
  group: string;
  domain: string;
  kinds: { kind: string; title: string; source: string }[];
}

/**
 * The resource groups a receiving service may ask for, one OAuth scope each, generated from the supergraph's data
 * map — never a list kept in the gateway, so a new domain or kind appears here unasked. One group per domain;
 * within it only the kinds whose source Art. 20 covers: PROVIDED (what the person gave) and COLLECTED (observed
 * while they used the service). INFERRED kinds (ad segments, recommendation profiles) are ours, derived, and not
 * the person's to carry away; THIRD_PARTY kinds were received from others (a linked network, a partner), not
 * provided by the person, and carrying them to yet another controller would pass on others' data. The gateway's
 * own records (corrections, privacy requests, these grants) are the record of rights served, not product data.
 */
export function resourceGroups(supergraphSdl: string): ResourceGroup[] {
  const entries = buildDataMap(supergraphSdl).entries.filter((e: DataMapEntry) => e.domain !== 'gateway' && PORTABLE_SOURCES.has(e.source));
  const groups = new Map<string, ResourceGroup>();
  for (const e of entries) {
    const group = e.domain;
    const g = groups.get(group) ?? { scope: `${SCOPE_PREFIX}${group}`, group, domain: e.domain, kinds: [] };
    groups.set(group, g);
    g.kinds.push({ kind: e.kind, title: e.title, source: e.source });
  }
  return [...groups.values()].sort((a, b) => a.scope.localeCompare(b.scope));
}

/** The kinds the scopes cover (unknown scopes cover nothing; the provider refuses them first). */
export function kindsOf(groups: ResourceGroup[], scopes: Iterable<string>): string[] {
  const wanted = new Set(scopes);
  return groups.filter((g) => wanted.has(g.scope)).flatMap((g) => g.kinds.map((k) => k.kind));
}
