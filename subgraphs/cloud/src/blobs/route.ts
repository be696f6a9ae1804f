import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { GraphQLError } from 'graphql';
import { CREDENTIAL_HEADER, sendJson, verifyCredential, type Logger, type Route } from '@footprint/kit';
import type { ErrorCode } from '@footprint/schema';
import type { CloudStore } from '../store.js';
import { CONTENT_TABLES, parseFileRecordId } from './records.js';
import type { BlobStore } from './store.js';

/** The header the blob's SHA-256 travels in, beside content-length: the reader checks the bytes against it. */
export const SHA256_HEADER = 'x-footprint-sha256';

function refuse(res: ServerResponse, code: ErrorCode, status: number, message: string): true {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, { 'cache-control': 'no-store' });
  return true;
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
};

/**
 * GET /files/<record id> (e.g. /files/cloud.gallery_item:17): the bytes of one
 * gallery item or synced file, streamed from the blob store with their length
 * and SHA-256. Like /graphql, it answers only the gateway (its signed
 * credential), and only for a record of the one person that credential names:
 * another person's record is "not found", as a record that does not exist.
 */
export function fileRoute(opts: { store: CloudStore; blobs: () => BlobStore; internalSecret: string; logger: Logger }): Route {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!url.pathname.startsWith('/files/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 'BAD_USER_INPUT', 405, 'Read a file with GET');
    let person: string | null;
    try {
      const header = req.headers[CREDENTIAL_HEADER];
      person = (await verifyCredential(typeof header === 'string' ? header : undefined, opts.internalSecret)).person;
    } catch (err) {
      return refuse(res, 'UNAUTHENTICATED', 401, err instanceof GraphQLError ? err.message : 'The gateway credential is invalid');
    }
    if (!person) return refuse(res, 'FORBIDDEN', 403, 'This call is not for a person: the gateway credential names no person');
    const id = parseFileRecordId(safeDecode(url.pathname.slice('/files/'.length)));
    if (!id) return refuse(res, 'BAD_USER_INPUT', 400, 'A file is named by its record id: /files/cloud.gallery_item:<n> or /files/cloud.synced_file:<n>');
    const content = await opts.store.db.selectFrom(CONTENT_TABLES[id.kind]).selectAll().where('recordId', '=', id.number).where('personId', '=', person).executeTakeFirst();
    if (!content) return refuse(res, 'NOT_FOUND', 404, `The person has no record ${id.recordId} with content`);
    const stream = await opts.blobs().get(content.sha256);
    if (!stream) {
      opts.logger.error({ sha256: content.sha256, record: id.recordId }, 'a record refers to a blob the blob store does not hold');
      return refuse(res, 'INTERNAL_SERVER_ERROR', 500, `The content of ${id.recordId} is missing from the blob store; this has been logged`);
    }
    res.writeHead(200, {
      'content-type': content.mimeType,
      'content-length': String(Number(content.bytes)),
      [SHA256_HEADER]: content.sha256,
      etag: `"${content.sha256}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
      return true;
    }
    try {
      await pipeline(stream, res);
    } catch (err) {
      // The reader went away, or the store failed mid-stream: the body is cut short, never completed with other bytes.
      opts.logger.warn({ err, record: id.recordId }, 'file stream interrupted');
    }
    return true;
  };
}
