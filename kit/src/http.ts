import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode, footprintError, type ErrorCode as Code } from '@footprint/schema';
import { REQUEST_ID_HEADER } from './credential.js';
import { DEFAULT_MAX_NESTING, nestingError } from './nesting.js';

/** 2 MB, Apollo Router's default request body limit. */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** 16 KB for the request line and all headers together, Node's own default. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

/** A piece of a response body: text, bytes, or bytes still arriving. */
export type BodyChunk = string | Uint8Array | AsyncIterable<Uint8Array>;

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
  try {
    // Fatal: a byte sequence that is not UTF-8 is the client's mistake, not text to guess at (U+FFFD).
    return utf8.decode(Buffer.concat(chunks));
  } catch {
    throw new HttpError('BAD_REQUEST', 'Request body is not valid UTF-8');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

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

/**
 * One request's life as its handlers see it: `signal` aborts when the client
 * goes away before the answer is sent (the response closed unfinished), so
 * work done for it can stop; `onEnd` runs once the response is over, sent or
 * not.
 */
export interface RequestLifetime {
  signal: AbortSignal;
  onEnd(fn: () => void): void;
}

/** Slow clients: how long a request may take to arrive, and how long an idle kept-alive connection is held. */
export interface HttpTimeouts {
  /** The request line and headers must have arrived within this time (408 otherwise). */
  headersMs: number;
  /** The whole request, headers and body, must have arrived within this time (408 otherwise); > headersMs. */
  requestMs: number;
  /** An idle kept-alive connection is closed after this time. */
  keepAliveMs: number;
}

/** How long a connection answered 413 keeps being read (and discarded) before it is closed; see lingerThenClose. */
const LINGER_MS = 2000;

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  /** Builds the request context; throwing a GraphQLError refuses the request. */
  context: (req: IncomingMessage, requestId: string, lifetime: RequestLifetime) => Promise<TContext>;
  /** Extra routes tried before /graphql; return true when handled. */
  routes?: Route[];
  health: () => Promise<{ ok: boolean } & Record<string, unknown>>;
  maxBodyBytes?: number;
  /** Request line and headers together; over it the request is refused with 431 and a JSON body. */
  maxHeaderBytes?: number;
  /** How deep `{ ( [` may nest in a document, checked before it is parsed (default DEFAULT_MAX_NESTING). */
  maxNesting?: number;
  /** Node's own defaults when absent (headers 60 s, request 300 s, keep-alive 5 s). */
  timeouts?: HttpTimeouts;
  /** Connections open at once; a connection over it is closed as it arrives (Node's server.maxConnections). */
  maxConnections?: number;
  /**
   * GraphQL over HTTP: a response in the legacy `application/json` media type to a
   * well-formed request SHOULD be 200 even when the document does not parse,
   * validate or coerce (the errors say why); `application/graphql-response+json`
   * keeps the 4xx. Default false (subgraphs answer only the gateway).
   */
  jsonRequestErrorsAs200?: boolean;
  onError?: (err: unknown) => void;
  /**
   * A complete response body of a request, as the chunks to write instead
   * (undefined: as it is): the gateway writes domain answers it forwarded
   * unparsed into the body Apollo Server serialised around them. A chunk that
   * is an async iterable is written as it arrives (chunked, no content-length);
   * if it fails, the response is cut off, never completed.
   */
  finishBody?: (context: TContext, body: string) => BodyChunk[] | undefined;
}

/**
 * One small node:http front for Apollo Server, shared by the gateway and every
 * subgraph: body limit, request id, /health, and a typed error for anything
 * that fails before GraphQL runs.
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(opts: GraphQLHttpOptions<TContext>): Server {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxHeaderSize = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const maxNesting = opts.maxNesting ?? DEFAULT_MAX_NESTING;
  const t = opts.timeouts;
  const server = createServer(
    {
      maxHeaderSize,
      // Node checks the timeouts every connectionsCheckingInterval (30 s by default): a slow client would be held that much longer.
      ...(t ? { headersTimeout: t.headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: Math.min(1000, t.headersMs) } : {}),
    },
    (req, res) => {
      const socket = req.socket;
      handle(req, res).catch((err: unknown) => {
        if (err instanceof HttpError) {
          // The rest of an oversized body is not read: the connection cannot carry another request, so it says so and closes.
          if (err.code === 'PAYLOAD_TOO_LARGE' && !res.headersSent) {
            res.setHeader('connection', 'close');
            lingerThenClose(socket);
          }
          return sendError(res, err.code, err.message);
        }
        // The client went away while sending (Node's "aborted"): nobody to answer, nothing went wrong here.
        if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' && req.destroyed) return void res.destroy();
        opts.onError?.(err);
        if (!res.headersSent) sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.destroy();
      });
    },
  );
  if (opts.maxConnections !== undefined) server.maxConnections = opts.maxConnections;
  // Node answers an HTTP-level parse failure with a bare status line; say what was wrong instead.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // An answer already under way cannot be replaced by another.
    const started = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage?.headersSent === true;
    if (err.code === 'ECONNRESET' || !socket.writable || started) return void socket.destroy();
    const { code, message } = clientFault(err, maxHeaderSize, t);
    const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
    const status = ErrorCode[code];
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  return server;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = requestIdOf(req);
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort(new DOMException('The client closed the connection before the answer was sent', 'AbortError'));
    });
    const lifetime: RequestLifetime = { signal: gone.signal, onEnd: (fn) => void res.once('close', fn) };
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
        return sendError(res, 'BAD_REQUEST', 'Request body is not valid JSON');
      }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let context: TContext | undefined;
    const result = await opts.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        // Apollo creates the context before it parses: a refusal here is a typed error, answered as any other.
        const tooDeep = nestingError(req.method === 'POST' ? queryOf(body) : url.searchParams.get('query'), maxNesting);
        if (tooDeep) throw tooDeep;
        context = await opts.context(req, requestId, lifetime);
        return context;
      },
    });
    // Nobody is left to read the answer: it is not serialised further or written.
    if (gone.signal.aborted) return;
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      if (opts.jsonRequestErrorsAs200 && res.statusCode === 400 && isLegacyJsonRequestError(result.headers.get('content-type'), result.body.string)) res.statusCode = 200;
      const chunks = context && opts.finishBody?.(context, result.body.string);
      // Encoded once: given a string, Node measures its UTF-8 length for content-length and then encodes it again.
      if (!chunks) return void res.end(Buffer.from(result.body.string));
      return writeChunks(res, chunks);
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

const queryOf = (body: unknown): unknown => (typeof body === 'object' && body !== null && 'query' in body ? body.query : undefined);

/** What a client did wrong at the HTTP level, as a code and a message saying what. */
function clientFault(err: NodeJS.ErrnoException, maxHeaderSize: number, t: HttpTimeouts | undefined): { code: Code; message: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') return { code: 'HEADERS_TOO_LARGE', message: `Request headers exceed the limit of ${maxHeaderSize} bytes` };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const within = t ? ` (headers within ${t.headersMs} ms, the whole request within ${t.requestMs} ms)` : '';
    return { code: 'REQUEST_TIMEOUT', message: `The request did not arrive in time${within}; send it whole and promptly` };
  }
  return { code: 'BAD_REQUEST', message: `Malformed HTTP request (${err.code ?? err.message})` };
}

/**
 * Closes a connection whose request is refused unread, as a lingering close:
 * Node would close it as soon as the answer is written, and a client still
 * sending its body would then be reset and could lose the answer. Instead the
 * answer is followed by the end of our side, the rest of the body is read and
 * dropped until the client closes, and the socket is destroyed after LINGER_MS
 * at the latest.
 */
function lingerThenClose(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    socket.once('end', () => socket.destroy());
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

async function writeChunks(res: ServerResponse, chunks: BodyChunk[]): Promise<void> {
  const whole = chunks.every((c): c is string | Uint8Array => typeof c === 'string' || c instanceof Uint8Array);
  if (whole) {
    res.setHeader('content-length', chunks.reduce((n, c) => n + (typeof c === 'string' ? Buffer.byteLength(c) : c.byteLength), 0));
    for (const c of chunks) res.write(c);
    return void res.end();
  }
  // Chunked: a stream that fails destroys the response (the client sees a cut-off body, never a complete one).
  for (const c of chunks) {
    if (typeof c === 'string' || c instanceof Uint8Array) res.write(c);
    else await pipeline(Readable.from(c, { objectMode: false }), res, { end: false });
  }
  res.end();
}

/**
 * A 400 in `application/json` whose errors are all about the GraphQL document
 * (parse, validation, limits, variables, operation choice), not about the HTTP
 * request itself (BAD_REQUEST: no query, a malformed body).
 */
function isLegacyJsonRequestError(contentType: string | undefined, body: string): boolean {
  if (!contentType?.startsWith('application/json')) return false;
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    return parsed.data === undefined && !!parsed.errors?.length && parsed.errors.every((e) => e.extensions?.code !== 'BAD_REQUEST');
  } catch {
    return false;
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
