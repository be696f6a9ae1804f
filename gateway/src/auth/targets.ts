import {
  getNamedType,
  isObjectType,
  Kind,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

/** Which people an operation reads: `person(id:)` values and whether it uses `me`. */
export interface Targets {
  ids: Set<string>;
  me: boolean;
  /** Root fields used, for the audit log and scope checks. */
  rootFields: Set<string>;
}

/**
 * Walks the whole document with type information — aliases, inline fragments
 * and named fragments included — and collects every Query.person id, resolving
 * variables. An id that cannot be resolved is reported as the empty string.
 */
export function collectTargets(schema: GraphQLSchema, doc: DocumentNode, variables: Record<string, unknown> | undefined): Targets {
  const typeInfo = new TypeInfo(schema);
  const targets: Targets = { ids: new Set(), me: false, rootFields: new Set() };
  const rootTypes = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name].filter(Boolean));
  visit(
    doc,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !isObjectType(parent) || !rootTypes.has(parent.name)) return;
        targets.rootFields.add(node.name.value);
        if (node.name.value === 'me') targets.me = true;
        const def = typeInfo.getFieldDef();
        for (const arg of node.arguments ?? []) {
          // Any root field argument named id/personId whose type is ID names a person.
          if (arg.name.value !== 'id' && arg.name.value !== 'personId') continue;
          const argDef = def?.args.find((a) => a.name === arg.name.value);
          if (!argDef || getNamedType(argDef.type).name !== 'ID') continue;
          const value = arg.value.kind === Kind.VARIABLE ? variables?.[arg.value.name.value] : valueFromAST(arg.value, argDef.type, variables);
          targets.ids.add(typeof value === 'string' || typeof value === 'number' ? String(value) : '');
        }
      },
    }),
  );
  return targets;
}
