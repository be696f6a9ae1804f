import { createHash } from 'node:crypto';
import {
  getNamedType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  isEnumType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  printType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

const isInternal = (name: string) => name.startsWith('_') || name.startsWith('join__') || name.startsWith('link__');

/** The fields the footprint reads: the same rules as the plan's selection (no internal, @inaccessible or argument-bound fields). */
function readable(f: GraphQLField<unknown, unknown>): boolean {
  return !isInternal(f.name) && !f.args.some((a) => isNonNullType(a.type)) && !f.astNode?.directives?.some((d) => d.name.value === 'inaccessible');
}

/** sha256 of the composed supergraph SDL: which schema version produced an archive. */
export function schemaHash(supergraphSdl: string): string {
  return `sha256:${createHash('sha256').update(supergraphSdl).digest('hex')}`;
}

/**
 * schema.graphql of an archive: the record types the data came from and every
 * type they reach, with their descriptions, printed from the supergraph — so a
 * reader sees what each field means and an importer sees its type.
 */
export function archiveSchema(schema: GraphQLSchema, typenames: string[], hash: string): string {
  const seen = new Map<string, GraphQLNamedType>();
  const visit = (t: GraphQLNamedType) => {
    if (seen.has(t.name) || isInternal(t.name) || (isScalarType(t) && isSpecifiedScalarType(t))) return;
    seen.set(t.name, t);
    if (isObjectType(t) || isInterfaceType(t)) {
      for (const f of Object.values(t.getFields())) if (readable(f)) visit(getNamedType(f.type));
      for (const i of t.getInterfaces()) visit(i);
    }
  };
  for (const name of typenames) {
    const t = schema.getType(name);
    if (t) visit(t);
  }
  const order = [...typenames.filter((n) => seen.has(n)), ...[...seen.keys()].filter((n) => !typenames.includes(n)).sort()];
  const printed = order.map((name) => {
    const t = seen.get(name)!;
    if (isObjectType(t)) {
      const c = t.toConfig();
      const fields = Object.fromEntries(Object.entries(c.fields).filter(([n]) => readable(t.getFields()[n]!)).map(([n, f]) => [n, { ...f, args: {} }]));
      return printType(new GraphQLObjectType({ ...c, fields }));
    }
    if (isInterfaceType(t)) {
      const c = t.toConfig();
      const fields = Object.fromEntries(Object.entries(c.fields).filter(([n]) => readable(t.getFields()[n]!)).map(([n, f]) => [n, { ...f, args: {} }]));
      return printType(new GraphQLInterfaceType({ ...c, fields }));
    }
    if (isEnumType(t) || isScalarType(t)) return printType(t);
    return printType(t);
  });
  return [
    '# The GraphQL types the records in this archive came from, as the Footprint',
    '# federation served them. Each <domain>/<kind>.json holds records of one type;',
    '# every record also carries `provenance` and `portable`, added by the archive.',
    `# Supergraph schema ${hash}`,
    '',
    printed.join('\n\n'),
    '',
  ].join('\n');
}
