import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
import { requestCredential, type DomainClient } from './domains/client.js';
import { domainError, thrownFailure, type DomainFailure, type WireError } from './domains/errors.js';
import { REPLAY_HEADER, replayHeader, replayingFetcher } from './fastpath/replay.js';

/**
 * The query planner's call to one domain subgraph. Apollo's data source does
 * the HTTP; the credential (signed once per request), request id, timeout,
 * circuit and error table are the shared DomainClient's, as for every other
 * call the gateway makes to a domain.
 */
export class DomainDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly domain: string,
    private readonly client: DomainClient,
    /** The supergraph's URL for the domain, when the gateway was given none. */
    fallbackUrl?: string,
  ) {
    // A call the fast path already made for this request is answered from its outcome (fastpath/replay.ts).
    super({ url: client.url(domain) ?? fallbackUrl ?? '', fetcher: replayingFetcher(client.fetcher(domain)) });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const headers = await this.client.headers(requestCredential(context as Partial<GatewayContext>));
    for (const [name, value] of Object.entries(headers)) request.http?.headers.set(name, value);
    const replay = context?.exchange ? replayHeader(context.exchange, this.domain) : undefined;
    if (replay !== undefined) request.http?.headers.set(REPLAY_HEADER, replay);
  }

  override didEncounterError(error: Error, _req: unknown, _res: unknown, context?: GatewayContext): never {
    throw domainError(this.domain, plannerFailure(error, this.client.timeoutMs), context?.log);
  }
}

/**
 * What went wrong, from the error Apollo's data source raises: it carries the
 * response (status, parsed body) when the domain answered a non-2xx status,
 * else the fetcher's own error (circuit open, transport).
 */
function plannerFailure(error: Error, timeoutMs: number): DomainFailure {
  const response = (error as Partial<GraphQLError>).extensions?.response as { status?: number; body?: unknown } | undefined;
  if (!response) return thrownFailure(error, timeoutMs);
  const body = response.body;
  const first = typeof body === 'object' && body !== null ? (body as { errors?: WireError[] }).errors?.[0] : undefined;
  if (first) return { kind: 'answered', error: first };
  return { kind: 'status', status: response.status ?? 0, body: 'none' };
}
