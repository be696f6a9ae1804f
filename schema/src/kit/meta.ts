import { Kind, valueFromASTUntyped, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import type { DataCategory, DataSource, LegalBasis, Purpose, Recipient, RetentionRule } from '../taxonomy.js';

/** The arguments of @personalData on one record type. */
export interface KindMeta {
  typename: string;
  kind: string;
  title: string;
  category: DataCategory;
  source: DataSource;
  purposes: Purpose[];
  legalBasis: LegalBasis;
  retention: RetentionRule;
  correctable: boolean;
  policy: string;
  recipients: Recipient[];
  sensitive: boolean;
  reason: string | null;
  /** The record field naming where data not collected from the person came from (Art. 15(1)(g)). */
  origin: string | null;
}

/** Reads @personalData from every object type of an SDL document (a subgraph's or the supergraph). */
export function readKindMeta(doc: DocumentNode, directiveName = 'personalData'): KindMeta[] {
  const out: KindMeta[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const d = (def as ObjectTypeDefinitionNode).directives?.find((x) => x.name.value === directiveName);
    if (!d) continue;
    const args = Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)])) as Record<string, unknown>;
    out.push({
      typename: def.name.value,
      kind: String(args.kind),
      title: String(args.title),
      category: args.category as DataCategory,
      source: args.source as DataSource,
      purposes: (args.purposes as Purpose[]) ?? [],
      legalBasis: args.legalBasis as LegalBasis,
      retention: args.retention as RetentionRule,
      correctable: Boolean(args.correctable),
      policy: String(args.policy),
      recipients: (args.recipients as Recipient[] | undefined) ?? [],
      sensitive: Boolean(args.sensitive),
      reason: (args.reason as string | undefined) ?? null,
      origin: (args.origin as string | undefined) ?? null,
    });
  }
  return out;
}

/** The RecordMeta of one row: the kind's static metadata plus what the row itself says. */
export function recordMeta(meta: KindMeta, domain: string, row: { collectedAt: string; region: string; source: string | null }) {
  return {
    kind: meta.kind,
    domain,
    category: meta.category,
    source: (row.source as DataSource | null) ?? meta.source,
    purposes: meta.purposes,
    legalBasis: meta.legalBasis,
    retention: meta.retention,
    region: row.region,
    collectedAt: row.collectedAt,
    correctable: meta.correctable,
    correctionNote: meta.correctable ? null : meta.reason,
    recipients: meta.recipients,
    policySection: meta.policy,
  };
}
