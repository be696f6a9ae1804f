import {
  buildASTSchema,
  getNamedType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/** One list of records in the footprint: Person.<domain>.<field> of a PersonalData type. */
export interface KindPlan {
  domain: string;
  /** Field on the domain's data type (e.g. signIns). */
  field: string;
  /** GraphQL type of the records (e.g. SignInEvent). */
  typename: string;
  /** Selection of one record: every scalar, every nested object, the metadata. */
  selection: string;
}

export interface FootprintPlan {
  kinds: KindPlan[];
  /** Domain fields on Person. */
  domains: string[];
}

/**
 * Reads the composed supergraph (its SDL carries every subgraph's types) into
 * a graphql-js schema, for planning operations from it.
 */
export function schemaFromSupergraph(supergraphSdl: string): GraphQLSchema {
  return buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
}

function implementsPersonalData(t: GraphQLNamedType): t is GraphQLObjectType {
  return isObjectType(t) && t.getInterfaces().some((i) => i.name === 'PersonalData');
}

const isInternal = (name: string) => name.startsWith('_') || name.startsWith('join__') || name.startsWith('link__');

/** Fields of RecordMeta that differ from record to record; the rest is the kind's, in the supergraph. */
export const RECORD_META_FIELDS = ['kind', 'source', 'region', 'collectedAt', 'restricted', 'restriction { since reason until ground }'] as const;

export interface PlanOptions {
  /**
   * `full` (default): every RecordMeta field on every record, as the contract
   * promises. `record`: only what varies per record (RECORD_META_FIELDS) — for
   * bulk readers such as exports, which take the kind's metadata from the data map.
   */
  meta?: 'full' | 'record';
}

/**
 * A record's selection: scalars and enums, and nested objects down to `depth`
 * (arguments-free fields only). A nested PersonalData record is referenced by
 * id: it is exported in its own kind, not copied into every parent.
 */
function selectionOf(type: GraphQLObjectType, depth: number, opts: PlanOptions, top = true): string {
  const parts: string[] = [];
  for (const f of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    if (isInternal(f.name) || f.args.some((a) => isNonNullType(a.type))) continue;
    if (f.astNode?.directives?.some((d) => d.name.value === 'inaccessible')) continue;
    const named = getNamedType(f.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(f.name);
    else if (top && f.name === 'meta' && opts.meta === 'record') parts.push(`meta { ${RECORD_META_FIELDS.join(' ')} }`);
    else if (implementsPersonalData(named)) parts.push(`${f.name} { id }`);
    else if (isObjectType(named) && depth > 0) {
      const inner = selectionOf(named, depth - 1, opts, false);
      if (inner) parts.push(`${f.name} { ${inner} }`);
    } else if (isInterfaceType(named)) parts.push(`${f.name} { __typename }`);
  }
  return parts.join(' ');
}

/**
 * Plans the whole footprint from the schema alone: every field of Person that
 * leads to a domain type, and in it every connection whose nodes implement
 * PersonalData. A new subgraph's data appears here with no code change.
 */
export function planFootprint(schema: GraphQLSchema, opts: PlanOptions = {}): FootprintPlan {
  const person = schema.getType('Person');
  if (!isObjectType(person)) throw new Error('The supergraph has no Person type');
  const kinds: KindPlan[] = [];
  const domains: string[] = [];
  for (const domainField of Object.values(person.getFields())) {
    const domainType = getNamedType(domainField.type);
    if (!isObjectType(domainType) || domainField.args.some((a) => isNonNullType(a.type))) continue;
    let any = false;
    for (const f of Object.values(domainType.getFields())) {
      const conn = getNamedType(f.type);
      if (!isObjectType(conn)) continue;
      const nodes = conn.getFields().nodes;
      if (!nodes || !isListType(isNonNullType(nodes.type) ? nodes.type.ofType : nodes.type)) continue;
      const node = getNamedType(nodes.type);
      if (!implementsPersonalData(node)) continue;
      any = true;
      kinds.push({ domain: domainField.name, field: f.name, typename: node.name, selection: selectionOf(node, 3, opts) });
    }
    if (any) domains.push(domainField.name);
  }
  return { kinds, domains };
}

const connectionSelection = (k: KindPlan) => `totalCount pageInfo { hasNextPage endCursor } nodes { ${k.selection} }`;

/** Kinds by their domain, each domain's in plan order (the order operations and prefetches ask them in). */
export function kindsByDomain(kinds: readonly KindPlan[]): Map<string, KindPlan[]> {
  const byDomain = new Map<string, KindPlan[]>();
  for (const k of kinds) {
    const list = byDomain.get(k.domain);
    if (list) list.push(k);
    else byDomain.set(k.domain, [k]);
  }
  return byDomain;
}

/** The first page of every kind, in one operation. */
export function firstPageOperation(plan: FootprintPlan): string {
  const domains = [...kindsByDomain(plan.kinds).entries()].map(
    ([d, ks]) => `${d} { ${ks.map((k) => `${k.field}(first: $first) { ${connectionSelection(k)} }`).join(' ')} }`,
  );
  return `query Footprint($id: ID!, $first: Int) { person(id: $id) { id ${domains.join(' ')} } }`;
}

/** The next page of one kind. */
export function nextPageOperation(k: KindPlan): string {
  return `query FootprintPage($id: ID!, $first: Int, $after: String) { person(id: $id) { ${k.domain} { ${k.field}(first: $first, after: $after) { ${connectionSelection(k)} } } } }`;
}

/**
 * Pages of one subgraph's kinds, asked of that subgraph itself as the gateway
 * would: `_entities` with the person's representation, the same connection
 * selection as through the gateway (so the records are the same, field for
 * field). `$after` only when one kind's next page is asked.
 */
export function entitiesOperation(kinds: KindPlan[], paged: boolean): string {
  const args = paged ? '(first: $first, after: $after)' : '(first: $first)';
  const domains = [...kindsByDomain(kinds).entries()].map(([d, ks]) => `${d} { ${ks.map((k) => `${k.field}${args} { ${connectionSelection(k)} }`).join(' ')} }`);
  const vars = paged ? '$r: [_Any!]!, $first: Int, $after: String' : '$r: [_Any!]!, $first: Int';
  return `query FootprintDirect(${vars}) { _entities(representations: $r) { ... on Person { ${domains.join(' ')} } } }`;
}
