import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { fail } from '@footprint/schema';
import { subgraphDocument } from '@footprint/kit';
import type { GraphQLSchema } from 'graphql';
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
