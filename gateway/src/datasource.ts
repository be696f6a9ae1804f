import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CREDENTIAL_HEADER, REQUEST_ID_HEADER, signCredential } from '@footprint/schema';
import { GraphQLError } from 'graphql';
import { CircuitOpenError, describeFailure, type DomainCircuits } from './circuit.js';
import type { GatewayContext } from './context.js';

export interface DomainDataSourceOptions {
  name: string;
  url: string;
  internalSecret: string;
  timeoutMs: number;
  /** The gateway's per-domain circuit breakers (shared with discovery and corrections). */
  circuits: DomainCircuits;
}

/**
 * Calls one domain subgraph: signs the short-lived internal credential naming
 * the actor and the one person, passes the request id, aborts after the
 * timeout, fails fast while the domain's circuit is open, and turns transport
 * failures into SUBGRAPH_UNAVAILABLE naming the domain.
 */
export class DomainDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly opts: DomainDataSourceOptions) {
    super({ url: opts.url, fetcher: opts.circuits.fetcher(opts.name, opts.timeoutMs) });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const ctx = context as Partial<GatewayContext>;
    const p = ctx.principal;
    const credential = await signCredential(
      {
        actor: p?.sub ?? 'gateway',
        actorType: p?.kind ?? 'operator',
        person: ctx.person ?? null,
        scopes: p?.kind === 'operator' ? p.scopes : [],
        requestId: ctx.requestId ?? 'gateway',
      },
      this.opts.internalSecret,
    );
    request.http?.headers.set(CREDENTIAL_HEADER, credential);
    if (ctx.requestId) request.http?.headers.set(REQUEST_ID_HEADER, ctx.requestId);
  }

  override didEncounterError(error: Error, _req: unknown, _res: unknown, context?: GatewayContext): never {
    const gqlErr = error as Partial<GraphQLError>;
    const body = (gqlErr.extensions?.response as { body?: { errors?: { message: string; extensions?: { code?: string } }[] } } | undefined)?.body;
    const first = typeof body === 'object' ? body?.errors?.[0] : undefined;
    if (first?.extensions?.code && first.extensions.code !== 'INTERNAL_SERVER_ERROR') {
      throw domainError(first.extensions.code, first.message, this.opts.name);
    }
    if (error instanceof CircuitOpenError) {
      throw new GraphQLError(error.message, { extensions: { code: 'SUBGRAPH_UNAVAILABLE', domain: this.opts.name, circuit: 'open', retryAt: error.retryAt.toISOString() } });
    }
    const why = gqlErr.extensions?.response ? `answered HTTP ${(gqlErr.extensions.response as { status?: number }).status}` : describeFailure(error, this.opts.timeoutMs);
    context?.log?.warn({ domain: this.opts.name, err: error.message }, 'subgraph call failed');
    throw domainError('SUBGRAPH_UNAVAILABLE', `The ${this.opts.name} domain is unavailable: it ${why}`, this.opts.name);
  }
}

/** No HTTP status on purpose: one failed domain must not turn a partial answer into an HTTP error. */
function domainError(code: string, message: string, domain: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, domain } });
}
