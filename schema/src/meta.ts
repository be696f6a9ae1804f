import { Kind, valueFromASTUntyped, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import type { DataCategory, DataSource, LegalBasis, Purpose, Recipient, RetentionRule } from './taxonomy.js';

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
  /** What erasure does to the kind (null: the SDL says nothing, which the coverage gate refuses). */
  erasure: ErasureAction | null;
  erasureFields: string[];
  erasureNote: string | null;
  /** RETAIN: ISO-8601 duration of the hold. */
  retainFor: string | null;
  retainFrom: RetentionStart | null;
  /** RETAIN: the fields its legal ground needs; the rest of a retained record is cleared at erasure. */
  retainFields: string[];
  /** A format the export archive also writes the kind in (@personalData(format:)). */
  format: string | null;
  /** The portability resource group a product team put the kind in (@personalData(portabilityGroup:)); null: its domain's. */
  portabilityGroup: string | null;
}

/** The formats @personalData(format:) may name; the coverage gate refuses any other. */
export const EXPORT_FORMATS = ['VCARD'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ErasureAction = 'DELETE' | 'ANONYMIZE' | 'RETAIN';
export type RetentionStart = 'COLLECTED' | 'ERASURE';
export const ERASURE_ACTIONS: readonly ErasureAction[] = ['DELETE', 'ANONYMIZE', 'RETAIN'];
export const RETENTION_STARTS: readonly RetentionStart[] = ['COLLECTED', 'ERASURE'];

/** A restriction of processing in force, as RecordMeta shows it. */
export interface RestrictionView {
  since: string;
  reason: string;
  until: string | null;
  ground: string;
}

/** The KindErasurePolicy of a kind. */
export function erasurePolicy(meta: KindMeta) {
  return {
    action: meta.erasure ?? 'DELETE',
    fields: meta.erasureFields,
    note: meta.erasureNote,
    retainFor: meta.retainFor,
    retainFrom: meta.retainFrom,
    retainFields: meta.retainFields,
  };
}

/**
 * The object types of an SDL document, extensions (`extend type`) included: a
 * domain declares its part of Person, say, as an extension. Both have a name,
 * fields and directives, which is all the readers here use.
 */
export function objectTypeNodes(doc: DocumentNode): ObjectTypeDefinitionNode[] {
  return doc.definitions.filter((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION);
}

/** Reads @personalData from every object type of an SDL document (a subgraph's or the supergraph). */
export function readKindMeta(doc: DocumentNode, directiveName = 'personalData'): KindMeta[] {
  const out: KindMeta[] = [];
  for (const def of objectTypeNodes(doc)) {
    const d = def.directives?.find((x) => x.name.value === directiveName);
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
      erasure: (args.erasure as ErasureAction | undefined) ?? null,
      erasureFields: (args.erasureFields as string[] | undefined) ?? [],
      erasureNote: (args.erasureNote as string | undefined) ?? null,
      retainFor: (args.retainFor as string | undefined) ?? null,
      retainFrom: (args.retainFrom as RetentionStart | undefined) ?? null,
      retainFields: (args.retainFields as string[] | undefined) ?? [],
      format: (args.format as string | undefined) ?? null,
      portabilityGroup: (args.portabilityGroup as string | undefined) ?? null,
    });
  }
  return out;
}

/** The RecordMeta of one row: the kind's static metadata plus what the row itself says. */
export function recordMeta(
  meta: KindMeta,
  domain: string,
  row: { collectedAt: string; region: string; source: string | null },
  restriction: RestrictionView | null = null,
) {
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
    erasure: erasurePolicy(meta),
    restricted: restriction !== null,
    restriction,
  };
}

/** The RecordMeta of one row, as {@link recordMeta} returns it (a plain object). */
export type RecordMetaValue = ReturnType<typeof recordMeta>;

/**
 * recordMeta for many rows of one kind without rebuilding what the kind fixes:
 * the static fields (and the erasure policy object) live once on a prototype
 * shared by every row of the kind; each row's value holds only what the row
 * says. GraphQL reads the fields the same either way (prototype properties
 * included), so the output is identical; a 5,000-record page makes 5,000
 * small objects instead of 10,000 large ones.
 */
export function recordMetaFactory(meta: KindMeta, domain: string): (row: { collectedAt: string; region: string; source: string | null }, restriction?: RestrictionView | null) => RecordMetaValue {
  const shared = recordMeta(meta, domain, { collectedAt: '', region: '', source: null });
  const fixed: Partial<RecordMetaValue> = { ...shared };
  delete fixed.source;
  delete fixed.region;
  delete fixed.collectedAt;
  delete fixed.restricted;
  delete fixed.restriction;
  class KindRecordMeta {
    constructor(
      readonly source: DataSource,
      readonly region: string,
      readonly collectedAt: string,
      readonly restriction: RestrictionView | null,
    ) {}
    get restricted(): boolean {
      return this.restriction !== null;
    }
  }
  Object.assign(KindRecordMeta.prototype, fixed);
  // The prototype (Object.assign above) carries the rest of RecordMetaValue's fields.
  return (row, restriction = null) =>
    new KindRecordMeta((row.source as DataSource | null) ?? meta.source, row.region, row.collectedAt, restriction) as RecordMetaValue;
}

/** An ISO-8601 duration of years, months and days (P6Y, P18M, P1Y6M, P30D) added to a date; null when it is not one. */
export function addDuration(from: Date, duration: string): Date | null {
  const m = /^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,5})D)?$/.exec(duration);
  if (!m || duration === 'P') return null;
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + Number(m[1] ?? 0), d.getUTCMonth() + Number(m[2] ?? 0), d.getUTCDate() + Number(m[3] ?? 0));
  return d;
}

/** The date `duration` before `to` (the oldest collection date still under a hold that ends after `to`). */
export function subtractDuration(to: Date, duration: string): Date | null {
  const m = /^P(?:(\d{1,3})Y)?(?:(\d{1,4})M)?(?:(\d{1,5})D)?$/.exec(duration);
  if (!m || duration === 'P') return null;
  const d = new Date(to.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - Number(m[1] ?? 0), d.getUTCMonth() - Number(m[2] ?? 0), d.getUTCDate() - Number(m[3] ?? 0));
  return d;
}
