import { excerpt, fail, isPersonId, PERSON_ID_RULE } from '@footprint/schema';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { AUDIT_LIMITS } from './audit.js';
import type { Targets } from './targets.js';

/**
 * The operation a request runs, or a client error saying how to choose one.
 * Apollo Server leaves `operation` undefined for an unknown operationName or an
 * unnamed choice among several; the gateway's planner would then fail with a
 * code the error formatter masks (a 500), so this decides first.
 */
export function requireOperation(document: DocumentNode, operationName: string | null | undefined, operation: OperationDefinitionNode | undefined): OperationDefinitionNode {
  if (operationName && operationName.length > AUDIT_LIMITS.operationName) {
    fail('BAD_USER_INPUT', `operationName is ${operationName.length} characters long; at most ${AUDIT_LIMITS.operationName} are accepted`);
  }
  if (operation) return operation;
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const names = ops.map((o) => (o.name ? `"${o.name.value}"` : '(unnamed)')).slice(0, 10).join(', ');
  if (operationName) {
    fail('OPERATION_RESOLUTION_FAILURE', `Unknown operation named "${excerpt(operationName)}": the document defines ${names || 'no operation'}; send one of those names as operationName`, { operationName: excerpt(operationName) });
  }
  if (ops.length > 1) {
    fail('OPERATION_RESOLUTION_FAILURE', `The document defines ${ops.length} operations (${names}): send operationName to say which one to run`);
  }
  fail('OPERATION_RESOLUTION_FAILURE', 'The document defines no operation to run');
}

/** Refuses any person id that is not an account ID before it is audited, looked up or sent to a domain. */
export function requireWellFormedPersonIds(targets: Targets): void {
  for (const id of targets.ids) {
    if (id === '') fail('BAD_USER_INPUT', 'A person id must be given as a string or a variable');
    if (!isPersonId(id)) fail('BAD_USER_INPUT', `"${excerpt(id)}" is not a person id: a person id is ${PERSON_ID_RULE}`, { argument: targets.namedBy.get(id) ?? 'id' });
  }
}
