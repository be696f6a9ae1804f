import { CREDENTIAL_HEADER, signCredential } from '@footprint/kit';
import { nextPageOperation, planFootprint, type KindPlan } from '@footprint/gateway/footprint';
import type { GraphQLSchema } from 'graphql';

/**
 * The operations the benchmark sends: one footprint page of a kind as a
 * client sends it to the gateway (the footprint traversal's own operation),
 * and the same entities asked of the kind's subgraph directly, as the
 * gateway's query plan does (`_entities` on Person).
 */
export function kindPlan(schema: GraphQLSchema, domain: string, field: string, meta: 'full' | 'record'): KindPlan {
  const k = planFootprint(schema, { meta }).kinds.find((x) => x.domain === domain && x.field === field);
  if (!k) throw new Error(`No kind ${domain}.${field} in the supergraph`);
  return k;
}

export const gatewayPage = (k: KindPlan): string => nextPageOperation(k);

export const subgraphPage = (k: KindPlan): string =>
  `query FootprintPage($representations: [_Any!]!, $first: Int, $after: String) { _entities(representations: $representations) { ... on Person { ${k.domain} { ${k.field}(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${k.selection} } } } } } }`;

export const personRepresentation = (person: string) => [{ __typename: 'Person', id: person }];

/** The internal credential the gateway would sign for a subject reading their own data (valid for ttlSeconds). */
export async function credentialHeaders(person: string, internalSecret: string, ttlSeconds = 3600): Promise<Record<string, string>> {
  return { [CREDENTIAL_HEADER]: await signCredential({ actor: person, actorType: 'subject', person, scopes: [], requestId: 'bench' }, internalSecret, ttlSeconds) };
}
