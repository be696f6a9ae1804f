import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import { Kind, parse, print, type DocumentNode, type FieldNode, type OperationDefinitionNode, type SelectionNode } from 'graphql';

/** One entity fetch of a fast plan: sent exactly as @apollo/gateway would send it. */
export interface FastFetch {
  service: string;
  operation: string;
  operationName: string | undefined;
  variableUsages: readonly string[];
  /** The Person fields it answers (response keys), in the order the subgraph answers them. */
  keys: string[];
}

/** Where one key of the person object comes from. */
export type PersonField = { key: string; from: 'id' | 'typename' } | { key: string; from: 'fetch'; fetch: number };

/**
 * An operation @apollo/gateway answers with one person entry point and one
 * `_entities` fetch per domain subgraph, where each subgraph is asked for
 * exactly what the client asked under that person (same fields, aliases,
 * arguments and nesting, in the same order): the subgraph's answer is then,
 * value for value, what Apollo's result shaping would build from it.
 */
export interface FastPlan {
  /** Response key of the root field. */
  rootKey: string;
  root: { field: 'me' } | { field: 'person'; id: { variable: string } | { value: string } };
  /** The person object's keys, in the client's order. */
  fields: PersonField[];
  fetches: FastFetch[];
}

const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;

/** The client's selections, if they are plain fields without directives (no fragments). */
function plainFields(selections: readonly SelectionNode[]): FieldNode[] | null {
  const out: FieldNode[] = [];
  for (const s of selections) {
    if (s.kind !== Kind.FIELD || s.directives?.length) return null;
    out.push(s);
  }
  return out;
}

/** The entity fetch's `requires`: exactly `... on Person { __typename id }`, the representation the fast path builds. */
function requiresPersonKey(requires: readonly QueryPlanSelectionNode[] | undefined): boolean {
  if (requires?.length !== 1) return false;
  const [frag] = requires;
  if (frag?.kind !== 'InlineFragment' || frag.typeCondition !== 'Person') return false;
  const names = frag.selections.map((s) => (s.kind === 'Field' && !s.alias && !s.selections ? s.name : '?'));
  return names.length === 2 && names[0] === '__typename' && names[1] === 'id';
}

/** Whether a selection anywhere below names a response key `key` (the raw answer check relies on "extensions" not being one). */
function usesKey(selections: readonly SelectionNode[], key: string): boolean {
  return selections.some((s) => {
    if (s.kind === Kind.FIELD && responseKey(s) === key) return true;
    return 'selectionSet' in s && s.selectionSet ? usesKey(s.selectionSet.selections, key) : false;
  });
}

/** The fetch's Person selections, when its operation is `{ _entities(representations: $representations) { ... on Person { <fields> } } }`. */
function entitySelections(fetch: FetchNode): FieldNode[] | null {
  const doc: DocumentNode = fetch.operationDocumentNode ?? parse(fetch.operation);
  if (doc.definitions.length !== 1) return null;
  const [op] = doc.definitions;
  if (op?.kind !== Kind.OPERATION_DEFINITION || op.operation !== 'query' || op.directives?.length) return null;
  const [entities, ...rest] = op.selectionSet.selections;
  if (rest.length || entities?.kind !== Kind.FIELD || entities.name.value !== '_entities' || entities.alias || entities.directives?.length) return null;
  const [frag, ...more] = entities.selectionSet?.selections ?? [];
  if (more.length || frag?.kind !== Kind.INLINE_FRAGMENT || frag.typeCondition?.name.value !== 'Person' || frag.directives?.length) return null;
  if (usesKey(frag.selectionSet.selections, 'extensions')) return null;
  return plainFields(frag.selectionSet.selections);
}

function entityFetch(node: PlanNode, rootKey: string, local: string): FetchNode | null {
  if (node.kind !== 'Flatten' || node.path.length !== 1 || node.path[0] !== rootKey) return null;
  const f = node.node;
  if (f.kind !== 'Fetch' || f.serviceName === local || f.hasDefers || f.operationKind !== 'query') return null;
  if (f.inputRewrites?.length || f.outputRewrites?.length || f.contextRewrites?.length) return null;
  if (f.variableUsages?.includes('representations') || !requiresPersonKey(f.requires)) return null;
  return f;
}

/**
 * The fast plan of an operation, or null when @apollo/gateway must answer it
 * (anything else than the shape above: fragments, directives, a mutation,
 * fields of the gateway's own subgraph under the person, nested fetches,
 * a planner that asks a subgraph for more or other than the client did).
 * `local` is the gateway's in-process subgraph, which answers the entry point.
 */
export function fastPlanOf(queryPlan: QueryPlan, document: DocumentNode, operation: OperationDefinitionNode, local: string): FastPlan | null {
  if (operation.operation !== 'query' || operation.directives?.length) return null;
  if (document.definitions.some((d) => d.kind === Kind.FRAGMENT_DEFINITION)) return null;
  const rootFields = plainFields(operation.selectionSet.selections);
  if (rootFields?.length !== 1) return null;
  const [rootField] = rootFields as [FieldNode];
  const rootKey = responseKey(rootField);
  let root: FastPlan['root'];
  if (rootField.name.value === 'me' && !rootField.arguments?.length) root = { field: 'me' };
  else if (rootField.name.value === 'person' && rootField.arguments?.length === 1 && rootField.arguments[0]?.name.value === 'id') {
    const v = rootField.arguments[0].value;
    if (v.kind === Kind.VARIABLE) root = { field: 'person', id: { variable: v.name.value } };
    else if (v.kind === Kind.STRING) root = { field: 'person', id: { value: v.value } };
    else return null;
  } else return null;
  const personFields = rootField.selectionSet && plainFields(rootField.selectionSet.selections);
  if (!personFields) return null;

  // Apollo's plan for it: the entry point from the gateway's own subgraph, then the domains' entity fetches.
  const node = queryPlan.node;
  if (node?.kind !== 'Sequence' || node.nodes.length !== 2) return null;
  const [first, second] = node.nodes as [PlanNode, PlanNode];
  if (first.kind !== 'Fetch' || first.serviceName !== local) return null;
  const flattens = second.kind === 'Parallel' ? second.nodes : [second];

  const wanted = new Map<string, FieldNode>();
  for (const f of personFields) {
    if (wanted.has(responseKey(f))) return null;
    wanted.set(responseKey(f), f);
  }
  const owner = new Map<string, number>();
  const fetches: FastFetch[] = [];
  for (const flatten of flattens) {
    const f = entityFetch(flatten, rootKey, local);
    const selections = f && entitySelections(f);
    if (!f || !selections?.length) return null;
    for (const s of selections) {
      const key = responseKey(s);
      const asked = wanted.get(key);
      // Printed alike: same name, alias, arguments (variables by name), nesting and order, nothing added by the planner.
      if (!asked || owner.has(key) || print(asked) !== print(s)) return null;
      owner.set(key, fetches.length);
    }
    fetches.push({ service: f.serviceName, operation: f.operation, operationName: f.operationName, variableUsages: f.variableUsages ?? [], keys: selections.map(responseKey) });
  }

  const fields: PersonField[] = [];
  for (const f of personFields) {
    const key = responseKey(f);
    const fetch = owner.get(key);
    if (fetch !== undefined) fields.push({ key, from: 'fetch', fetch });
    else if (f.name.value === 'id' && !f.arguments?.length && !f.selectionSet) fields.push({ key, from: 'id' });
    else if (f.name.value === '__typename') fields.push({ key, from: 'typename' });
    // A field of the gateway's own subgraph (exports, discovery, …): Apollo answers the whole operation.
    else return null;
  }
  return { rootKey, root, fields, fetches };
}
