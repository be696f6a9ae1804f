import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { getNamedType, GraphQLError, isObjectType, type GraphQLSchema } from 'graphql';
import { requireDecidedPerson } from '../auth/access.js';
import type { DomainCircuits } from '../circuit.js';
import type { GatewayContext } from '../context.js';
import { DomainDataSource } from '../datasource.js';

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
  urls: Record<string, string>;
  internalSecret: string;
  timeoutMs: number;
  circuits: DomainCircuits;
}

/**
 * Asks every domain, in parallel, for its discovery of one person — one
 * `_entities` call each, answered from the person index. The calls go through
 * the gateway's own DomainDataSource, so they carry the same short-lived
 * credential (this request's actor and person), timeout, circuit breaker and
 * error mapping as the query planner's.
 */
export function createDiscovery(opts: DiscoveryOptions) {
  const sources = opts.domains.map((name) => ({
    name,
    ds: new DomainDataSource({ name, url: opts.urls[name] ?? '', internalSecret: opts.internalSecret, timeoutMs: opts.timeoutMs, circuits: opts.circuits }),
    query: `query Discovery($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${name} { ${SELECTION} } } } }`,
  }));

  async function ask(source: (typeof sources)[number], person: string, ctx: GatewayContext): Promise<unknown> {
    if (!opts.urls[source.name]) throw domainError('SUBGRAPH_UNAVAILABLE', `The ${source.name} domain has no configured URL`, source.name);
    const request = { query: source.query, variables: { r: [{ __typename: 'Person', id: person }] } };
    // Not an operation the planner made, but the same kind of call: the data source reads only `context`.
    // ('incoming operation' is GraphQLDataSourceRequestKind.INCOMING_OPERATION, which @apollo/gateway does not export.)
    const res = await source.ds.process({
      kind: 'incoming operation',
      request,
      context: ctx,
      incomingRequestContext: { request, context: ctx },
    } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>);
    const first = res.errors?.[0];
    if (first) throw domainError(String(first.extensions?.code ?? 'SUBGRAPH_UNAVAILABLE'), first.message, source.name);
    const entity = (res.data as { _entities?: (Record<string, { discovery?: unknown } | null> | null)[] } | undefined)?._entities?.[0];
    const discovery = entity?.[source.name]?.discovery;
    if (!discovery) throw domainError('SUBGRAPH_UNAVAILABLE', `The ${source.name} domain returned no discovery`, source.name);
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

function domainError(code: string, message: string, domain: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, domain } });
}
