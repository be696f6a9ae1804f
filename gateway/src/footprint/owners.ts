import {
  getNamedType,
  isObjectType,
  Kind,
  parse,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { FootprintPlan, KindPlan } from './plan.js';

/** A subgraph of the supergraph (join__Graph): its name and the URL composition saw. */
export interface SubgraphInfo {
  /** join__Graph enum value, e.g. ACCOUNT. */
  graph: string;
  /** Subgraph name, e.g. account. */
  name: string;
  url: string;
}

/** Where one kind of the plan can be read without the gateway: the one subgraph that resolves all of its selection. */
export interface KindOwner {
  subgraph: string;
  url: string;
}

const key = (k: Pick<KindPlan, 'domain' | 'field'>) => `${k.domain}.${k.field}`;

function stringArg(d: ConstDirectiveNode, name: string): string | undefined {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v && (v.kind === Kind.STRING || v.kind === Kind.ENUM) ? v.value : undefined;
}

function booleanArg(d: ConstDirectiveNode, name: string): boolean {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === Kind.BOOLEAN && v.value;
}

/** The supergraph's subgraphs, by join__Graph value. */
export function subgraphsOf(schema: GraphQLSchema): Map<string, SubgraphInfo> {
  const out = new Map<string, SubgraphInfo>();
  const graphs = schema.getType('join__Graph');
  for (const v of graphs?.astNode?.kind === Kind.ENUM_TYPE_DEFINITION ? (graphs.astNode.values ?? []) : []) {
    const d = v.directives?.find((x) => x.name.value === 'join__graph');
    const name = d && stringArg(d, 'name');
    if (name) out.set(v.name.value, { graph: v.name.value, name, url: stringArg(d, 'url') ?? '' });
  }
  return out;
}

const typeGraphs = (t: GraphQLNamedType): string[] =>
  (t.astNode?.directives ?? []).filter((d) => d.name.value === 'join__type').flatMap((d) => stringArg(d, 'graph') ?? []);

/** Whether `graph` resolves this field itself: its join__field names the graph (not as external), or it has none and the type is the graph's. */
function fieldInGraph(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>, graph: string): boolean {
  const joins = (field.astNode?.directives ?? []).filter((d) => d.name.value === 'join__field' && stringArg(d, 'graph') !== undefined);
  if (joins.length === 0) return typeGraphs(parent).includes(graph);
  return joins.some((d) => stringArg(d, 'graph') === graph && !booleanArg(d, 'external') && stringArg(d, 'requires') === undefined);
}

/** Whether `graph` alone can resolve every field of `selection` on `type` (no entity jump to another subgraph). */
function servedBy(schema: GraphQLSchema, type: GraphQLNamedType, selection: SelectionSetNode, graph: string): boolean {
  if (!isObjectType(type) || !typeGraphs(type).includes(graph)) return false;
  for (const s of selection.selections) {
    if (s.kind !== Kind.FIELD) return false;
    if (s.name.value === '__typename') continue;
    const field = type.getFields()[s.name.value];
    if (!field || !fieldInGraph(type, field, graph)) return false;
    const named = getNamedType(field.type);
    if (s.selectionSet) {
      // An interface-typed field is planned as { __typename } only: any subgraph answers that for its own values.
      if (!isObjectType(named)) {
        if (!s.selectionSet.selections.every((x) => x.kind === Kind.FIELD && x.name.value === '__typename')) return false;
      } else if (!servedBy(schema, named, s.selectionSet, graph)) return false;
    }
  }
  return true;
}

/**
 * For every kind of the plan, the subgraph that can answer all of it alone
 * (Person.<domain>, the connection and every field of the record selection),
 * from join__type/join__field of the supergraph; `urls` (by subgraph name)
 * overrides the URLs composition saw. A kind whose data the gateway itself
 * serves (local://) or that needs more than one subgraph has no owner: it is
 * read through the gateway.
 */
export function kindOwners(schema: GraphQLSchema, plan: FootprintPlan, urls: Record<string, string> = {}): Map<string, KindOwner> {
  const subgraphs = subgraphsOf(schema);
  const person = schema.getType('Person');
  const out = new Map<string, KindOwner>();
  if (!isObjectType(person)) return out;
  for (const k of plan.kinds) {
    const domainField = person.getFields()[k.domain];
    if (!domainField) continue;
    const candidates = [...subgraphs.values()].filter((s) => fieldInGraph(person, domainField, s.graph));
    if (candidates.length !== 1) continue;
    const sub = candidates[0]!;
    const url = urls[sub.name] ?? sub.url;
    if (!/^https?:\/\//.test(url)) continue;
    const doc = parse(`{ ${k.field} { totalCount pageInfo { hasNextPage endCursor } nodes { ${k.selection} } } }`);
    const op = doc.definitions[0];
    if (op?.kind !== Kind.OPERATION_DEFINITION) continue;
    if (servedBy(schema, getNamedType(domainField.type), op.selectionSet, sub.graph)) out.set(key(k), { subgraph: sub.name, url });
  }
  return out;
}

export const kindKey = key;
