import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@footprint/kit';
import { audit, type GatewayStore } from '../auth/audit.js';
import { DomainCircuits } from '../circuit.js';
import { DirectSource } from '../footprint/direct.js';
import { gatewaySource, traverseFootprint, type GraphQLErrorShape, type PageSource } from '../footprint/traverse.js';
import { buildArchive } from './archive/build.js';
import type { ArchiveFacts } from './archive/manifest.js';
import { KindWriter, verifyStaged, type KindResult } from './archive/stage.js';
import type { ExportConfig } from './config.js';
import { emptyKindProgress, type ExportKind, type ExportPlan } from './plan.js';
import { EXPORT_STORE_FULL, noSpaceCause } from './no-space.js';
import { DomainPrefetch } from './prefetch.js';
import { AbortedError, GatewayReader, GatewayUnavailableError, withRetries } from './reader.js';
import type { ExportJob, ExportJobs, JobError, KindProgress, Progress } from './store.js';

export type RunOutcome = 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'LOST' | 'RELEASED';

export interface RunnerDeps {
  jobs: ExportJobs;
  store: GatewayStore;
  plan: ExportPlan;
  config: ExportConfig;
  /** The gateway's GraphQL URL the job reads through. */
  gatewayUrl: () => string;
  /** Subgraph URLs by name (the gateway's), for direct reads. */
  subgraphUrls: Record<string, string>;
  /**
   * The per-domain circuit breakers direct reads go through: the gateway's own when the runner is in its
   * event loop; a worker thread or a standalone worker cannot share those objects, so it keeps its own.
   */
  circuits?: DomainCircuits;
  logger: Logger;
}

/** Where a job's files live: the staging folder (per-kind files, the resume checkpoints), the ZIP and its .partial. */
export function jobPaths(dir: string, id: string) {
  return { staging: join(dir, `${id}.parts`), archive: join(dir, `${id}.zip`), partial: join(dir, `${id}.zip.partial`) };
}

/** The worker no longer owns the job: it was cancelled, or taken over after it was thought dead. */
class OwnershipLost extends Error {}

class DomainFailed extends Error {
  constructor(
    readonly domain: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const key = (k: { domain: string; field: string }) => `${k.domain}.${k.field}`;

/** The kinds a job reads: every kind, or only those a receiving service was granted (gateway/src/portability). */
const jobKinds = (plan: ExportPlan, job: Pick<ExportJob, 'onlyKinds'>): ExportKind[] => (job.onlyKinds ? plan.kinds.filter((k) => job.onlyKinds!.includes(k.kind)) : plan.kinds);

/** Record sources Art. 20 covers: what the person provided, and what was observed while they used the service. */
const PORTABLE_SOURCES = new Set(['PROVIDED', 'COLLECTED']);

/**
 * Which records of a page a job keeps. A job limited to a time window keeps the records collected within it (each
 * record's meta.collectedAt, the time every kind's records carry); a record without that time is left out, as it
 * cannot be shown to be inside. A receiving service's job (portability) keeps only records whose own source Art. 20
 * covers, so a record of a portable kind that came from someone else (a gift address) or was inferred stays here.
 * Filtered as each page is written: memory still holds a page at most.
 */
function recordFilter(job: Pick<ExportJob, 'windowStart' | 'windowEnd' | 'portabilityGrant'>): ((records: Record<string, unknown>[]) => Record<string, unknown>[]) | null {
  const windowed = Boolean(job.windowStart || job.windowEnd);
  if (!windowed && !job.portabilityGrant) return null;
  const from = job.windowStart ? Date.parse(job.windowStart) : -Infinity;
  const to = job.windowEnd ? Date.parse(job.windowEnd) : Infinity;
  return (records) =>
    records.filter((r) => {
      const meta = r.meta as { collectedAt?: unknown; source?: unknown } | null | undefined;
      if (job.portabilityGrant && typeof meta?.source === 'string' && !PORTABLE_SOURCES.has(meta.source)) return false;
      if (!windowed) return true;
      const t = typeof meta?.collectedAt === 'string' ? Date.parse(meta.collectedAt) : NaN;
      return !Number.isNaN(t) && t >= from && t <= to;
    });
}

function applyResult(kp: KindProgress, r: KindResult): void {
  kp.files = r.files;
  kp.done = r.records;
  kp.provenance = r.provenance;
  kp.portable = r.portable;
  kp.regions = r.regions;
  kp.sources = r.sources;
  kp.origins = r.origins;
}

/**
 * Runs one claimed export job to its end: reads every kind (page by page, as
 * the job: from its subgraph, or through the gateway), stages each kind's files and checkpoints
 * it, then assembles the ZIP. A run that starts after a crash keeps the kinds
 * whose staged files still match their checkpoint and reads the rest again.
 */
export class ExportRunner {
  private readonly circuits: DomainCircuits;

  constructor(private readonly deps: RunnerDeps) {
    this.circuits = deps.circuits ?? new DomainCircuits(deps.subgraphUrls, deps.config.breaker, deps.logger.child({ component: 'circuit' }));
  }

  /**
   * Where a job's pages come from. Direct (default): each kind from the subgraph that owns it, under one internal
   * credential naming the job and its one person — the job was authorised (and an operator's request audited) when
   * it was requested, and the run is audited before it reads, as through the gateway. Kinds only the gateway serves
   * (its own data) are read through it with the job token, as every kind is with FOOTPRINT_EXPORT_READ=gateway.
   */
  private pageSource(job: ExportJob, reader: GatewayReader, signal: AbortSignal, log: Logger): PageSource {
    const viaGateway = gatewaySource(reader.execute);
    const { config, plan, subgraphUrls } = this.deps;
    if (config.read === 'gateway') return viaGateway;
    const owners = new Map([...plan.owners].map(([k, o]) => [k, { ...o, url: subgraphUrls[o.subgraph] ?? o.url }]));
    const policy = { retries: config.retries, retryBaseMs: config.retryBaseMs, signal, logger: log, job: job.id };
    return new DirectSource({
      owners,
      fallback: viaGateway,
      credential: { actor: `job:${job.id}`, actorType: 'job', person: job.personId, scopes: [], requestId: `export-${job.id}` },
      internalSecret: config.internalSecret,
      fetchFor: (subgraph) => this.circuits.request(subgraph, config.subgraphTimeoutMs),
      timeoutMs: config.subgraphTimeoutMs,
      signal,
      retry: (call) => withRetries(policy, async () => ({ body: await call() })),
    });
  }

  async run(job: ExportJob, worker: string, signal: AbortSignal): Promise<RunOutcome> {
    const { jobs, config } = this.deps;
    const paths = jobPaths(config.dir, job.id);
    const log = this.deps.logger.child({ job: job.id, run: job.runs });
    const progress = await this.resumeFrom(job, paths.staging, log);
    let lastSave = 0;
    const save = async (force = false) => {
      if (!force && Date.now() - lastSave < 500) return;
      lastSave = Date.now();
      if (!(await jobs.heartbeat(job.id, worker, progress))) throw new OwnershipLost();
    };
    // Between pages too (a slow page, retries with backoff), so a live job never looks crashed.
    const beat = setInterval(() => void jobs.heartbeat(job.id, worker).catch((err: unknown) => log.warn({ err }, 'heartbeat failed')), Math.max(100, config.staleMs / 4));
    try {
      // Inside: a full disk can refuse even the folder, and the job must then fail saying so.
      await mkdir(paths.staging, { recursive: true });
      await save(true);
      // No audit entry, no data: the read is recorded before it starts.
      await audit(this.deps.store, {
        actor: `job:${job.id}`,
        actorType: 'job',
        person: job.personId,
        operation: `export run ${job.runs} (requested by ${job.requesterType} ${job.requestedBy})`,
        reason: job.reason,
        requestId: job.id,
        outcome: 'started',
      });
      const readerOpts = { url: this.deps.gatewayUrl, internalSecret: config.internalSecret, job: { id: job.id, person: job.personId }, signal, logger: log };
      const reader = new GatewayReader({ ...readerOpts, retries: config.retries, retryBaseMs: config.retryBaseMs });
      // The discovery counts come while the first kinds are read (each kind's first page brings its own total too):
      // waiting for them first delayed every export by a request through the gateway to every domain.
      const totals = this.countTotals(new GatewayReader({ ...readerOpts, retries: 1, retryBaseMs: 1 }), job.personId, progress);
      try {
        await this.readAll(job, progress, this.pageSource(job, reader, signal, log), paths.staging, save, signal);
      } finally {
        await totals.catch(() => undefined);
      }

      await save(true);
      const finishedAt = new Date().toISOString();
      const facts: ArchiveFacts = {
        jobId: job.id,
        person: job.personId,
        requestedBy: job.requesterType === 'operator' ? 'OPERATOR' : 'SUBJECT',
        allowPartial: job.allowPartial,
        createdAt: job.createdAt,
        startedAt: job.startedAt ?? finishedAt,
        finishedAt,
        runs: job.runs,
        footprintVersion: this.deps.plan.footprintVersion,
        schemaHash: this.deps.plan.schemaHash,
        // A service's job names only the domains of the kinds it was granted.
        domains: job.onlyKinds ? this.deps.plan.footprint.domains.filter((d) => progress.kinds.some((k) => k.domain === d)) : this.deps.plan.footprint.domains,
        kinds: progress.kinds,
        meta: this.deps.plan.meta,
        columns: this.deps.plan.columns,
      };
      const built = await buildArchive(facts, this.deps.plan.schemaText, paths.staging, paths.archive, config.zipLevel);
      const records = progress.kinds.reduce((n, k) => n + k.done, 0);
      const expiresAt = new Date(Date.now() + config.retentionMs).toISOString();
      if (!(await jobs.succeed(job.id, worker, { progress, archiveBytes: built.bytes, archiveSha256: built.sha256, records, expiresAt, finishedAt }))) {
        throw new OwnershipLost();
      }
      await rm(paths.staging, { recursive: true, force: true });
      log.info({ records, bytes: built.bytes, complete: built.manifest.complete }, 'export finished');
      return 'SUCCEEDED';
    } catch (err) {
      if (err instanceof AbortedError) {
        // Shutting down: hand the job back; the next run resumes from the checkpoints.
        await jobs.release(job.id, worker);
        log.info('export released for a later run');
        return 'RELEASED';
      }
      if (err instanceof OwnershipLost) {
        const now = await jobs.get(job.id);
        if (now?.state === 'CANCELLED') {
          await this.cleanup(paths);
          log.info('export cancelled');
          return 'CANCELLED';
        }
        log.warn({ state: now?.state, worker: now?.worker }, 'export taken over by another worker; this run stops');
        return 'LOST';
      }
      const error = toJobError(err);
      if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === EXPORT_STORE_FULL) log.error({ err, dir: config.dir }, 'export failed');
      else log.warn({ error }, 'export failed');
      // Files first: once the job reads FAILED, nothing of it is left on disk (every lane has stopped by now).
      await this.cleanup(paths);
      await jobs.fail(job.id, worker, error, progress);
      return 'FAILED';
    } finally {
      clearInterval(beat);
    }
  }

  /** Deletes a job's files: staged kinds, a partial ZIP, a ZIP that was never recorded as finished. */
  async cleanup(paths: ReturnType<typeof jobPaths>): Promise<void> {
    await rm(paths.staging, { recursive: true, force: true });
    await rm(paths.partial, { force: true });
    await rm(paths.archive, { force: true });
  }

  /**
   * Reads every kind not finished yet. Up to `parallelKinds` kinds are read at
   * once, each from a different domain, so several subgraphs work while this
   * worker writes. A domain that fails ends the job at
   * once (or, for a partial archive, marks the domain's remaining kinds NOT_READ).
   */
  private async readAll(job: ExportJob, progress: Progress, source: PageSource, staging: string, save: (force?: boolean) => Promise<void>, signal: AbortSignal): Promise<void> {
    const pending = jobKinds(this.deps.plan, job).filter((k) => progress.kinds.find((p) => key(p) === key(k))?.status !== 'COMPLETE');
    const prefetching = new DomainPrefetch(source, pending);
    const failedDomains = new Map<string, string>();
    const busy = new Set<string>();
    let stop: unknown = null;
    const next = (): ExportKind | undefined => {
      const i = pending.findIndex((k) => !busy.has(k.domain));
      return i >= 0 ? pending.splice(i, 1)[0] : pending.shift();
    };
    const lane = async () => {
      for (let k = next(); k && stop === null; k = next()) {
        const kp = progress.kinds.find((p) => key(p) === key(k!))!;
        if (signal.aborted) {
          stop ??= new AbortedError('stopped');
          break;
        }
        const failed = failedDomains.get(k.domain);
        if (failed) {
          Object.assign(kp, { status: 'NOT_READ', error: `Not read: ${failed}` });
          continue;
        }
        busy.add(k.domain);
        try {
          const why = await this.readKind(job, k, kp, prefetching, staging, save, () => stop !== null);
          if (why) failedDomains.set(k.domain, why);
        } catch (err) {
          stop ??= err;
        } finally {
          busy.delete(k.domain);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.deps.config.parallelKinds) }, lane));
    if (stop !== null) throw stop;
  }

  /**
   * The progress a run starts from: the kinds a previous run finished, if the
   * schema is the same and their staged files still match size and sha256;
   * everything else is read (again) from its first page.
   */
  private async resumeFrom(job: ExportJob, staging: string, log: Logger): Promise<Progress> {
    const plan = this.deps.plan;
    const fresh: Progress = { schemaHash: plan.schemaHash, kinds: jobKinds(plan, job).map(emptyKindProgress) };
    if (job.progress.schemaHash !== plan.schemaHash) return fresh;
    const before = new Map(job.progress.kinds.map((k) => [key(k), k]));
    let kept = 0;
    for (const kp of fresh.kinds) {
      const old = before.get(key(kp));
      if (!old) continue;
      kp.total = old.total;
      if (old.status !== 'COMPLETE' || old.typename !== kp.typename) continue;
      const intact = (await Promise.all(old.files.map((f) => verifyStaged(staging, f)))).every(Boolean);
      if (intact) {
        Object.assign(kp, old);
        kept += 1;
      }
    }
    if (job.runs > 1) log.info({ keptKinds: kept, kinds: fresh.kinds.length }, 'export resumed from its checkpoints');
    return fresh;
  }

  /** Counts per kind from each domain's discovery (one request, no records), so progress has totals for the kinds not read yet. */
  private async countTotals(reader: GatewayReader, person: string, progress: Progress): Promise<void> {
    const domains = this.deps.plan.discoveryDomains.filter((d) => progress.kinds.some((k) => k.domain === d && k.status !== 'COMPLETE'));
    if (domains.length === 0) return;
    const query = `query ExportDiscovery($id: ID!) { person(id: $id) { ${domains.map((d) => `${d} { discovery { kinds { kind count } } }`).join(' ')} } }`;
    try {
      const res = await reader.execute(query, { id: person });
      const person_ = (res.data as { person?: Record<string, { discovery?: { kinds?: { kind: string; count: number }[] } } | null> } | undefined)?.person;
      for (const d of domains) {
        for (const c of person_?.[d]?.discovery?.kinds ?? []) {
          const kp = progress.kinds.find((k) => k.kind === c.kind && k.domain === d && k.status !== 'COMPLETE');
          // A kind being read has its total from its first page (the last word).
          if (kp?.status === 'PENDING' && typeof c.count === 'number') kp.total = c.count;
        }
      }
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      // Best effort: totals then come from each kind's first page.
    }
  }

  /** Reads one kind into its staged files. Returns why its domain failed (partial archive), or null. */
  private async readKind(
    job: ExportJob,
    k: ExportKind,
    kp: KindProgress,
    source: PageSource,
    staging: string,
    save: (force?: boolean) => Promise<void>,
    stopped: () => boolean,
  ): Promise<string | null> {
    Object.assign(kp, { ...emptyKindProgress(k), total: kp.total, status: 'RUNNING' });
    const writer = await KindWriter.open(k, staging);
    let pages = 0;
    let domainError: GraphQLErrorShape | null = null;
    const keep = recordFilter(job);
    // One page is written while the next one is read: reading (subgraph, gateway) and writing overlap,
    // and memory holds at most two pages.
    let writing: Promise<void> = Promise.resolve();
    try {
      await traverseFootprint(
        { kinds: [k], domains: this.deps.plan.footprint.domains },
        job.personId,
        source,
        {
          onPage: async ({ records: read, totalCount }) => {
            // Another lane failed the job: stop reading this kind too.
            if (stopped()) throw new AbortedError('another kind failed');
            const records = keep ? keep(read) : read;
            const previous = writing;
            writing = previous.then(async () => {
              await writer.page(records);
              kp.done += records.length;
            });
            pages += 1;
            // Filtered, the kind's total is not known before its last page.
            kp.total = keep ? null : totalCount;
            await previous;
            await save();
          },
          onDomainError: (_domain, e) => {
            domainError = e;
          },
        },
        this.deps.config.pageSize,
      );
      await writing;
    } catch (err) {
      await writing.catch(() => undefined);
      await writer.discard();
      throw err;
    }
    const failure = domainError as GraphQLErrorShape | null;
    if (failure || pages === 0) {
      const message = failure
        ? `${failure.message} (${k.domain}.${k.field}, after ${this.deps.config.retries} attempts)`
        : `The ${k.domain} domain returned no ${k.field} for this person`;
      if (!job.allowPartial) {
        await writer.discard();
        Object.assign(kp, { status: 'INCOMPLETE', error: message, run: job.runs });
        // The domain that failed, which is not always the kind's own: the corrections history reads every domain.
        const failedDomain = failure?.extensions?.domain && this.deps.plan.footprint.domains.includes(failure.extensions.domain) ? failure.extensions.domain : k.domain;
        throw new DomainFailed(failedDomain, String(failure?.extensions?.code ?? 'SUBGRAPH_UNAVAILABLE'), message);
      }
      applyResult(kp, await writer.finishOrDiscard(false));
      Object.assign(kp, { status: 'INCOMPLETE', error: message, run: job.runs });
      await save(true);
      return message;
    }
    applyResult(kp, await writer.finishOrDiscard(true));
    // The checkpoint: once this is saved, a resumed run keeps this kind's files.
    Object.assign(kp, { status: 'COMPLETE', error: null, run: job.runs });
    await save(true);
    return null;
  }
}

function toJobError(err: unknown): JobError {
  if (err instanceof DomainFailed) return { code: err.code, message: `The ${err.domain} domain could not be read, so the export stopped: ${err.message}`, domain: err.domain };
  if (err instanceof GatewayUnavailableError) return { code: 'GATEWAY_UNAVAILABLE', message: `The export could not read through the gateway: ${err.message}`, domain: null };
  const noSpace = noSpaceCause(err);
  if (noSpace) {
    return {
      code: EXPORT_STORE_FULL,
      message: `The export store ran out of space (${noSpace}) while this archive was written; nothing of it was kept. An operator must free or add space in the export folder; then ask for the export again.`,
      domain: null,
    };
  }
  const graphql = (err as { graphql?: GraphQLErrorShape } | null)?.graphql;
  if (graphql) return { code: String(graphql.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), message: graphql.message, domain: graphql.extensions?.domain ?? null };
  // Anything else is ours; the cause goes to the log, not to the person.
  return { code: 'INTERNAL_SERVER_ERROR', message: 'The export failed because of an internal error; it has been logged. Please ask again later.', domain: null };
}
