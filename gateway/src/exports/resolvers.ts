import { z } from 'zod';
import { fail, footprintError } from '@footprint/schema';
import { authorizeOwned, personActedFor } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { SCOPES } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { LocalResolvers } from '../local.js';
import type { ExportConfig } from './config.js';
import { archiveLanguage, LanguageArg, TimeZoneArg } from './language.js';
import { initialProgress, type ExportPlan } from './plan.js';
import type { ExportQueue } from './queue.js';
import { chooseBaseline } from './incremental/since.js';
import { parseKinds } from './selection.js';
import { requestTranslator } from './schedule/language.js';
import { signedDownloadUrl } from './signing.js';
import type { ExportJob, ExportJobs, KindProgress } from './store.js';

export interface ExportResolverDeps {
  jobs: ExportJobs;
  queue: ExportQueue;
  config: ExportConfig;
  store: GatewayStore;
  plan: ExportPlan;
}

const JobId = z.uuid({ message: 'jobId is the id requestExport returned' });
const RequestInput = z.object({ allowPartial: z.boolean().nullish(), language: LanguageArg.nullish(), timeZone: TimeZoneArg.nullish(), since: z.unknown().optional(), kinds: z.array(z.string()).nullish() }).nullish();
const First = z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish();

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

/** Who may see or cancel a job (a job id names no person): its person, or an audited operator with footprint:export. */
async function authorizeJob(ctx: GatewayContext, store: GatewayStore, job: ExportJob | null, operation: string): Promise<ExportJob | null> {
  if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'An export-job token cannot read export jobs');
  return authorizeOwned(store, ctx, job, { scope: SCOPES.export, operation });
}

/** The person a list or a request is for: the @person argument the plugin decided (auth/access.ts). */
function targetPerson(ctx: GatewayContext, personId: string | null | undefined): string {
  if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'An export-job token cannot request or list exports');
  return personActedFor(ctx, personId, SCOPES.export, 'export');
}

type DomainStatus = 'PENDING' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';

function domainStatus(kinds: KindProgress[]): DomainStatus {
  if (kinds.every((k) => k.status === 'COMPLETE')) return 'COMPLETE';
  if (kinds.some((k) => k.status === 'INCOMPLETE' || k.status === 'NOT_READ')) return 'INCOMPLETE';
  if (kinds.every((k) => k.status === 'PENDING')) return 'PENDING';
  return 'RUNNING';
}

export function progressView(job: ExportJob) {
  const domains = [...new Set(job.progress.kinds.map((k) => k.domain))].map((domain) => {
    const kinds = job.progress.kinds.filter((k) => k.domain === domain);
    const totals = kinds.map((k) => k.total);
    const error = kinds.find((k) => k.error)?.error ?? null;
    return {
      domain,
      status: domainStatus(kinds),
      // An export of what is new writes fewer records than it reads: progress counts what was read.
      recordsDone: kinds.reduce((n, k) => n + (k.changes?.read ?? k.done), 0),
      recordsTotal: totals.every((t) => t !== null) ? totals.reduce<number>((n, t) => n + (t ?? 0), 0) : null,
      error,
    };
  });
  const totals = domains.map((d) => d.recordsTotal);
  return {
    recordsDone: domains.reduce((n, d) => n + d.recordsDone, 0),
    recordsTotal: totals.every((t) => t !== null) ? totals.reduce<number>((n, t) => n + (t ?? 0), 0) : null,
    domains,
  };
}

export function exportResolvers(deps: ExportResolverDeps): LocalResolvers {
  const { jobs, queue, config, store, plan } = deps;
  return {
    Query: {
      exportJob: async (_: unknown, args: { jobId: string }, ctx: GatewayContext) => {
        const id = parse(JobId, args.jobId);
        return authorizeJob(ctx, store, await jobs.get(id), `query exportJob ${id}`);
      },
      exportJobs: async (_: unknown, args: { personId?: string | null; first?: number | null }, ctx: GatewayContext) => {
        const person = targetPerson(ctx, args.personId);
        return jobs.listForPerson(person, parse(First, args.first) ?? 10);
      },
    },
    Mutation: {
      requestExport: async (_: unknown, args: { personId?: string | null; input?: { allowPartial?: boolean | null; language?: string | null; timeZone?: string | null; since?: string | null; kinds?: string[] | null } | null }, ctx: GatewayContext) => {
        const person = targetPerson(ctx, args.personId);
        const input = parse(RequestInput, args.input);
        const t = requestTranslator(ctx);
        const kinds = parseKinds(plan, input?.kinds, t);
        const since = input?.since == null ? null : await chooseBaseline(jobs, person, input.since, t, true);
        const p = ctx.principal;
        const job = await jobs.create(
          {
            personId: person,
            requestedBy: p.sub,
            requesterType: p.kind === 'operator' ? 'operator' : 'subject',
            reason: p.kind === 'operator' ? p.reason : null,
            allowPartial: input?.allowPartial ?? false,
            progress: initialProgress(plan, kinds),
            language: archiveLanguage(input?.language, ctx.acceptLanguage),
            timeZone: input?.timeZone ?? null,
            kinds,
            ...since,
          },
          { windowMs: config.windowMs, maxPerWindow: config.maxPerWindow },
        );
        try {
          await queue.enqueue(job.id);
        } catch (err) {
          // A job that cannot be queued must not block the person's next request (failed jobs do not count).
          ctx.log.error({ err, job: job.id }, 'export could not be queued');
          await jobs.fail(job.id, null, { code: 'QUEUE_UNAVAILABLE', message: 'The export could not be queued; please ask again later', domain: null });
          throw footprintError('INTERNAL_SERVER_ERROR', 'The export could not be queued; please ask again later');
        }
        ctx.log.info({ job: job.id, person }, 'export requested');
        return job;
      },
      cancelExport: async (_: unknown, args: { jobId: string }, ctx: GatewayContext) => {
        const id = parse(JobId, args.jobId);
        const job = await authorizeJob(ctx, store, await jobs.get(id), `mutation cancelExport ${id}`);
        if (!job) fail('NOT_FOUND', `No export job ${id}`);
        if (!(await jobs.cancel(id))) fail('CONFLICT', `The export is already ${job.state}; only a QUEUED or RUNNING export can be cancelled`, { state: job.state });
        await queue.cancelled(id);
        return (await jobs.get(id))!;
      },
    },
    ExportJob: {
      requestedBy: (job: ExportJob) => job.requesterType.toUpperCase(),
      progress: (job: ExportJob) => progressView(job),
      incremental: async (job: ExportJob) => {
        if (!job.sinceRequested) return null;
        const base = job.sinceJobId ? await jobs.get(job.sinceJobId) : null;
        const sum = (f: 'added' | 'changed' | 'removed') => job.progress.kinds.reduce((n, k) => n + (k.changes?.[f] ?? 0), 0);
        return { requested: job.sinceRequested, sinceJobId: job.sinceJobId, sinceFinishedAt: base?.finishedAt ?? null, newRecords: sum('added'), changedRecords: sum('changed'), removedRecords: sum('removed') };
      },
      incompleteDomains: (job: ExportJob) => progressView(job).domains.filter((d) => d.status === 'INCOMPLETE').map((d) => d.domain),
      archive: (job: ExportJob) => {
        if (job.state !== 'SUCCEEDED' || !job.expiresAt || !job.archiveSha256 || job.archiveBytes === null) return null;
        if (Date.parse(job.expiresAt) <= Date.now()) return null;
        const link = signedDownloadUrl({ publicUrl: config.publicUrl, secret: config.internalSecret, jobId: job.id, person: job.personId, ttlSeconds: config.linkTtlSeconds, archiveExpiresAt: job.expiresAt });
        return { url: link.url, linkExpiresAt: link.expiresAt.toISOString(), expiresAt: job.expiresAt, sizeBytes: job.archiveBytes, sha256: job.archiveSha256, records: job.records ?? 0 };
      },
    },
  };
}
