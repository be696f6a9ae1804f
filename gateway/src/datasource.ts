import { AsyncLocalStorage } from 'node:async_hooks';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
import { requestCredential, type DomainClient } from './domains/client.js';
import { domainError, thrownFailure, type DomainFailure, type WireError } from './domains/errors.js';
import { REPLAY_HEADER, replayHeader, replayingFetcher } from './fastpath/replay.js';

/** The signal of the request a data source call is made for: Apollo's fetcher interface passes none of its own. */
const requestSignal = new AsyncLocalStorage<AbortSignal | undefined>();

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
    const fetcher = client.fetcher(domain);
    super({ url: client.url(domain) ?? fallbackUrl ?? '', fetcher: replayingFetcher((url, init) => fetcher(url, { ...init, signal: requestSignal.getStore() })) });
  }

  /** Runs the call with its request's signal at hand: a client that went away aborts its domain calls. */
  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const signal = 'context' in options ? (options.context as Partial<GatewayContext> | undefined)?.signal : undefined;
    return requestSignal.run(signal, () => super.process(options));
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
