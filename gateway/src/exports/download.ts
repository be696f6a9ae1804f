import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { ErrorCode } from '@footprint/schema';
import { REQUEST_ID_HEADER, sendJson, type Logger, type Route } from '@footprint/kit';
import { GraphQLError } from 'graphql';
import { decide, recordAccess, type Caller } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { SCOPES, type Principal, type TokenVerifier } from '../auth/principal.js';
import type { ExportConfig } from './config.js';
import type { ExportMaintenance } from './maintenance.js';
import { verifyDownloadSignature } from './signing.js';
import type { ExportJobs } from './store.js';
import { jobPaths } from './worker.js';

const PATH = /^\/exports\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.zip$/;
const Query = z.object({ expires: z.coerce.number().int().positive(), sig: z.string().regex(/^[\w-]{43}$/) });

export interface DownloadRouteOptions {
  jobs: ExportJobs;
  config: ExportConfig;
  store: GatewayStore;
  verify: TokenVerifier;
  maintenance: ExportMaintenance;
  logger: Logger;
}

/** An error answer in the same shape as the gateway's GraphQL errors, with a status of its own where the codes have none (410). */
function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): true {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extra } }] }, { 'cache-control': 'no-store' });
  return true;
}

/** A refusal from auth/access.ts as this route answers it: FORBIDDEN is 403, anything else (the audit log could not be written) 500. */
function refuseWith(res: ServerResponse, err: unknown): true {
  if (err instanceof GraphQLError && err.extensions.code === 'FORBIDDEN') return refuse(res, 403, 'FORBIDDEN', err.message);
  return refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'The audit log could not be written; the archive was not sent');
}

/**
 * GET /exports/<job>.zip?expires=<unix>&sig=<hmac>: streams a finished archive.
 * Two locks: the link must be the one the gateway signed for this job and
 * person, and not expired (403 when tampered with, 410 when expired); and the
 * request must carry the person's own bearer token, or an operator's with
 * footprint:export and an X-Footprint-Reason — every download is audited. A
 * link alone is not enough, so a leaked link does not leak the data.
 */
export function downloadRoute(opts: DownloadRouteOptions): Route {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (!url.pathname.startsWith('/exports/')) return false;
    const requestId = String(res.getHeader(REQUEST_ID_HEADER) ?? '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'BAD_USER_INPUT', 'Download an archive with GET');
    const m = PATH.exec(url.pathname);
    if (!m) return refuse(res, 404, 'NOT_FOUND', `No route for ${url.pathname}`);
    const jobId = m[1]!;
    const q = Query.safeParse(Object.fromEntries(url.searchParams));
    if (!q.success) return refuse(res, 403, 'FORBIDDEN', 'This download link is not valid: it needs the expires and sig parameters the gateway gave out (exportJob(jobId:) { archive { url } })');
    const job = await opts.jobs.get(jobId);
    // An unknown job and a wrong signature look the same: a link reveals nothing it was not signed for.
    if (!job || !verifyDownloadSignature(opts.config.internalSecret, jobId, q.data.expires, job.personId, q.data.sig)) {
      return refuse(res, 403, 'FORBIDDEN', 'This download link is not valid: its signature does not match (it was altered or belongs to another archive)');
    }
    if (q.data.expires * 1000 <= Date.now()) {
      return refuse(res, 410, 'FORBIDDEN', `This download link expired at ${new Date(q.data.expires * 1000).toISOString()}; ask for a new one with exportJob(jobId: "${jobId}") { archive { url } }`, { reason: 'LINK_EXPIRED' });
    }

    let principal: Principal;
    try {
      const reason = req.headers['x-footprint-reason'];
      principal = await opts.verify(req.headers.authorization, typeof reason === 'string' ? reason : undefined);
    } catch (err) {
      return refuse(res, 401, 'UNAUTHENTICATED', `${(err as Error).message}. The download link must be used with the person's own bearer token (or an operator's)`);
    }
    // The person themselves, or an operator with footprint:export and a reason (a refusal of an operator is audited): auth/access.ts.
    const caller: Caller = { principal, requestId, log: opts.logger };
    const act = { person: job.personId, scope: SCOPES.export, operation: `download export ${jobId}`, verb: 'download the archive of' };
    try {
      await decide(opts.store, caller, act);
    } catch (err) {
      return refuseWith(res, err);
    }

    if (job.state === 'SUCCEEDED' && job.expiresAt && Date.parse(job.expiresAt) <= Date.now()) await opts.maintenance.expire(job.id);
    const current = job.state === 'SUCCEEDED' && job.expiresAt && Date.parse(job.expiresAt) <= Date.now() ? 'EXPIRED' : job.state;
    if (current === 'EXPIRED') return refuse(res, 410, 'NOT_FOUND', `This archive expired and was deleted; request a new export`, { reason: 'ARCHIVE_EXPIRED' });
    if (current !== 'SUCCEEDED') return refuse(res, 409, 'CONFLICT', `This export is ${current}; there is no archive to download`, { state: current });

    // Only a finished <id>.zip is ever served; a .partial file never is.
    const file = jobPaths(opts.config.dir, jobId).archive;
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return refuse(res, 410, 'NOT_FOUND', 'This archive is no longer available; request a new export', { reason: 'ARCHIVE_MISSING' });
    }
    // Every download is audited, a person's own too, before a byte is sent.
    try {
      await recordAccess(opts.store, caller, act, 'allowed');
    } catch {
      return refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'The audit log could not be written; the archive was not sent');
    }
    res.writeHead(200, {
      'content-type': 'application/zip',
      'content-length': String(size),
      'content-disposition': `attachment; filename="footprint-${job.personId}-${jobId}.zip"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      ...(job.archiveSha256 ? { etag: `"${job.archiveSha256}"`, 'x-footprint-sha256': job.archiveSha256 } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    try {
      await pipeline(createReadStream(file), res);
    } catch (err) {
      opts.logger.warn({ err, job: jobId }, 'archive download interrupted');
    }
    return true;
  };
}
