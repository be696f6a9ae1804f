import type { ApolloServerPlugin } from '@apollo/server';
import { fail, footprintError } from '@footprint/schema';
import { GraphQLError } from 'graphql';
import { audit, type GatewayStore } from '../auth/audit.js';
import { requireOperatorGrant, SCOPES } from '../auth/principal.js';
import { requireOperation, requireWellFormedPersonIds } from '../auth/request-shape.js';
import { collectTargets } from '../auth/targets.js';
import type { GatewayContext } from '../context.js';

export interface AuthorizationPluginOptions {
  /** Where operator reads are recorded (append-only). */
  store: GatewayStore;
  /** Scope an operator needs per root field; fields not listed need footprint:read. */
  fieldScopes?: Record<string, string>;
}

/**
 * Decides, before anything executes, which one person a request reads and
 * whether the caller may: a subject only itself (any other id, however it is
 * spelled — alias, fragment, variable — refuses the whole request), an
 * operator one person at a time with the scope and a reason, audited first.
 */
export function authorizationPlugin(opts: AuthorizationPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: ctx, document, request, schema, operationName, operation: resolved }) {
          // Client mistakes are refused before anything is audited or read.
          const operation = requireOperation(document, request.operationName, resolved);
          const targets = collectTargets(schema, document, request.variables ?? undefined);
          requireWellFormedPersonIds(targets);
          const p = ctx.principal;
          const opName = `${operation.operation} ${operationName ?? operation.name?.value ?? '(anonymous)'} [${[...targets.rootFields].join(', ')}]`;
          if (p.kind === 'subject') {
            for (const id of targets.ids) {
              if (id !== p.sub) fail('FORBIDDEN', `Not allowed to read person ${id}: a person may read only their own data`);
            }
            ctx.person = targets.me || targets.ids.size > 0 ? p.sub : null;
            return;
          }
          if (p.kind === 'job') {
            // An export job reads its one person through person(id:) and does nothing else;
            // the job itself was authorised (and, for an operator, audited) when it was requested.
            if (targets.me) fail('FORBIDDEN', 'An export-job token reads its person with person(id:), not `me`');
            for (const f of targets.rootFields) if (f !== 'person') fail('FORBIDDEN', `An export-job token may only read person(id:), not ${f}`);
            for (const id of targets.ids) if (id !== p.person) fail('FORBIDDEN', `Not allowed to read person ${id}: this export job reads only person ${p.person}`);
            ctx.person = targets.ids.size > 0 ? p.person : null;
            return;
          }
          if (targets.me) fail('BAD_USER_INPUT', '`me` is for subject tokens; an operator names the person with person(id:)');
          if (targets.ids.size > 1) fail('BAD_USER_INPUT', 'An operator request reads one person at a time');
          const [person] = targets.ids;
          if (!person) return;
          const needed = new Set([...targets.rootFields].map((f) => opts.fieldScopes?.[f] ?? SCOPES.read));
          try {
            for (const scope of needed) requireOperatorGrant(p, scope);
          } catch (err) {
            await audit(opts.store, { actor: p.sub, actorType: 'operator', person, operation: opName, reason: p.reason, requestId: ctx.requestId, outcome: `refused: ${(err as GraphQLError).message}` });
            throw err;
          }
          try {
            await audit(opts.store, { actor: p.sub, actorType: 'operator', person, operation: opName, reason: p.reason, requestId: ctx.requestId, outcome: 'allowed' });
          } catch (err) {
            ctx.log.error({ err }, 'audit write failed');
            // No audit entry, no data.
            throw footprintError('INTERNAL_SERVER_ERROR', 'The audit log could not be written; the request was not run');
          }
          ctx.person = person;
        },
      };
    },
  };
}
