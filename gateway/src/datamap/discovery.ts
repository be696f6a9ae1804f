import { getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import { requireDecidedPerson } from '../auth/access.js';
import type { GatewayContext } from '../context.js';
import { requestCredential, type DomainClient } from '../domains/client.js';
import { DomainUnavailable } from '../domains/errors.js';

/**
 * The domains a person's discovery asks: every field of Person whose type has
 * `discovery: DomainDiscovery` — read from the supergraph, so a new subgraph
 * is included without a change here.
 */
export function discoverableDomains(schema: GraphQLSchema): string[] {
  const person = schema.getType('Person');
  if (!isObjectType(person)) throw new Error('The supergraph has no Person type');
  return Object.values(person.getFields())
    .filter((f) => {
      const t = getNamedType(f.type);
      const discovery = isObjectType(t) ? t.getFields().discovery : undefined;
      return discovery !== undefined && getNamedType(discovery.type).name === 'DomainDiscovery';
    })
    .map((f) => f.name);
}

const SELECTION = 'discovery { domain kinds { kind title count earliest latest regions sources } }';

export interface DiscoveryOptions {
  domains: string[];
  client: DomainClient;
}

type Answer = { _entities?: (Record<string, { discovery?: unknown } | null> | null)[] };

/**
 * Asks every domain, in parallel, for its discovery of one person — one
 * `_entities` call each, answered from the person index — through the shared
 * DomainClient: the request's credential, timeout, circuit breaker and error
 * table, as the query planner's calls.
 */
export function createDiscovery(opts: DiscoveryOptions) {
  const sources = opts.domains.map((name) => ({
    name,
    query: `query Discovery($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${name} { ${SELECTION} } } } }`,
  }));

  async function ask(source: (typeof sources)[number], person: string, ctx: GatewayContext): Promise<unknown> {
    const { data, errors } = await opts.client.callDomain<Answer>(source.name, source.query, { r: [{ __typename: 'Person', id: person }] }, requestCredential(ctx, person));
    if (errors[0]) throw errors[0];
    const discovery = data?._entities?.[0]?.[source.name]?.discovery;
    if (!discovery) throw new DomainUnavailable(source.name, 'it returned no discovery');
    return discovery;
  }

  return {
    /** One promise per domain; a failed domain rejects alone, so the list keeps the others. */
    forPerson(person: string, ctx: GatewayContext): Promise<unknown>[] {
      requireDecidedPerson(ctx, person);
      return sources.map((s) => ask(s, person, ctx));
    },
  };
}
