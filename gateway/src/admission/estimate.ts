import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@footprint/kit';
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The records an operation may bring into the gateway at most, before it runs:
 * each connection asked (a field with a `first` argument) counts its `first`
 * (the domains' default page when absent, capped at their largest page) times
 * the records of the connections around it. What a request costs in memory
 * grows with the records it assembles, not with the request itself; an upper
 * bound is what admission needs, since the real counts are known only once
 * the domains have answered. At least 1: every request holds something.
 */
export function estimateRecords(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = schema.getRootType(operation.operation);
  if (!root) return 1;
  const vars = variables ?? {};

  const pageSize = (value: unknown): number => {
    const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : DEFAULT_PAGE_SIZE;
    return Math.min(MAX_PAGE_SIZE, Math.max(1, n));
  };

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, around: number, seen: ReadonlySet<string>): number => {
    let records = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        // Validation refuses cycles; `seen` keeps this walk finite whatever it is given.
        if (!f || seen.has(f.name.value)) continue;
        records += walk(f.selectionSet, schema.getType(f.typeCondition.name.value) ?? parent, around, new Set([...seen, f.name.value]));
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        records += walk(sel.selectionSet, (sel.typeCondition && schema.getType(sel.typeCondition.name.value)) || parent, around, seen);
        continue;
      }
      if (!sel.selectionSet || !(isObjectType(parent) || isInterfaceType(parent))) continue;
      const field = parent.getFields()[sel.name.value];
      if (!field) continue;
      let inner = around;
      const firstArg = field.args.find((a) => a.name === 'first');
      if (firstArg) {
        const given = sel.arguments?.find((a) => a.name.value === 'first');
        const value = given ? valueFromASTUntyped(given.value, vars) : firstArg.defaultValue;
        inner = around * pageSize(value);
        records += inner;
      }
      records += walk(sel.selectionSet, getNamedType(field.type), inner, seen);
    }
    return records;
  };
  return Math.max(1, walk(operation.selectionSet, root, 1, new Set()));
}
