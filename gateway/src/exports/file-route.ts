import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import type { ErrorCode } from '@footprint/schema';
import { CREDENTIAL_HEADER, REQUEST_ID_HEADER, describeNetworkError, sendJson, signCredential, type Logger, type Route } from '@footprint/kit';
import { authorize, type Caller } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { SCOPES, type Principal, type TokenVerifier } from '../auth/principal.js';
import { CONTENT_SHA256_HEADER, domainOfRecord } from './content.js';

const PATH = /^\/files\/([a-z][a-z0-9]*\.[a-z0-9_]+:[1-9]\d{0,14})$/;
const Query = z.object({ person: z.string().regex(/^\d{1,20}$/, 'person is an account ID (digits)').optional() });

export interface FileRouteOptions {
  /** The kinds whose records have file content (archive/content.ts), e.g. cloud.gallery_item. */
  contentKinds: ReadonlySet<string>;
  subgraphUrls: Record<string, string>;
  internalSecret: string;
  /** How long the domain may take to start answering; the bytes then stream as long as they take. */
  timeoutMs: number;
  store: GatewayStore;
  verify: TokenVerifier;
  logger: Logger;
}

function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string): true {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, { 'cache-control': 'no-store' });
  return true;
}

/**
 * GET /files/<record id> (e.g. /files/cloud.gallery_item:17): the bytes of one
 * of a person's photos or synced files, streamed through from the domain that
 * keeps them (never buffered here), with content-length and the SHA-256.
 * The person with their own token; an operator with footprint:export and an
 * X-Footprint-Reason names the person (`?person=<id>`) and is audited before a
 * byte is read; an export job's token only for its own person. The domain
 * answers only for a record of that person: anyone else's is not found.
 */
export function fileRoute(opts: FileRouteOptions): Route {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!url.pathname.startsWith('/files/')) return false;
    const requestId = String(res.getHeader(REQUEST_ID_HEADER) ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'BAD_USER_INPUT', 'Read a file with GET');
    const m = PATH.exec(url.pathname.replace(/%3A/gi, ':'));
    const recordId = m?.[1];
    const kind = recordId?.slice(0, recordId.indexOf(':'));
    if (!recordId || !kind || !opts.contentKinds.has(kind)) {
      return refuse(res, 404, 'NOT_FOUND', `A file is named by the id of the record that holds it: /files/<record id> of a kind with files (${[...opts.contentKinds].join(', ')})`);
    }
    const q = Query.safeParse(Object.fromEntries(url.searchParams));
    if (!q.success) return refuse(res, 400, 'BAD_USER_INPUT', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

    let principal: Principal;
    try {
      const reason = req.headers['x-footprint-reason'];
      principal = await opts.verify(req.headers.authorization, typeof reason === 'string' ? reason : undefined);
    } catch (err) {
      return refuse(res, 401, 'UNAUTHENTICATED', (err as Error).message);
    }
    let person: string;
    if (principal.kind === 'job') {
      // The export job reading its person's files through the gateway (FOOTPRINT_EXPORT_READ=gateway): its one person only.
      if (q.data.person !== undefined && q.data.person !== principal.person) return refuse(res, 403, 'FORBIDDEN', 'An export-job token may only read its own person');
      person = principal.person;
    } else {
      const named = q.data.person ?? (principal.kind === 'subject' ? principal.sub : undefined);
      if (!named) return refuse(res, 400, 'BAD_USER_INPUT', 'An operator names the person whose file it reads: /files/<record id>?person=<account ID>');
      person = named;
      const caller: Caller = { principal, requestId, log: opts.logger };
      try {
        // A person reads only their own files; an operator needs footprint:export and a reason, and is audited first.
        await authorize(opts.store, caller, { person, scope: SCOPES.export, operation: `read file ${recordId}`, verb: 'read the files of' });
      } catch (err) {
        if (err instanceof GraphQLError && (err.extensions.code === 'FORBIDDEN' || err.extensions.code === 'BAD_USER_INPUT')) return refuse(res, err.extensions.code === 'FORBIDDEN' ? 403 : 400, err.extensions.code, err.message);
        return refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'The audit log could not be written; the file was not sent');
      }
    }

    const domain = domainOfRecord(recordId);
    const base = opts.subgraphUrls[domain];
    if (!base) return refuse(res, 404, 'NOT_FOUND', `No domain ${domain} serves files here`);
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    let upstream: Response;
    try {
      const credential = await signCredential({ actor: principal.sub, actorType: principal.kind, person, scopes: [], requestId: requestId || 'file' }, opts.internalSecret);
      upstream = await fetch(new URL(`/files/${encodeURIComponent(recordId)}`, base), {
        method: req.method,
        headers: { [CREDENTIAL_HEADER]: credential, [REQUEST_ID_HEADER]: requestId },
        signal: AbortSignal.any([gone.signal, AbortSignal.timeout(opts.timeoutMs)]),
      });
    } catch (err) {
      if (gone.signal.aborted) return true;
      return refuse(res, 502, 'SUBGRAPH_UNAVAILABLE', `The ${domain} domain could not be reached for ${recordId} (${describeNetworkError(err)})`);
    }
    if (!upstream.ok) {
      const body = await upstream.text().catch(() => '');
      if (upstream.status === 404) return refuse(res, 404, 'NOT_FOUND', `Person ${person} has no file ${recordId}`);
      opts.logger.warn({ record: recordId, status: upstream.status, body: body.slice(0, 300) }, 'the domain did not serve a file');
      return refuse(res, 502, 'SUBGRAPH_UNAVAILABLE', `The ${domain} domain could not serve ${recordId} (HTTP ${upstream.status})`);
    }
    const headers: Record<string, string> = { 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff', 'content-disposition': 'inline' };
    for (const h of ['content-type', 'content-length', 'etag', CONTENT_SHA256_HEADER]) {
      const v = upstream.headers.get(h);
      if (v) headers[h] = v;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD' || !upstream.body) {
      res.end();
      return true;
    }
    try {
      // Streamed through: a chunk at a time, whatever the file's size; a failure cuts the body short (content-length tells).
      await pipeline(Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>), res);
    } catch (err) {
      opts.logger.warn({ err, record: recordId }, 'file stream interrupted');
    }
    return true;
  };
}
