import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { fail } from '@footprint/schema';
import { LruCache, subgraphDocument } from '@footprint/kit';
import { LocalGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { execute, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { requireDecidedPerson } from './auth/access.js';
import { gatewayTypeDefs } from './compose.js';
import type { GatewayContext } from './context.js';

/** Resolvers of the gateway's own subgraph, one map per concern (exports, corrections and data map add theirs). */
export type LocalResolvers = GraphQLResolverMap<GatewayContext>;

export const personResolvers: LocalResolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: GatewayContext) => {
      if (ctx.principal.kind !== 'subject' || !ctx.person) fail('FORBIDDEN', '`me` is for subject tokens');
      return { id: ctx.person };
    },
    person: (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      // The authorization plugin already decided; this is the second lock.
      return { id: requireDecidedPerson(ctx, args.id) };
    },
  },
  Person: {
    __resolveReference: (ref: { id: string }, ctx: GatewayContext) => {
      return { id: requireDecidedPerson(ctx, ref.id) };
    },
  },
};

/** The gateway's in-process subgraph: the person entry points and the gateway's own features. */
export function buildLocalSchema(resolvers: LocalResolvers[]): GraphQLSchema {
  const merged: LocalResolvers = {};
  for (const r of resolvers) for (const [type, fields] of Object.entries(r)) merged[type] = Object.assign({}, merged[type], fields);
  return buildSubgraphSchema([{ typeDefs: subgraphDocument(gatewayTypeDefs()), resolvers: merged }]);
}

/** Operations of the local subgraph remembered parsed and validated; the planner sends a bounded set (one per plan shape). */
const MAX_DOCUMENTS = 1000;

/**
 * The gateway's in-process subgraph as the planner's data source. Apollo's
 * LocalGraphQLDataSource parses and validates the planner's operation on every
 * call (graphql()); the operations are few and repeat, so each is parsed and
 * validated once and then only executed — the same answer, syntax and
 * validation errors included.
 */
export class LocalSource extends LocalGraphQLDataSource<GatewayContext> {
  private readonly documents = new LruCache<string, DocumentNode | readonly GraphQLError[]>(MAX_DOCUMENTS);

  override async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<ExecutionResult> {
    const source = request.query ?? '';
    let document = this.documents.get(source);
    if (document === undefined) {
      try {
        const parsed = parse(source);
        const errors = validate(this.schema, parsed);
        document = errors.length > 0 ? errors : parsed;
      } catch (err) {
        document = [err as GraphQLError];
      }
      this.documents.set(source, document);
    }
    if (!('kind' in document)) return { errors: document };
    return execute({ schema: this.schema, document, variableValues: request.variables, operationName: request.operationName, contextValue: context });
  }
}
