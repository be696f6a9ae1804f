import { parse } from 'graphql';
import { buildDataMap, readKindMeta, type DataMapEntry } from '@footprint/schema';

/** The sources Art. 20 covers: data the person provided, and data observed about them while they used the service. */
export const PORTABLE_SOURCES: ReadonlySet<string> = new Set(['PROVIDED', 'COLLECTED']);

/** The prefix of every resource-group scope. */
export const SCOPE_PREFIX = 'portability.';

/** A group a product team names in @personalData(portabilityGroup:). */
const GROUP_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export interface ResourceGroup {
  /** The OAuth scope: `portability.<domain>`, or `portability.<domain>.<group>` for a group a product team named. */
  scope: string;
  /** The group's name: the domain, or `<domain>.<group>`. */
  group: string;
  domain: string;
  kinds: { kind: string; title: string; source: string }[];
}

/**
 * The resource groups a receiving service may ask for, one OAuth scope each, generated from the supergraph's data
 * map — never a list kept in the gateway, so a new domain or kind appears here unasked. A kind is in its domain's
 * group unless its product team names another in `@personalData(portabilityGroup:)`. Only the kinds whose source
 * Art. 20 covers: PROVIDED (what the person gave) and COLLECTED (observed while they used the service). INFERRED
 * kinds (ad segments, recommendation profiles) are ours, derived, and not the person's to carry away; THIRD_PARTY
 * kinds were received from others (a linked network, a partner), not provided by the person, and carrying them to yet
 * another controller would pass on others' data. The gateway's own records (corrections, privacy requests, these
 * grants) are the record of rights served, not product data.
 */
export function resourceGroups(supergraphSdl: string): ResourceGroup[] {
  const named = new Map(readKindMeta(parse(supergraphSdl)).map((m) => [m.typename, m.portabilityGroup]));
  const entries = buildDataMap(supergraphSdl).entries.filter((e: DataMapEntry) => e.domain !== 'gateway' && PORTABLE_SOURCES.has(e.source));
  const groups = new Map<string, ResourceGroup>();
  for (const e of entries) {
    const own = named.get(e.typename) ?? null;
    if (own !== null && !GROUP_NAME.test(own)) throw new Error(`${e.kind}: portabilityGroup "${own}" must be lower-case letters, digits and underscores, starting with a letter`);
    const group = own === null ? e.domain : `${e.domain}.${own}`;
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
