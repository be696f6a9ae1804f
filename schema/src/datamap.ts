import { Kind, parse, valueFromASTUntyped, type ConstDirectiveNode, type DocumentNode, type ObjectTypeDefinitionNode } from 'graphql';
import { INVENTORY, type InventoryItem } from './inventory.js';
import { addDuration, ERASURE_ACTIONS, EXPORT_FORMATS, objectTypeNodes, readKindMeta, RETENTION_STARTS, type ErasureAction, type KindMeta, type RetentionStart } from './meta.js';
import { TAXONOMY, type DataCategory, type DataRegion, type DataSource, type LegalBasis, type Purpose, type Recipient, type RetentionRule } from './taxonomy.js';

/** One record type of the record of processing (GDPR Art. 30): what is held, where, and how the policy treats it. */
export interface DataMapEntry {
  typename: string;
  /** The subgraph that owns the type (its `join__type` graph). */
  domain: string;
  kind: string;
  title: string;
  /** Id of the inventory item (schema/src/inventory.ts) that lists this kind, or null when none does. */
  inventoryItem: string | null;
  category: DataCategory;
  /** The kind's default source; a record may name another (a gift address is THIRD_PARTY). */
  source: DataSource;
  purposes: Purpose[];
  legalBasis: LegalBasis;
  retention: RetentionRule;
  /** Records live in their person's data region (§11), so every kind may be held in any of them. */
  regions: DataRegion[];
  correctable: boolean;
  /** Why the person cannot correct it, when they cannot. */
  correctionNote: string | null;
  recipients: Recipient[];
  sensitive: boolean;
  policySection: string;
  /** What erasure (Art. 17) does to the kind. */
  erasure: ErasureAction;
  /** ANONYMIZE: the fields cleared or generalised. */
  erasureFields: string[];
  /** ANONYMIZE: why the rest is kept; RETAIN: the legal ground of the hold. */
  erasureNote: string | null;
  /** RETAIN: the hold's length (ISO-8601 duration) and from when it runs. */
  retainFor: string | null;
  retainFrom: RetentionStart | null;
  retainFields: string[];
}

/** A PersonalData type whose metadata is missing or incomplete. */
export interface MetadataProblem {
  typename: string;
  domain: string | null;
  problem: string;
}

export interface DataMap {
  domains: { name: string; kinds: number }[];
  entries: DataMapEntry[];
  problems: MetadataProblem[];
}

/** Retention rules a kind kept past erasure may have: a statutory period, or evidence kept until claims are time-barred. */
const RETAINED_RULES: readonly RetentionRule[] = ['LEGAL_PERIOD', 'EVIDENCE_PERIOD'];

const REQUIRED_ARGS = ['kind', 'title', 'category', 'source', 'purposes', 'legalBasis', 'retention', 'correctable', 'policy'] as const;
const KIND = /^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$/;

type ObjectDef = ObjectTypeDefinitionNode;
const directive = (def: ObjectDef, name: string): readonly ConstDirectiveNode[] => def.directives?.filter((d) => d.name.value === name) ?? [];
const argValue = (d: ConstDirectiveNode, name: string): unknown => {
  const a = d.arguments?.find((x) => x.name.value === name);
  return a ? valueFromASTUntyped(a.value) : undefined;
};

/** The subgraph names of a supergraph's join__Graph values (ACCOUNT → account). */
function graphNames(doc: DocumentNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const v of def.values ?? []) {
      const g = v.directives?.find((d) => d.name.value === 'join__graph');
      const name = g && argValue(g, 'name');
      if (typeof name === 'string') out.set(v.name.value, name);
    }
  }
  return out;
}

/**
 * Checks the @personalData metadata of every object type of an SDL document: a
 * type implementing PersonalData must carry it, complete, with a kind of its own
 * domain; a type carrying it must implement PersonalData. `ownerOf` names the
 * domain of a type (the join__type graph in a supergraph, the subgraph itself
 * in a subgraph's SDL).
 */
export function personalDataProblems(doc: DocumentNode, ownerOf: (def: ObjectDef) => string | null): MetadataProblem[] {
  const problems: MetadataProblem[] = [];
  const seen = new Map<string, string>();
  for (const def of objectTypeNodes(doc)) {
    const typename = def.name.value;
    const domain = ownerOf(def);
    const add = (problem: string) => problems.push({ typename, domain, problem });
    const implementsPD = def.interfaces?.some((i) => i.name.value === 'PersonalData') ?? false;
    const [d] = directive(def, 'personalData');
    if (!d) {
      if (implementsPD) add('implements PersonalData but has no @personalData metadata');
      continue;
    }
    if (!implementsPD) add('has @personalData but does not implement PersonalData');
    for (const arg of REQUIRED_ARGS) if (argValue(d, arg) === undefined || argValue(d, arg) === null) add(`@personalData lacks ${arg}`);
    const [meta] = readKindMeta({ kind: Kind.DOCUMENT, definitions: [def] });
    if (!meta) continue;
    if (!KIND.test(meta.kind)) add(`kind "${meta.kind}" is not <domain>.<snake_case>`);
    else if (domain && !meta.kind.startsWith(`${domain}.`)) add(`kind "${meta.kind}" does not belong to its domain ${domain}`);
    const dup = seen.get(meta.kind);
    if (dup) add(`kind "${meta.kind}" is also the kind of ${dup}`);
    seen.set(meta.kind, typename);
    if (!meta.title.trim()) add('title is empty');
    if (meta.purposes.length === 0) add('names no purpose');
    if (!/§\s*\d/.test(meta.policy)) add(`policy "${meta.policy}" cites no § of the privacy policy`);
    if (!meta.correctable && !meta.reason?.trim()) add('cannot be corrected but gives no reason (reason:)');
    if (meta.source === 'THIRD_PARTY' && !meta.origin) add('is received from a third party but names no field saying from whom (origin:, GDPR Art. 15(1)(g))');
    if (meta.origin && !def.fields?.some((f) => f.name.value === meta.origin!.split('.')[0])) add(`origin "${meta.origin}" is not a field of ${typename}`);
    const check = (what: keyof typeof TAXONOMY, values: readonly string[]) => {
      const allowed: readonly string[] = TAXONOMY[what].values;
      for (const v of values) if (!allowed.includes(v)) add(`${what} "${v}" is not in the taxonomy`);
    };
    check('DataCategory', [meta.category]);
    check('DataSource', [meta.source]);
    check('Purpose', meta.purposes);
    check('LegalBasis', [meta.legalBasis]);
    check('RetentionRule', [meta.retention]);
    check('Recipient', meta.recipients);
    problems.push(...erasureProblems(def, meta).map((problem) => ({ typename, domain, problem })));
    if (meta.format !== null && !(EXPORT_FORMATS as readonly string[]).includes(meta.format)) {
      problems.push({ typename, domain, problem: `format "${meta.format}" is not an export format the archive writes (${EXPORT_FORMATS.join(', ')})` });
    }
  }
  return problems;
}

/** What is wrong with a kind's erasure metadata (erasure:, erasureFields:, erasureNote:, retainFor:, retainFrom:, retainFields:). */
function erasureProblems(def: ObjectDef, meta: KindMeta): string[] {
  const out: string[] = [];
  if (!meta.erasure) return ['says nothing about erasure (erasure: DELETE | ANONYMIZE | RETAIN)'];
  if (!ERASURE_ACTIONS.includes(meta.erasure)) return [`erasure "${meta.erasure}" is not DELETE, ANONYMIZE or RETAIN`];
  const fields = new Set((def.fields ?? []).map((f) => f.name.value));
  if (meta.erasure === 'ANONYMIZE') {
    if (meta.erasureFields.length === 0) out.push('is ANONYMIZE but names no field it clears (erasureFields:)');
    for (const f of meta.erasureFields) if (!fields.has(f)) out.push(`erasureFields names "${f}", which is not a field of the type`);
    if (!meta.erasureNote?.trim()) out.push('is ANONYMIZE but does not say why the rest is kept (erasureNote:)');
  } else if (meta.erasureFields.length > 0) out.push(`is ${meta.erasure}: erasureFields is only for ANONYMIZE`);
  if (meta.erasure === 'RETAIN') {
    if (!meta.erasureNote?.trim()) out.push('is RETAIN but gives no legal ground (erasureNote:)');
    if (!RETAINED_RULES.includes(meta.retention)) out.push(`is RETAIN, so its retention must be the statutory LEGAL_PERIOD or the EVIDENCE_PERIOD of a record kept as evidence, not ${meta.retention}`);
    if (!meta.retainFor || !addDuration(new Date(0), meta.retainFor)) out.push(`is RETAIN but retainFor "${meta.retainFor ?? ''}" is not an ISO-8601 duration of years, months or days (P6Y)`);
    if (!meta.retainFrom || !RETENTION_STARTS.includes(meta.retainFrom)) out.push('is RETAIN but does not say from when the period runs (retainFrom: COLLECTED | ERASURE)');
    if (meta.retainFields.length === 0) out.push('is RETAIN but does not say which fields its legal ground needs (retainFields:); the rest of a retained record is cleared');
    for (const f of meta.retainFields) if (!fields.has(f)) out.push(`retainFields names "${f}", which is not a field of the type`);
  } else {
    if (meta.retainFor || meta.retainFrom) out.push(`is ${meta.erasure}: retainFor and retainFrom are only for RETAIN`);
    if (meta.retainFields.length > 0) out.push(`is ${meta.erasure}: retainFields is only for RETAIN`);
  }
  return out;
}

function entryOf(meta: KindMeta, domain: string, inventory: readonly InventoryItem[]): DataMapEntry {
  return {
    typename: meta.typename,
    domain,
    kind: meta.kind,
    title: meta.title,
    inventoryItem: inventory.find((i) => i.kinds.includes(meta.kind))?.id ?? null,
    category: meta.category,
    source: meta.source,
    purposes: meta.purposes,
    legalBasis: meta.legalBasis,
    retention: meta.retention,
    regions: [...TAXONOMY.DataRegion.values],
    correctable: meta.correctable,
    correctionNote: meta.correctable ? null : meta.reason,
    recipients: meta.recipients,
    sensitive: meta.sensitive,
    policySection: meta.policy,
    erasure: meta.erasure ?? 'DELETE',
    erasureFields: meta.erasureFields,
    erasureNote: meta.erasureNote,
    retainFor: meta.retainFor,
    retainFrom: meta.retainFrom,
    retainFields: meta.retainFields,
  };
}

/**
 * The data map, read from the composed supergraph SDL: every type carrying
 * @personalData (kept there by @composeDirective) with the subgraph that owns
 * it (its join__type graph). Nothing is kept beside the gateway, so the map is
 * exactly what the federation serves.
 */
export function buildDataMap(supergraphSdl: string | DocumentNode, inventory: readonly InventoryItem[] = INVENTORY): DataMap {
  const doc = typeof supergraphSdl === 'string' ? parse(supergraphSdl) : supergraphSdl;
  const hasDirective = doc.definitions.some((d) => d.kind === Kind.DIRECTIVE_DEFINITION && d.name.value === 'personalData');
  if (!hasDirective) throw new Error('The supergraph has no @personalData directive: the metadata did not survive composition (@composeDirective)');
  const graphs = graphNames(doc);
  if (graphs.size === 0) throw new Error('Not a supergraph: it has no join__Graph enum');
  const ownerOf = (def: ObjectDef): string | null => {
    const owners = directive(def, 'join__type')
      .map((d) => graphs.get(String(argValue(d, 'graph'))))
      .filter((g): g is string => Boolean(g));
    return owners.length === 1 ? owners[0]! : null;
  };
  const problems = personalDataProblems(doc, ownerOf);
  const defs = new Map(objectTypeNodes(doc).map((d) => [d.name.value, d]));
  const entries: DataMapEntry[] = [];
  for (const meta of readKindMeta(doc)) {
    const domain = ownerOf(defs.get(meta.typename)!);
    if (!domain) {
      problems.push({ typename: meta.typename, domain: null, problem: 'is not owned by exactly one subgraph' });
      continue;
    }
    entries.push(entryOf(meta, domain, inventory));
  }
  entries.sort((a, b) => a.domain.localeCompare(b.domain) || a.kind.localeCompare(b.kind));
  const domains = [...new Set(entries.map((e) => e.domain))].map((name) => ({ name, kinds: entries.filter((e) => e.domain === name).length }));
  return { domains, entries, problems };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function erasureCell(e: DataMapEntry): string {
  if (e.erasure === 'ANONYMIZE') return `ANONYMIZE ${e.erasureFields.join(', ')} — ${cell(e.erasureNote ?? '')}`;
  if (e.erasure === 'RETAIN') return `RETAIN ${e.retainFor} from ${e.retainFrom === 'COLLECTED' ? 'collection' : 'erasure'}, keeping ${e.retainFields.join(', ')} — ${cell(e.erasureNote ?? '')}`;
  return 'DELETE';
}

/** The data map as a readable Markdown document: one table per domain, then what each value means. */
export function renderDataMapMarkdown(map: DataMap): string {
  const out: string[] = [
    '# Data map (record of processing)',
    '',
    'Generated by `npm run data-map` from the composed supergraph (`gateway/supergraph.graphql`): every record',
    'type that implements `PersonalData`, the domain (subgraph) that holds it, and how the privacy policy treats it.',
    'Do not edit: change the `@personalData` metadata in the domain\'s `schema.graphql` and regenerate.',
    '',
    `${map.entries.length} record types in ${map.domains.length} domains. Records are stored in their person's data`,
    `region (§11): ${TAXONOMY.DataRegion.values.join(', ')}.`,
    '',
  ];
  if (map.problems.length > 0) {
    out.push('## Metadata problems', '');
    for (const p of map.problems) out.push(`- \`${p.typename}\` (${p.domain ?? 'no domain'}): ${p.problem}`);
    out.push('');
  }
  for (const d of map.domains) {
    out.push(`## ${d.name}`, '');
    out.push('| Record type | Kind | Inventory item | Category | Source | Purposes | Legal basis | Retention | Regions | Correctable | Erasure | Recipients | Policy |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const e of map.entries.filter((x) => x.domain === d.name)) {
      out.push(
        `| ${cell(e.title)} (\`${e.typename}\`)${e.sensitive ? ' — sensitive' : ''} | \`${e.kind}\` | ${e.inventoryItem ? `\`${e.inventoryItem}\`` : '**none**'} | ${e.category} | ${e.source} | ${e.purposes.join(', ')} | ${e.legalBasis} | ${e.retention} | ${e.regions.join(', ')} | ${e.correctable ? 'yes' : `no — ${cell(e.correctionNote ?? '')}`} | ${erasureCell(e)} | ${e.recipients.join(', ') || '—'} | ${cell(e.policySection)} |`,
      );
    }
    out.push('');
  }
  out.push('## What the values mean', '');
  for (const [name, t] of Object.entries(TAXONOMY)) {
    out.push(`### ${name}`, '');
    for (const v of t.values) out.push(`- \`${v}\`: ${t.describe[v as keyof typeof t.describe]}`);
    out.push('');
  }
  return out.join('\n');
}
