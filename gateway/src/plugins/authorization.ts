import type { ApolloServerPlugin } from '@apollo/server';
import { fail } from '@footprint/schema';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { authorize, decide } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { SCOPES } from '../auth/principal.js';
import { requireOperation, requireWellFormedPersonIds } from '../auth/request-shape.js';
import { collectTargets, type PersonMarks } from '../auth/targets.js';
import type { GatewayContext } from '../context.js';

export interface AuthorizationPluginOptions {
  /** Where operator reads are recorded (append-only). */
  store: GatewayStore;
  /** The arguments and input fields that name a person: the @person marks of the gateway's own subgraph (personMarks). */
  persons: PersonMarks;
  /** Scope an operator needs per root field; fields not listed need footprint:read. */
  fieldScopes?: Record<string, string>;
}

/** What the plugin decides on: a parsed, validated operation and the request's context. */
export interface OperationToAuthorize {
  ctx: GatewayContext;
  document: DocumentNode;
  /** The schema served (the API schema); @person marks are looked up in it by type and field. */
  schema: GraphQLSchema;
  variables: Record<string, unknown> | undefined;
  /** As the client sent it. */
  operationName: string | null | undefined;
  /** The operation Apollo Server resolved, if any. */
  operation: OperationDefinitionNode | undefined;
}

/**
 * Decides, before anything executes, which one person a request is about —
 * the values of the arguments the schema marks @person, whatever they are
 * called — and whether the caller may: a subject only itself (any other id,
 * however it is spelled — alias, fragment, variable — refuses the whole
 * request), an operator one person at a time with the scope and a reason,
 * audited first (auth/access.ts decides and records). Sets ctx.person.
 */
export async function authorizeOperation(opts: AuthorizationPluginOptions, { ctx, document, schema, variables, operationName, operation: resolved }: OperationToAuthorize): Promise<void> {
  // Client mistakes are refused before anything is audited or read.
  const operation = requireOperation(document, operationName, resolved);
  const targets = collectTargets(schema, opts.persons, document, variables);
  requireWellFormedPersonIds(targets);
  const p = ctx.principal;
  const opName = `${operation.operation} ${operationName ?? operation.name?.value ?? '(anonymous)'} [${[...targets.rootFields].join(', ')}]`;
  const scope = [...new Set([...targets.rootFields].map((f) => opts.fieldScopes?.[f] ?? SCOPES.read))];
  if (p.kind === 'subject') {
    for (const id of targets.ids) await decide(opts.store, ctx, { person: id, scope, operation: opName, verb: 'read' });
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
  // Fields that name no person (a job id, the desk's queue) are decided by their resolvers, through the same auth/access.ts.
  if (!person) return;
  await authorize(opts.store, ctx, { person, scope, operation: opName });
  ctx.person = person;
}

/** Runs authorizeOperation once Apollo Server has resolved the operation, before anything executes. */
export function authorizationPlugin(opts: AuthorizationPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: ctx, document, request, schema, operation }) {
          await authorizeOperation(opts, { ctx, document, schema, variables: request.variables ?? undefined, operationName: request.operationName, operation });
        },
      };
    },
  };
}
