import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ErrorCode, footprintError } from '@footprint/schema';
import type { GraphQLError } from 'graphql';
import type { Refusal, WorkBudget } from '../admission/budget.js';
import { estimateRecords } from '../admission/estimate.js';
import type { GatewayContext } from '../context.js';

export interface AdmissionPluginOptions {
  budget: WorkBudget;
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterSeconds: number;
}

/** Who a share of the budget belongs to: one person, operator or export job. */
const principalKey = (ctx: GatewayContext): string => `${ctx.principal.kind}:${ctx.principal.sub}`;

/**
 * Admits each operation once it is resolved and authorised, before anything
 * is fetched: its estimated records (admission/estimate.ts) must fit in what
 * the gateway and its principal may hold (admission/budget.ts), or it is
 * refused at once — 429 TOO_MANY_REQUESTS when the principal holds its share,
 * 503 OVERLOADED when the gateway is full, both with Retry-After;
 * LIMIT_EXCEEDED when it alone asks more than a principal may hold. The share is
 * given back when the HTTP response is over: sent, failed, or abandoned by
 * its client.
 */
export function admissionPlugin(opts: AdmissionPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: ctx, document, request, schema, operation }) {
          if (!operation) return;
          // A read whose client left is cancelled end to end; a mutation is not cut off half-way (see GatewayContext.signal).
          if (operation.operation === 'query') ctx.signal = ctx.lifetime?.signal;
          const estimate = estimateRecords(schema, document, operation, request.variables ?? undefined);
          const lease = opts.budget.admit(principalKey(ctx), estimate);
          if ('scope' in lease) throw refusal(lease, estimate, opts.retryAfterSeconds);
          if (ctx.lifetime) ctx.lifetime.onEnd(lease.release);
          else return void lease.release();
        },
      };
    },
  };
}

function refusal(r: Refusal, estimate: number, retryAfterSeconds: number): GraphQLError {
  const advice =
    'read it in pages (a smaller `first`, then `after`), or ask for the whole footprint as an export (requestExport), which reads it in the background';
  if (r.scope === 'request') {
    // Not a matter of waiting: no Retry-After.
    return footprintError('LIMIT_EXCEEDED', `This request may assemble up to ${estimate} records (its connections' \`first\`, multiplied where they nest); one request may assemble at most ${r.limit}. To read that much, ${advice}`, { reason: 'REQUEST_TOO_BIG', estimate, limit: r.limit });
  }
  const [code, message] =
    r.scope === 'principal'
      ? (['TOO_MANY_REQUESTS', `Your requests in flight already hold ${r.held} of the ${r.limit} records one caller may have assembled at once; this one may assemble up to ${estimate}. Wait for them or ask again in ${retryAfterSeconds} s; for a big read, ${advice}`] as const)
      : (['OVERLOADED', `The gateway is at capacity: requests in flight hold ${r.held} of the ${r.limit} records it assembles at once, and this one may assemble up to ${estimate}. Ask again in ${retryAfterSeconds} s; for a big read, ${advice}`] as const);
  const err = footprintError(code, message, { reason: r.scope === 'principal' ? 'PRINCIPAL_BUDGET' : 'GATEWAY_BUDGET', estimate, limit: r.limit, retryAfterSeconds });
  const headers = new HeaderMap([['retry-after', String(retryAfterSeconds)]]);
  // Apollo Server takes the status and headers of a thrown error from extensions.http (formatError drops it from the body).
  (err.extensions as Record<string, unknown>).http = { status: ErrorCode[code], headers };
  return err;
}
