import { GraphQLError } from 'graphql';

/** Every error code Footprint raises, with the HTTP status it maps to. */
export const ErrorCode = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  /** The HTTP request itself is malformed (not JSON, not UTF-8, no query). */
  BAD_REQUEST: 400,
  /** operationName names no operation of the document, or the document has several and none was chosen. */
  OPERATION_RESOLUTION_FAILURE: 400,
  LIMIT_EXCEEDED: 400,
  /** The client took too long to send its request's headers or body (FOOTPRINT_HEADERS_TIMEOUT_MS / _REQUEST_TIMEOUT_MS). */
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  SUBGRAPH_UNAVAILABLE: 502,
  INTERNAL_SERVER_ERROR: 500,
  /** The gateway's budget of work in flight is spent: asked again after Retry-After, or read in pages / as an export. */
  OVERLOADED: 503,
} as const;
export type ErrorCode = keyof typeof ErrorCode;

/** The one way to raise an error: a GraphQLError with a code and its HTTP status. */
export function fail(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): never {
  throw footprintError(code, message, extra);
}

export function footprintError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: ErrorCode[code] }, ...extra } });
}
