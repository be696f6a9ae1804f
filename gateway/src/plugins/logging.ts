import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { isMasked } from './errors.js';

/**
 * One structured line per request: request id (also sent to every subgraph),
 * operation, actor kind, duration, error codes. No variables or data: they
 * may hold personal data. An error the client sees only as "Internal server
 * error" is logged with its cause and stack, or nobody could find it.
 */
export function requestLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const e of errors) {
            if (isMasked(e.extensions?.code, e.message)) ctx.log.error({ err: e.originalError ?? e, path: e.path, domain: e.extensions?.serviceName }, 'unexpected error, masked for the client');
          }
        },
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
