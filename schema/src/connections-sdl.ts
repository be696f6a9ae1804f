import { Kind, parse, type DefinitionNode, type DocumentNode, type TypeNode } from 'graphql';
import { objectTypeNodes } from './meta.js';

const SUFFIX = 'Connection';
const namedType = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type));

/**
 * A kind is written once in a domain's SDL: a field returning `<Type>Connection!`
 * is enough, and the `<Type>Connection`/`<Type>Edge` pair (edges, nodes,
 * pageInfo, totalCount; cursor, node) is derived here for every such name the
 * document does not define itself. Composition, codegen and the running
 * subgraph all read the SDL through this, so the composed API is the same as
 * when every pair was written by hand.
 */
export function deriveConnections(doc: DocumentNode): DocumentNode {
  const defined = new Set(
    doc.definitions.flatMap((d) => ('name' in d && d.name && d.kind !== Kind.DIRECTIVE_DEFINITION ? [d.name.value] : [])),
  );
  const objects = objectTypeNodes(doc);
  const wanted: string[] = [];
  for (const o of objects) {
    for (const f of o.fields ?? []) {
      const ret = namedType(f.type);
      if (!ret.endsWith(SUFFIX) || defined.has(ret) || wanted.includes(ret)) continue;
      const node = ret.slice(0, -SUFFIX.length);
      if (!defined.has(node)) throw new Error(`${o.name.value}.${f.name.value} returns ${ret}, but there is no type ${node} to derive it from`);
      wanted.push(ret);
    }
  }
  if (wanted.length === 0) return doc;
  const sdl = wanted
    .map((c) => {
      const t = c.slice(0, -SUFFIX.length);
      return `type ${t}Connection { edges: [${t}Edge!]! nodes: [${t}!]! pageInfo: PageInfo! totalCount: Int! }\ntype ${t}Edge { cursor: String! node: ${t}! }`;
    })
    .join('\n');
  const added: readonly DefinitionNode[] = parse(sdl, { noLocation: true }).definitions;
  return { ...doc, definitions: [...doc.definitions, ...added] };
}
