import { createHash } from 'node:crypto';
import {
  getNamedType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  isEnumType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  parse,
  printType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** sha256 of the composed supergraph SDL: which schema version produced an archive. */
export function schemaHash(supergraphSdl: string): string {
  return `sha256:${createHash('sha256').update(supergraphSdl).digest('hex')}`;
}

/** A kind as the archive holds it: its record type, the selection read, and its file (<domain>/<stem>.json). */
export interface ArchiveSchemaKind {
  typename: string;
  selection: string;
  domain?: string;
  stem?: string;
  kind?: string;
}

/** The fields the archive adds to every record (provenance.ts), typed like the rest. */
const ADDED_FIELDS = `
  "How the record came to be held: provided by you, observed while you used our services, inferred by us, or received from a third party."
  provenance: Provenance!
  "Whether the record is covered by data portability (GDPR Art. 20); see portable.json."
  portable: Boolean!`;

/** The field the archive adds to a record's file content (archive/content.ts). */
const ADDED_PATH = `
  "Added by the archive: where these bytes are in it, <domain>/files/<sha256>.<ext>."
  path: String!`;

const PROVENANCE_ENUM = `"How a record came to be held (added by the archive to every record)."
enum Provenance {
  provided
  observed
  inferred
  received
}`;

/** A GraphQL field name for a file: account/linked-account → account_linkedAccount. */
const fileField = (domain: string, stem: string) => `${domain}_${stem}`.replace(/[^A-Za-z0-9_]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^[^A-Za-z_]/, '_$&');

/**
 * schema.graphql of an archive: the record types the data came from and every
 * type they reach, with their descriptions, printed from the supergraph with
 * exactly the fields the export read — so a reader sees what each field means,
 * and an importer sees the type of every value in the files (non-null included).
 * It is a valid schema on its own (graphql-js buildSchema + validateSchema): a
 * Query type with one field per data file, and the fields the archive adds.
 */
export function archiveSchema(schema: GraphQLSchema, kinds: ArchiveSchemaKind[], hash: string): string {
  const used = new Map<string, Set<string>>();
  const types = new Map<string, GraphQLNamedType>();
  const visit = (type: GraphQLNamedType, set: SelectionSetNode | undefined) => {
    if (isScalarType(type) && isSpecifiedScalarType(type)) return;
    types.set(type.name, type);
    if (!(isObjectType(type) || isInterfaceType(type)) || !set) return;
    const fields = used.get(type.name) ?? new Set<string>();
    used.set(type.name, fields);
    for (const sel of set.selections) {
      if (sel.kind !== Kind.FIELD || sel.name.value === '__typename') continue;
      const f = type.getFields()[sel.name.value];
      if (!f) continue;
      fields.add(f.name);
      visit(getNamedType(f.type), sel.selectionSet);
    }
  };
  for (const k of kinds) {
    const t = schema.getType(k.typename);
    if (!isObjectType(t)) continue;
    visit(t, (parse(`{ ${k.selection} }`).definitions[0] as OperationDefinitionNode).selectionSet);
    // The interfaces a record type implements, with the fields all records have (id, meta).
    for (const i of t.getInterfaces()) {
      types.set(i.name, i);
      const fields = used.get(i.name) ?? new Set<string>(Object.keys(i.getFields()).filter((n) => used.get(t.name)?.has(n)));
      for (const n of [...fields]) if (!used.get(t.name)?.has(n)) fields.delete(n);
      used.set(i.name, fields);
    }
  }
  const records = [...new Set(kinds.map((k) => k.typename))].filter((n) => types.has(n));
  const order = [...records, ...[...types.keys()].filter((n) => !records.includes(n)).sort()];
  const only = (name: string, fields: Record<string, object>) => Object.fromEntries(Object.entries(fields).filter(([n]) => used.get(name)?.has(n)).map(([n, f]) => [n, { ...f, args: {} }]));
  const recordTypes = new Set(records);
  const printed = order.map((name) => {
    const t = types.get(name)!;
    if (isObjectType(t)) {
      const c = t.toConfig();
      const text = printType(new GraphQLObjectType({ ...c, fields: only(name, c.fields) as typeof c.fields, interfaces: c.interfaces.filter((i) => types.has(i.name)) }));
      if (recordTypes.has(name)) return text.replace(/\n}$/, `${ADDED_FIELDS}\n}`);
      // A record's file content (archive/content.ts) also says where its bytes are in the archive.
      const content = ['sha256', 'bytes', 'mimeType'].every((f) => used.get(name)?.has(f));
      return content ? text.replace(/\n}$/, `${ADDED_PATH}\n}`) : text;
    }
    if (isInterfaceType(t)) {
      const c = t.toConfig();
      return printType(new GraphQLInterfaceType({ ...c, fields: only(name, c.fields) as typeof c.fields, interfaces: [] }));
    }
    if (isEnumType(t) || isScalarType(t)) return printType(t);
    return printType(t);
  });
  const files = kinds
    .filter((k) => k.domain && k.stem && recordTypes.has(k.typename))
    .map((k) => `  "${k.domain}/${k.stem}.json${k.kind ? ` (${k.kind})` : ''}: its records."\n  ${fileField(k.domain!, k.stem!)}: [${k.typename}!]!`);
  const query = `"The data files of this archive, one field per <domain>/<kind>.json, each a list of records of one type."\ntype Query {\n${files.length ? files.join('\n') : '  "This archive holds no data file."\n  empty: Boolean'}\n}`;
  return [
    '# The GraphQL types the records in this archive came from, as the Footprint',
    '# federation served them, with the fields the export read. Each',
    '# <domain>/<kind>.json holds records of one type (see Query); every record also',
    '# carries `provenance` and `portable`, added by the archive (see portable.json).',
    `# Supergraph schema ${hash}`,
    '',
    query,
    '',
    printed.join('\n\n'),
    '',
    PROVENANCE_ENUM,
    '',
  ].join('\n');
}
