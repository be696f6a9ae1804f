import type { GraphQLError } from 'graphql';
import { DEFAULT_LANGUAGE } from '@footprint/i18n';
import { fail } from '@footprint/schema';
import type { ExportConfig } from '../../exports/config.js';
import { initialProgress, type ExportPlan } from '../../exports/plan.js';
import type { ExportQueue } from '../../exports/queue.js';
import type { ExportJobs } from '../../exports/store.js';
import type { PrivacyRequest, RequestEvidence } from '../model.js';
import type { RequestDriver, StartOutcome, WorkStatus } from './driver.js';

/**
 * ACCESS (Art. 15) and PORTABILITY (Art. 20): the existing export machinery
 * builds the archive (it holds both the Art. 15 information and the portable
 * subset). The request completes only when its export has SUCCEEDED, with the
 * archive's sha256 as evidence; a FAILED or cancelled export leaves it
 * IN_PROGRESS with the failure shown, until an operator starts it again.
 */
export function exportDriver(deps: { jobs: ExportJobs; queue: ExportQueue | null; config: ExportConfig; plan: ExportPlan }): RequestDriver {
  const { jobs, config } = deps;

  async function status(req: PrivacyRequest): Promise<WorkStatus | null> {
    const id = req.work.exportJobId;
    if (!id) return { status: 'FAILED', failure: req.failure ?? { code: 'NOT_STARTED', message: 'No export was started for this request', at: req.updatedAt } };
    const job = await jobs.get(id);
    if (!job) return { status: 'FAILED', failure: { code: 'EXPORT_MISSING', message: `Export job ${id} no longer exists`, at: new Date().toISOString() } };
    if ((job.state === 'SUCCEEDED' || job.state === 'EXPIRED') && job.archiveSha256) {
      const evidence: RequestEvidence = { exportJobId: job.id, archiveSha256: job.archiveSha256, archiveBytes: job.archiveBytes, records: job.records };
      return { status: 'DONE', evidence };
    }
    if (job.state === 'FAILED' || job.state === 'CANCELLED') {
      return {
        status: 'FAILED',
        failure: { code: job.error?.code ?? job.state, message: job.error?.message ?? `The export was ${job.state.toLowerCase()}`, at: job.finishedAt ?? new Date().toISOString() },
      };
    }
    return { status: 'RUNNING' };
  }

  return {
    types: ['ACCESS', 'PORTABILITY'],
    describe: 'an export of all the person\'s data (the archive is the answer)',
    available: true,
    validate(type, scope) {
      if (scope.kinds?.length || scope.purpose || scope.until) fail('BAD_USER_INPUT', `A ${type} request covers all the person's data: it takes no kinds, purpose or until`, { field: 'kinds' });
    },
    async start(req, now): Promise<StartOutcome> {
      const previous = [...(req.work.previousExportJobs ?? []), ...(req.work.exportJobId ? [req.work.exportJobId] : [])];
      try {
        const job = await jobs.create(
          {
            personId: req.personId,
            requestedBy: `privacy-request:${req.id}`,
            requesterType: req.createdByType,
            reason: `Privacy request ${req.id} (${req.type})`,
            allowPartial: false,
            progress: initialProgress(deps.plan),
            // The language the person last asked for an archive in (their preference, once stored, will come first).
            language: (await jobs.lastLanguage(req.personId)) ?? DEFAULT_LANGUAGE,
          },
          { windowMs: config.windowMs, maxPerWindow: config.maxPerWindow },
          now,
        );
        // Embedded mode: the gateway's export workers poll the job table; with Redis the job goes on the queue.
        await deps.queue?.enqueue(job.id);
        return { work: { exportJobId: job.id, trackedJobId: job.id, previousExportJobs: previous }, failure: null, note: `Export job ${job.id} started` };
      } catch (err) {
        const e = err as GraphQLError;
        const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'EXPORT_NOT_STARTED';
        // An export of this person already running answers this request too.
        if (code === 'CONFLICT' && typeof e.extensions?.jobId === 'string') {
          return { work: { exportJobId: e.extensions.jobId, trackedJobId: e.extensions.jobId, previousExportJobs: previous }, failure: null, note: `Export job ${e.extensions.jobId} (already running for this person) answers this request` };
        }
        return { work: { exportJobId: null, trackedJobId: null, previousExportJobs: previous }, failure: { code, message: e.message, at: now.toISOString() }, note: `The export could not be started: ${e.message}` };
      }
    },
    status,
    async complete(req) {
      const s = await status(req);
      if (s?.status === 'DONE') return s.evidence;
      if (s?.status === 'FAILED') fail('CONFLICT', `The export of this request failed (${s.failure.message}); start it again before completing`, { reason: 'WORK_NOT_DONE' });
      fail('CONFLICT', 'The export of this request has not finished; the request completes when it has SUCCEEDED', { reason: 'WORK_NOT_DONE' });
    },
  };
}
