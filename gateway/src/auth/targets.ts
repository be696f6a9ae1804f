import {
  getNullableType,
  isInputObjectType,
  isListType,
  isObjectType,
  Kind,
  TypeInfo,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

/** The directive that marks the argument or input field naming a person (defined in gateway/schema/person.graphql). */
export const PERSON_DIRECTIVE = 'person';

/**
 * Where a schema names a person: the arguments and input fields marked
 * @person. Read once from the gateway's own subgraph schema, where the
 * directive is defined; composition leaves it out of the supergraph, so the
 * served (API) schema is walked with these coordinates, which name the same
 * types and fields.
 */
export interface PersonMarks {
  /** "Type.field" → its arguments marked @person. */
  arguments: ReadonlyMap<string, ReadonlySet<string>>;
  /** Input object type → its fields marked @person. */
  inputFields: ReadonlyMap<string, ReadonlySet<string>>;
}

const marked = (node: { directives?: readonly { name: { value: string } }[] } | null | undefined): boolean =>
  node?.directives?.some((d) => d.name.value === PERSON_DIRECTIVE) ?? false;

/** Every @person mark of `schema` (the in-process subgraph's, which keeps its SDL's directives on each element's AST). */
export function personMarks(schema: GraphQLSchema): PersonMarks {
  const args = new Map<string, Set<string>>();
  const inputFields = new Map<string, Set<string>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const names = field.args.filter((a) => marked(a.astNode)).map((a) => a.name);
        if (names.length) args.set(`${type.name}.${field.name}`, new Set(names));
      }
    } else if (isInputObjectType(type)) {
      const names = Object.values(type.getFields()).filter((f) => marked(f.astNode)).map((f) => f.name);
      if (names.length) inputFields.set(type.name, new Set(names));
    }
  }
  return { arguments: args, inputFields };
}

/** Which people an operation names (@person values) and whether it uses `me`. */
export interface Targets {
  ids: Set<string>;
  /** For each id, the argument or input field that named it first (for error messages). */
  namedBy: Map<string, string>;
  me: boolean;
  /** Root fields used, for the audit log and scope checks. */
  rootFields: Set<string>;
}

/**
 * Walks the whole document with type information — aliases, inline fragments
 * and named fragments included — and collects the value of every argument and
 * input field marked @person, resolving variables. What an argument is called
 * does not matter. A value that is not a string or a number (null, an unset
 * variable) is reported as the empty string.
 */
export function collectTargets(schema: GraphQLSchema, marks: PersonMarks, doc: DocumentNode, variables: Record<string, unknown> | undefined): Targets {
  const typeInfo = new TypeInfo(schema);
  const targets: Targets = { ids: new Set(), namedBy: new Map(), me: false, rootFields: new Set() };
  const rootTypes = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name].filter(Boolean));
  // A list of persons names each of them; a list given where one id is expected is no id.
  const add = (type: GraphQLInputType, value: unknown, name: string): void => {
    const t = getNullableType(type);
    if (isListType(t) && value !== null && value !== undefined) {
      for (const v of Array.isArray(value) ? value : [value]) add(t.ofType, v, name);
      return;
    }
    const id = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    targets.ids.add(id);
    if (!targets.namedBy.has(id)) targets.namedBy.set(id, name);
  };
  // Input objects are followed by their type, so a marked field is found however deep it is nested.
  const walkInput = (type: GraphQLInputType, value: unknown): void => {
    const t = getNullableType(type);
    if (isListType(t)) {
      for (const v of Array.isArray(value) ? value : [value]) walkInput(t.ofType, v);
      return;
    }
    if (!isInputObjectType(t) || value === null || typeof value !== 'object') return;
    const persons = marks.inputFields.get(t.name);
    for (const [name, field] of Object.entries(t.getFields())) {
      if (!Object.hasOwn(value, name)) continue;
      const v = (value as Record<string, unknown>)[name];
      if (persons?.has(name)) add(field.type, v, `${t.name}.${name}`);
      else walkInput(field.type, v);
    }
  };
  visit(
    doc,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !isObjectType(parent)) return;
        if (rootTypes.has(parent.name)) {
          targets.rootFields.add(node.name.value);
          if (node.name.value === 'me') targets.me = true;
        }
        const def = typeInfo.getFieldDef();
        if (!def) return;
        const persons = marks.arguments.get(`${parent.name}.${def.name}`);
        for (const arg of node.arguments ?? []) {
          const argDef = def.args.find((a) => a.name === arg.name.value);
          if (!argDef) continue;
          const value = arg.value.kind === Kind.VARIABLE ? variables?.[arg.value.name.value] : valueFromAST(arg.value, argDef.type, variables);
          if (persons?.has(argDef.name)) add(argDef.type, value, argDef.name);
          else if (marks.inputFields.size) walkInput(argDef.type, value);
        }
      },
    }),
  );
  return targets;
}
