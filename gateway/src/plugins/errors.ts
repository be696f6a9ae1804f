import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '@footprint/schema';

/** Apollo Server's and the gateway's own codes that are safe to show as they are. */
const PASS_THROUGH = new Set<string>([
  ...Object.keys(ErrorCode).filter((c) => c !== 'INTERNAL_SERVER_ERROR'),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

const LIMIT = /limit of \d+ exceeded/i;
/** graphql-js's own message when parseOptions.maxTokens is reached (its spelling). */
const TOKENS = /Document contains more th(?:an|at) (\d+) tokens/;

/** Whether formatError hides this error's message and code from the client (its cause must then be logged). */
export const isMasked = (code: unknown, message: string): boolean =>
  !(typeof code === 'string' && PASS_THROUGH.has(code)) && !LIMIT.test(message) && !TOKENS.test(message);

/**
 * Shapes every error the gateway returns: limit rejections become
 * LIMIT_EXCEEDED, a subgraph's errors keep their code and say which domain,
 * anything without a known code is masked (requestLogPlugin logs the cause).
 */
export function formatError(formatted: GraphQLFormattedError, _error: unknown): GraphQLFormattedError {
  const ext = { ...(formatted.extensions ?? {}) } as Record<string, unknown>;
  delete ext.stacktrace;
  delete ext.exception;
  if (typeof ext.serviceName === 'string' && ext.domain === undefined) ext.domain = ext.serviceName;
  delete ext.serviceName;
  let message = formatted.message.replace(/^Context creation failed: /, '');
  let code = typeof ext.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR';
  const tokens = TOKENS.exec(message);
  if (tokens) message = `Token limit of ${tokens[1]} exceeded: the query has more than ${tokens[1]} tokens; send a shorter query`;
  if (LIMIT.test(message)) code = 'LIMIT_EXCEEDED';
  if (isMasked(code, message)) {
    code = 'INTERNAL_SERVER_ERROR';
    message = ext.domain ? `The ${String(ext.domain)} domain failed to answer` : 'Internal server error';
    delete ext.response;
  }
  delete ext.http;
  return { ...formatted, message, extensions: { ...ext, code } };
}
