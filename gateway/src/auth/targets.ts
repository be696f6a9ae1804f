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
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
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

/** One argument of one field of a document, with what the walk knows of it before any variable is known. */
interface ArgumentSite {
  /** The argument's definition (type, name) in the served schema. */
  def: GraphQLArgument;
  /** Its value as written: a variable or a literal (which may itself hold variables). */
  value: ValueNode;
  /** Marked @person: its value names a person. Otherwise its value is searched for marked input fields. */
  marked: boolean;
}

/** What a document says about people, whatever its variables: every argument that may name one, the root fields, `me`. */
interface DocumentSites {
  schema: GraphQLSchema;
  marks: PersonMarks;
  arguments: ArgumentSite[];
  rootFields: Set<string>;
  me: boolean;
}

/**
 * Documents already walked. Apollo Server keeps one parsed document per
 * query, so the walk with type information (the costly part, about as much
 * CPU as the rest of a small request's authorization) runs once per query;
 * each request only reads its variables into the sites.
 */
const walked = new WeakMap<DocumentNode, DocumentSites>();

function documentSites(schema: GraphQLSchema, marks: PersonMarks, doc: DocumentNode): DocumentSites {
  const hit = walked.get(doc);
  if (hit && hit.schema === schema && hit.marks === marks) return hit;
  const typeInfo = new TypeInfo(schema);
  const sites: DocumentSites = { schema, marks, arguments: [], rootFields: new Set(), me: false };
  const rootTypes = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name].filter(Boolean));
  visit(
    doc,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || !isObjectType(parent)) return;
        if (rootTypes.has(parent.name)) {
          sites.rootFields.add(node.name.value);
          if (node.name.value === 'me') sites.me = true;
        }
        const def = typeInfo.getFieldDef();
        if (!def) return;
        const persons = marks.arguments.get(`${parent.name}.${def.name}`);
        for (const arg of node.arguments ?? []) {
          const argDef = def.args.find((a) => a.name === arg.name.value);
          if (!argDef) continue;
          const isMarked = persons?.has(argDef.name) ?? false;
          if (isMarked || marks.inputFields.size) sites.arguments.push({ def: argDef, value: arg.value, marked: isMarked });
        }
      },
    }),
  );
  walked.set(doc, sites);
  return sites;
}

/**
 * Walks the whole document with type information — aliases, inline fragments
 * and named fragments included — and collects the value of every argument and
 * input field marked @person, resolving variables. What an argument is called
 * does not matter. A value that is not a string or a number (null, an unset
 * variable) is reported as the empty string. The walk is done once per
 * document (documentSites); the variables are read on every call.
 */
export function collectTargets(schema: GraphQLSchema, marks: PersonMarks, doc: DocumentNode, variables: Record<string, unknown> | undefined): Targets {
  const sites = documentSites(schema, marks, doc);
  const targets: Targets = { ids: new Set(), namedBy: new Map(), me: sites.me, rootFields: new Set(sites.rootFields) };
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
  for (const site of sites.arguments) {
    const value = site.value.kind === Kind.VARIABLE ? variables?.[site.value.name.value] : valueFromAST(site.value, site.def.type, variables);
    if (site.marked) add(site.def.type, value, site.def.name);
    else walkInput(site.def.type, value);
  }
  return targets;
}
