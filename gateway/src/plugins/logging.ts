import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';

/**
 * One structured line per request: request id (also sent to every subgraph),
 * operation, actor kind, duration, error codes. No variables or data: they
 * may hold personal data.
 */
export function requestLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors, contextValue: ctx }) {
          const codes = (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          ctx.log.info(
            { operation: operationName ?? null, actorType: ctx.principal.kind, ms: Math.round(performance.now() - started), errors: codes.length ? codes : undefined },
            'graphql request',
          );
        },
      };
    },
  };
}
