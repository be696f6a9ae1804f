import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode, footprintError, type ErrorCode as Code } from '../errors.js';
import { REQUEST_ID_HEADER } from '../credential.js';

/** 2 MB, Apollo Router's default request body limit. */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

export class HttpError extends Error {
  constructor(readonly code: Code, message: string) {
    super(message);
  }
}

/** Reads a request body, refusing more than `limit` bytes without buffering the excess. */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError('PAYLOAD_TOO_LARGE', `Request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError('PAYLOAD_TOO_LARGE', `Request body exceeds the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A GraphQL-shaped error response for failures before execution (body limits, bad JSON). */
export function sendError(res: ServerResponse, code: Code, message: string): void {
  const err = footprintError(code, message);
  sendJson(res, ErrorCode[code], { errors: [{ message: err.message, extensions: { code } }] });
}

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the request context; throwing a GraphQLError refuses the request. */
  context: (req: IncomingMessage, requestId: string) => Promise<TContext>;
  /** Extra routes tried before /graphql; return true when handled. */
  routes?: Route[];
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  maxBodyBytes?: number;
  onError?: (err: unknown) => void;
}

/**
 * One small node:http front for Apollo Server, shared by the gateway and every
 * subgraph: body limit, request id, /health, and a typed error for anything
 * that fails before GraphQL runs.
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(opts: GraphQLHttpOptions<TContext>): Server {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err.code, err.message);
      opts.onError?.(err);
      if (!res.headersSent) sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = requestIdOf(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (url.pathname === '/health') {
      const health = await opts.health();
      return sendJson(res, health.ok ? 200 : 503, health);
    }
    for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
    if (url.pathname !== '/graphql') return sendError(res, 'NOT_FOUND', `No route for ${url.pathname}`);

    const raw = req.method === 'POST' ? await readBody(req, limit) : undefined;
    let body: unknown;
    if (raw !== undefined && raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return sendError(res, 'BAD_USER_INPUT', 'Request body is not valid JSON');
      }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const result = await opts.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => opts.context(req, requestId),
    });
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') return void res.end(result.body.string);
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

/** Listens and resolves with the bound port (0 picks a free one). */
export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
