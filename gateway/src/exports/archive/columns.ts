import {
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLInterfaceType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** One column of a kind's CSV, in the order of the selection the records were read with. */
export interface Column {
  /** Dot path into the record; also the CSV header (e.g. meta.region). */
  name: string;
  path: string[];
  /** GraphQL type name of the value (String, Int, Float, Boolean, ID, DateTime or an enum); "JSON" for a list. */
  type: string;
  /** A list, written to its CSV cell as JSON text. */
  json: boolean;
  nullable: boolean;
}

/** Columns the archive adds to every record (see provenance.ts). */
export const ADDED_COLUMNS: Column[] = [
  { name: 'provenance', path: ['provenance'], type: 'String', json: false, nullable: false },
  { name: 'portable', path: ['portable'], type: 'Boolean', json: false, nullable: false },
];

const unwrap = (t: GraphQLOutputType): { list: boolean; nullable: boolean } => {
  const nullable = !isNonNullType(t);
  const inner = isNonNullType(t) ? t.ofType : t;
  return { list: isListType(inner), nullable };
};

/**
 * The CSV columns of a kind: the fields of the selection the footprint plan
 * reads, nested objects flattened to dot paths, lists kept whole as JSON —
 * derived from the schema, so a field a domain adds becomes a column by itself.
 */
export function columnsFor(schema: GraphQLSchema, typename: string, selection: string): Column[] {
  const type = schema.getType(typename);
  if (!isObjectType(type)) throw new Error(`${typename} is not an object type of the supergraph`);
  const op = parse(`{ ${selection} }`).definitions[0] as OperationDefinitionNode;
  const out: Column[] = [];
  walk(type, op.selectionSet, [], false, out);
  // id and what the archive adds first, the record's own fields next, its metadata last: the order a person reads it in.
  const isMeta = (c: Column) => c.path[0] === 'meta';
  return [...out.filter((c) => c.name === 'id'), ...ADDED_COLUMNS, ...out.filter((c) => c.name !== 'id' && !isMeta(c)), ...out.filter(isMeta)];
}

function walk(type: GraphQLObjectType | GraphQLInterfaceType, set: SelectionSetNode, prefix: string[], parentNullable: boolean, out: Column[]): void {
  for (const sel of set.selections) {
    if (sel.kind !== Kind.FIELD) continue;
    const name = sel.name.value;
    const path = [...prefix, name];
    if (name === '__typename') {
      out.push({ name: path.join('.'), path, type: 'String', json: false, nullable: parentNullable });
      continue;
    }
    const field = type.getFields()[name] as GraphQLField<unknown, unknown> | undefined;
    if (!field) throw new Error(`${type.name}.${name} is in the footprint selection but not in the schema`);
    const { list, nullable } = unwrap(field.type);
    const named = getNamedType(field.type);
    if (list) {
      out.push({ name: path.join('.'), path, type: 'JSON', json: true, nullable: nullable || parentNullable });
    } else if ((isObjectType(named) || isInterfaceType(named)) && sel.selectionSet) {
      walk(named, sel.selectionSet, path, nullable || parentNullable, out);
    } else {
      out.push({ name: path.join('.'), path, type: named.name, json: false, nullable: nullable || parentNullable });
    }
  }
}

/** The value at a column's path; null when any step is missing. */
export function valueAt(record: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = record;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  return v ?? null;
}

/** Whether the kind's records carry a position (WGS 84 latitude and longitude): those get a GeoJSON file. */
export function hasPosition(columns: Column[]): boolean {
  const top = new Map(columns.filter((c) => c.path.length === 1).map((c) => [c.name, c.type]));
  return top.get('latitude') === 'Float' && top.get('longitude') === 'Float';
}
