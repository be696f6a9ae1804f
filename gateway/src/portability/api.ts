import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { readBody, REQUEST_ID_HEADER, sendJson, type Logger, type Route } from '@footprint/kit';
import type { ExportConfig } from '../exports/config.js';
import type { ExportJob } from '../exports/store.js';
import { jobPaths } from '../exports/worker.js';
import { windowBound } from './provider.js';
import { SCOPE_PREFIX } from './scopes.js';
import { ApiRefusal, type Actor, type PortabilityService } from './service.js';
import type { PortabilityGrant } from './grants.js';

/** The receiving services' API, under this path. */
export const API_PATH = '/portability/v1';
const REALM = 'footprint-portability';
const JOB_PATH = /^\/portability\/v1\/archiveJobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/archive\.zip)?$/;
const LINK_PURPOSE = 'footprint-portability-download/v1';

const StartBody = z
  .object({
    resources: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
    startTime: z.string().max(64).optional(),
    endTime: z.string().max(64).optional(),
  })
  .strict();
const LinkQuery = z.object({ expires: z.coerce.number().int().positive(), sig: z.string().regex(/^[\w-]{43}$/) });

/** The signature of a download link: the job, the grant it belongs to and the link's expiry. */
function linkSignature(secret: string, jobId: string, grantId: string, expires: number): string {
  return createHmac('sha256', secret).update(`${LINK_PURPOSE}\n${jobId}\n${grantId}\n${expires}`).digest('base64url');
}

function refuse(res: ServerResponse, err: ApiRefusal): true {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  // RFC 6750 §3: a request without a token gets the challenge alone; a bad one names the error.
  if (err.status === 401) headers['www-authenticate'] = err.code === 'missing_token' ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="${err.code}", error_description="${err.message.replace(/["\\]/g, "'")}"`;
  if (err.status === 403) headers['www-authenticate'] = `Bearer realm="${REALM}", error="${err.code}", error_description="${err.message.replace(/["\\]/g, "'")}"${err.scope ? `, scope="${err.scope}"` : ''}`;
  sendJson(res, err.status, { error: err.code === 'missing_token' ? 'invalid_request' : err.code, error_description: err.message }, headers);
  return true;
}

export interface ApiDeps {
  service: PortabilityService;
  provider: () => Provider;
  exportConfig: ExportConfig;
  internalSecret: string;
  publicUrl: string;
  maxBodyBytes: number;
  logger: Logger;
}

interface Authenticated {
  grant: PortabilityGrant;
  clientId: string;
  scopes: Set<string>;
}

/**
 * The receiving services' REST API: bearer = an access token the authorisation server issued, looked up in the
 * store on every request (so a revoked or expired one is refused at once, on every gateway), bound to its grant,
 * its client and its person. It reaches nothing else: not the person API, not the desk, not another person.
 */
export function portabilityApi(deps: ApiDeps): Route {
  const { service } = deps;

  async function authenticate(req: IncomingMessage): Promise<Authenticated> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new ApiRefusal(401, 'missing_token', 'Send the access token the authorisation server issued: Authorization: Bearer <token>');
    const token = await deps.provider().AccessToken.find(m[1]!);
    if (!token?.grantId || !token.clientId || !token.accountId) throw new ApiRefusal(401, 'invalid_token', 'The access token is unknown, expired or revoked');
    const grant = await service.activeGrant(token.grantId);
    if (!grant || grant.clientId !== token.clientId || grant.personId !== token.accountId) throw new ApiRefusal(401, 'invalid_token', 'The authorisation behind this token was revoked or has ended');
    return { grant, clientId: token.clientId, scopes: new Set(String(token.scope ?? '').split(' ').filter(Boolean)) };
  }

  /** The resources asked for, as scopes: each must be a known group, and granted. */
  function resourcesOf(who: Authenticated, asked: string[] | undefined): string[] {
    const known = new Map(service.groups.map((g) => [g.scope, g]));
    const scopes = (asked ?? [...who.scopes].filter((s) => known.has(s))).map((r) => (r.startsWith(SCOPE_PREFIX) ? r : `${SCOPE_PREFIX}${r}`));
    const unknown = scopes.filter((s) => !known.has(s));
    if (unknown.length) throw new ApiRefusal(400, 'invalid_request', `Unknown resource(s): ${unknown.join(', ')}; the resources are ${[...known.keys()].join(', ')}`);
    const ungranted = scopes.filter((s) => !who.scopes.has(s) || !who.grant.scopes.includes(s));
    if (ungranted.length) throw new ApiRefusal(403, 'insufficient_scope', `The person did not grant ${ungranted.join(', ')}`, ungranted.join(' '));
    return scopes;
  }

  /** The job's window: the one the person granted, narrowed by the request's own (never widened). */
  function windowOf(grant: PortabilityGrant, body: z.infer<typeof StartBody>): { start: string | null; end: string | null } {
    let start: string | null;
    let end: string | null;
    try {
      start = windowBound('startTime', body.startTime);
      end = windowBound('endTime', body.endTime);
    } catch (err) {
      throw new ApiRefusal(400, 'invalid_request', (err as { error_description?: string }).error_description ?? (err as Error).message);
    }
    if (start && end && Date.parse(start) > Date.parse(end)) throw new ApiRefusal(400, 'invalid_request', 'startTime must not be after endTime');
    const latest = (a: string | null, b: string | null) => (a && b ? (Date.parse(a) >= Date.parse(b) ? a : b) : (a ?? b));
    const earliest = (a: string | null, b: string | null) => (a && b ? (Date.parse(a) <= Date.parse(b) ? a : b) : (a ?? b));
    const w = { start: latest(start, grant.windowStart), end: earliest(end, grant.windowEnd) };
    if (w.start && w.end && Date.parse(w.start) > Date.parse(w.end)) throw new ApiRefusal(400, 'invalid_request', 'The window asked for lies outside the one the person granted');
    return w;
  }

  function jobView(job: ExportJob, grant: PortabilityGrant) {
    const kinds = job.onlyKinds ?? [];
    const scopes = service.groups.filter((g) => g.kinds.some((k) => kinds.includes(k.kind))).map((g) => g.scope);
    let urls: string[] = [];
    if (job.state === 'SUCCEEDED' && job.expiresAt && Date.parse(job.expiresAt) > Date.now()) {
      const expires = Math.floor(Math.min(Date.now() + deps.exportConfig.linkTtlSeconds * 1000, Date.parse(job.expiresAt)) / 1000);
      urls = [`${deps.publicUrl}${API_PATH}/archiveJobs/${job.id}/archive.zip?expires=${expires}&sig=${linkSignature(deps.internalSecret, job.id, grant.id, expires)}`];
    }
    return {
      archiveJobId: job.id,
      state: job.state,
      resources: scopes,
      kinds,
      startTime: job.windowStart,
      endTime: job.windowEnd,
      createdAt: job.createdAt,
      finishedAt: job.finishedAt,
      records: job.state === 'SUCCEEDED' ? job.records : null,
      sha256: job.state === 'SUCCEEDED' ? job.archiveSha256 : null,
      error: job.error ? { code: job.error.code, message: job.error.message } : null,
      urls,
    };
  }

  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== API_PATH && !url.pathname.startsWith(`${API_PATH}/`)) return false;
    const requestId = String(res.getHeader(REQUEST_ID_HEADER) ?? 'portability');
    let who: Authenticated | null = null;
    const actor = (): Actor => ({ actor: `client:${who?.clientId ?? 'unknown'}`, actorType: 'portability-client', reason: null, requestId });
    const method = req.method ?? 'GET';
    try {
      // The resource groups: public, like the authorisation server's metadata (scopes_supported).
      if (url.pathname === `${API_PATH}/resources` && method === 'GET') {
        sendJson(res, 200, { resources: service.groups.map((g) => ({ scope: g.scope, group: g.group, kinds: g.kinds.map((k) => ({ kind: k.kind, title: k.title, source: k.source })) })) }, { 'cache-control': 'no-cache' });
        return true;
      }
      if (url.pathname === `${API_PATH}/archiveJobs` && method === 'POST') {
        who = await authenticate(req);
        const raw = await readBody(req, deps.maxBodyBytes);
        let json: unknown = {};
        try {
          json = raw.trim() ? JSON.parse(raw) : {};
        } catch {
          throw new ApiRefusal(400, 'invalid_request', 'The body is not JSON');
        }
        const parsed = StartBody.safeParse(json);
        if (!parsed.success) throw new ApiRefusal(400, 'invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
        const body = parsed.data;
        const scopes = resourcesOf(who, body.resources);
        const window = windowOf(who.grant, body);
        const kinds = [...new Set(service.groups.filter((g) => scopes.includes(g.scope)).flatMap((g) => g.kinds.map((k) => k.kind)).filter((k) => who!.grant.kinds.includes(k)))];
        const job = await service.startJob(who.grant, kinds, window, actor());
        sendJson(res, 201, jobView(job, who.grant), { 'cache-control': 'no-store', location: `${API_PATH}/archiveJobs/${job.id}` });
        return true;
      }
      const m = JOB_PATH.exec(url.pathname);
      if (!m) throw new ApiRefusal(404, 'not_found', `No route for ${method} ${url.pathname}`);
      if (method !== 'GET' && method !== 'HEAD') throw new ApiRefusal(405, 'invalid_request', `${method} is not served here`);
      const jobId = m[1]!;
      if (m[2]) {
        // The link alone is not enough: it must come with a token of the grant it was signed for.
        const q = LinkQuery.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) throw new ApiRefusal(403, 'invalid_link', 'This download link is not valid: it needs the expires and sig the job status gave out');
        who = await authenticate(req);
        const expected = Buffer.from(linkSignature(deps.internalSecret, jobId, who.grant.id, q.data.expires));
        const given = Buffer.from(q.data.sig);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new ApiRefusal(403, 'invalid_link', 'This download link was not issued for this authorisation');
        if (q.data.expires * 1000 <= Date.now()) throw new ApiRefusal(410, 'link_expired', 'This download link has expired; read the job again for a new one');
        const job = await service.jobs.get(jobId);
        if (!job || job.portabilityGrant !== who.grant.id) throw new ApiRefusal(404, 'not_found', `No archive job ${jobId} for this authorisation`);
        if (job.state !== 'SUCCEEDED') throw new ApiRefusal(409, 'conflict', `The archive job is ${job.state}; there is no archive to download`);
        const file = jobPaths(deps.exportConfig.dir, jobId).archive;
        const size = await stat(file).then((s) => s.size, () => null);
        if (size === null) throw new ApiRefusal(410, 'gone', 'This archive is no longer available');
        // No audit entry, no data: the transfer is recorded before a byte leaves.
        await service.audit(actor(), job.personId, `portability download ${jobId} by ${who.clientId} (${who.grant.clientName}) under grant ${who.grant.id}`, 'allowed');
        res.writeHead(200, {
          'content-type': 'application/zip',
          'content-length': String(size),
          'content-disposition': `attachment; filename="portability-${jobId}.zip"`,
          'cache-control': 'private, no-store',
          'x-content-type-options': 'nosniff',
          ...(job.archiveSha256 ? { 'x-footprint-sha256': job.archiveSha256 } : {}),
        });
        if (method === 'HEAD') {
          res.end();
          return true;
        }
        await pipeline(createReadStream(file), res).catch((err: unknown) => deps.logger.warn({ err, job: jobId }, 'portability download interrupted'));
        return true;
      }
      who = await authenticate(req);
      const job = await service.jobs.get(jobId);
      // Another grant's job is not found, whoever asks: ids cannot be probed.
      if (!job || job.portabilityGrant !== who.grant.id) throw new ApiRefusal(404, 'not_found', `No archive job ${jobId} for this authorisation`);
      sendJson(res, 200, jobView(job, who.grant), { 'cache-control': 'no-store' });
      return true;
    } catch (err) {
      if (!(err instanceof ApiRefusal)) {
        deps.logger.error({ err }, 'portability API failed');
        return refuse(res, new ApiRefusal(500, 'server_error', 'The request failed; it has been logged'));
      }
      if (err.status !== 404 || who) {
        await service
          .audit(actor(), who?.grant.personId ?? null, `portability ${method} ${url.pathname}`, `refused: ${err.code} (${err.message})`)
          .catch((e: unknown) => deps.logger.error({ err: e }, 'portability: audit write failed'));
      }
      return refuse(res, err);
    }
  };
}
