import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@footprint/kit';
import { readWholeAccessLog } from '../auth/access-log.js';
import { audit, type GatewayStore } from '../auth/audit.js';
import { DomainCircuits } from '../circuit.js';
import { DirectSource } from '../footprint/direct.js';
import { gatewaySource, traverseFootprint, type GraphQLErrorShape, type PageSource } from '../footprint/traverse.js';
import { buildArchive } from './archive/build.js';
import type { ArchiveFacts } from './archive/manifest.js';
import { ContentIntegrityError } from './archive/content.js';
import { KindWriter, verifyStaged, type KindResult } from './archive/stage.js';
import { ContentUnavailableError, directContent, gatewayContent, type ContentFetcher } from './content.js';
import { columnLabels } from './archive/column-labels.js';
import { createTranslator } from '@footprint/i18n';
import { DataRegion as Regions, RESIDENCE_SOURCE, type DataRegion } from '@footprint/schema';
import type { ExportConfig } from './config.js';
import { emptyKindProgress, type ExportKind, type ExportPlan } from './plan.js';
import { ChangesFile } from './incremental/changes-file.js';
import { Fingerprints } from './incremental/fingerprints.js';
import { EXPORT_STORE_FULL, noSpaceCause } from './no-space.js';
import { selectedKinds } from './selection.js';
import { DomainPrefetch } from './prefetch.js';
import { AbortedError, GatewayReader, GatewayUnavailableError, withRetries } from './reader.js';
import type { ExportJob, ExportJobs, JobError, KindProgress, Progress, StagedFile as StagedFileOf } from './store.js';

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
/** The kinds a job reads: a receiving service's grant (onlyKinds) or the person's choice (kinds); every kind otherwise. */
const jobKinds = (plan: ExportPlan, job: Pick<ExportJob, 'onlyKinds' | 'kinds'>): ExportKind[] => selectedKinds(plan, job.onlyKinds ?? job.kinds);

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
  kp.contents = r.contents;
  kp.done = r.records;
  kp.provenance = r.provenance;
  kp.portable = r.portable;
  kp.regions = r.regions;
  kp.sources = r.sources;
  kp.origins = r.origins;
  kp.residence = r.residence;
}

/**
 * Runs one claimed export job to its end: reads every kind (page by page, as
 * the job: from its subgraph, or through the gateway), stages each kind's files and checkpoints
 * it, then assembles the ZIP. A run that starts after a crash keeps the kinds
 * whose staged files still match their checkpoint and reads the rest again.
 */
export class ExportRunner {
  private readonly circuits: DomainCircuits;
  private readonly fingerprints: Fingerprints;

  constructor(private readonly deps: RunnerDeps) {
    this.circuits = deps.circuits ?? new DomainCircuits(deps.subgraphUrls, deps.config.breaker, deps.logger.child({ component: 'circuit' }));
    this.fingerprints = new Fingerprints(deps.store);
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

  /** How the job reads its person's files (photos, synced files): from the owning subgraph, or through the gateway as it reads records. */
  private contentFetcher(job: ExportJob, signal: AbortSignal, log: Logger): ContentFetcher {
    const { config, subgraphUrls } = this.deps;
    const o = { job: { id: job.id, person: job.personId }, internalSecret: config.internalSecret, retries: config.retries, retryBaseMs: config.retryBaseMs, timeoutMs: config.subgraphTimeoutMs, signal, logger: log };
    return config.read === 'gateway' ? gatewayContent({ ...o, gatewayUrl: this.deps.gatewayUrl }) : directContent({ ...o, subgraphUrls });
  }

  async run(job: ExportJob, worker: string, signal: AbortSignal): Promise<RunOutcome> {
    const { jobs, config } = this.deps;
    const paths = jobPaths(config.dir, job.id);
    const log = this.deps.logger.child({ job: job.id, run: job.runs });
    const progress = await this.resumeFrom(job, paths.staging, log);
    // An export of what is new compares with this finished export (pinned when it was requested).
    const since = job.sinceJobId ? { jobId: job.sinceJobId, finishedAt: (await jobs.get(job.sinceJobId))?.finishedAt ?? null } : null;
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
        await this.readAll(job, since, progress, this.pageSource(job, reader, signal, log), this.contentFetcher(job, signal, log), paths.staging, save, signal);
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
        // A choice of kinds (the person's, or a service's grant): only the domains it reaches.
        domains: job.kinds || job.onlyKinds ? this.deps.plan.footprint.domains.filter((d) => progress.kinds.some((k) => k.domain === d)) : this.deps.plan.footprint.domains,
        kinds: progress.kinds,
        meta: this.deps.plan.meta,
        columns: this.deps.plan.columns,
        language: job.language,
        timeZone: job.timeZone,
        residence: residenceOf(progress),
        gatewayRegion: config.gatewayRegion,
        // Read now, after every kind: an operator's read just before this export is in it.
        access: await readWholeAccessLog(this.deps.store, job.personId),
        incremental: job.sinceRequested ? { requested: job.sinceRequested, since } : null,
        selection: job.kinds,
      };
      const built = await buildArchive(facts, this.deps.plan.schemaText, paths.staging, paths.archive, config.zipLevel);
      const records = progress.kinds.reduce((n, k) => n + k.done, 0);
      const expiresAt = new Date(Date.now() + config.retentionMs).toISOString();
      // Only a complete export is a baseline for a later export of what is new (a partial one would list the unread as removed).
      const baseline = !job.kinds && progress.kinds.every((k) => k.status === 'COMPLETE');
      if (!(await jobs.succeed(job.id, worker, { progress, archiveBytes: built.bytes, archiveSha256: built.sha256, records, expiresAt, finishedAt, baseline }))) {
        throw new OwnershipLost();
      }
      if (baseline) await this.fingerprints.keepOnly(job.personId, job.id);
      else await this.fingerprints.dropJob(job.id);
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
          await this.cleanup(paths, job.id);
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
      await this.cleanup(paths, job.id);
      await jobs.fail(job.id, worker, error, progress);
      return 'FAILED';
    } finally {
      clearInterval(beat);
    }
  }

  /** Deletes a job's files (staged kinds, a partial ZIP, a ZIP that was never recorded as finished) and its fingerprints: it is never a baseline. */
  async cleanup(paths: ReturnType<typeof jobPaths>, jobId: string): Promise<void> {
    await rm(paths.staging, { recursive: true, force: true });
    await rm(paths.partial, { force: true });
    await rm(paths.archive, { force: true });
    await this.fingerprints.dropJob(jobId);
  }

  /**
   * Reads every kind not finished yet. Up to `parallelKinds` kinds are read at
   * once, each from a different domain, so several subgraphs work while this
   * worker writes. A domain that fails ends the job at
   * once (or, for a partial archive, marks the domain's remaining kinds NOT_READ).
   */
  private async readAll(job: ExportJob, since: Since, progress: Progress, source: PageSource, fetchContent: ContentFetcher, staging: string, save: (force?: boolean) => Promise<void>, signal: AbortSignal): Promise<void> {
    // The job's kinds (all, or the chosen ones) not finished yet.
    const pending = jobKinds(this.deps.plan, job).filter((k) => {
      const p = progress.kinds.find((x) => key(x) === key(k));
      return p !== undefined && p.status !== 'COMPLETE';
    });
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
          const why = await this.readKind(job, since, k, kp, prefetching, staging, save, () => stop !== null, fetchContent);
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
      const intact = (await Promise.all([...old.files, ...old.contents].map((f) => verifyStaged(staging, f)))).every(Boolean);
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

  /** Closes a kind's change list and puts its counts into the kind's progress. */
  private async finishChanges(changes: ChangesFile, counted: NonNullable<KindProgress['changes']>, complete: boolean): Promise<StagedFileOf> {
    try {
      const file = await changes.finish(complete);
      Object.assign(counted, changes.counts);
      return file;
    } catch (err) {
      await changes.discard();
      throw err;
    }
  }

  /** Reads one kind into its staged files. Returns why its domain failed (partial archive), or null. */
  private async readKind(
    job: ExportJob,
    since: Since,
    k: ExportKind,
    kp: KindProgress,
    source: PageSource,
    staging: string,
    save: (force?: boolean) => Promise<void>,
    stopped: () => boolean,
    fetchContent: ContentFetcher,
  ): Promise<string | null> {
    Object.assign(kp, { ...emptyKindProgress(k), total: kp.total, status: 'RUNNING' });
    // Read from its first page: fingerprints an earlier run left for the kind go.
    await this.fingerprints.clearKind(job.id, k.kind);
    const changes = since ? await ChangesFile.open(staging, k, since) : null;
    const counted = { read: 0, added: 0, changed: 0, removed: 0 };
    kp.changes = since ? counted : null;
    let writer: KindWriter;
    try {
      // The header row in the language of the request (stored with the job, so a resumed run writes the same).
      writer = await KindWriter.open(k, staging, fetchContent, columnLabels(k.columns, createTranslator(job.language, job.timeZone ?? undefined)));
    } catch (err) {
      await changes?.discard();
      throw err;
    }
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
              // Every record's fingerprint is kept (this export may be the next one's baseline); an export of what is new writes only the new and changed.
              const diff = await this.fingerprints.page(job, k.kind, since?.jobId ?? null, records);
              const kept = since ? diff.map((d) => d.record) : records;
              await writer.page(kept);
              await changes?.page(diff);
              kp.done += kept.length;
              counted.read += records.length;
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
      // A file that is not what its record names, or cannot be read: the domain failed, as when its records cannot be.
      if (err instanceof ContentIntegrityError || err instanceof ContentUnavailableError) {
        const code = err instanceof ContentIntegrityError ? 'CONTENT_INTEGRITY' : 'SUBGRAPH_UNAVAILABLE';
        domainError = { message: err.message, extensions: { code, domain: k.domain, content: true } };
      } else {
        await writer.discard();
        await changes?.discard();
        throw err;
      }
    }
    const failure = domainError as GraphQLErrorShape | null;
    if (failure || pages === 0) {
      const message = failure
        ? failure.extensions?.content === true
          ? `${failure.message} (${k.domain}.${k.field}): the file was not exported`
          : `${failure.message} (${k.domain}.${k.field}, after ${this.deps.config.retries} attempts)`
        : `The ${k.domain} domain returned no ${k.field} for this person`;
      if (!job.allowPartial) {
        await writer.discard();
        await changes?.discard();
        Object.assign(kp, { status: 'INCOMPLETE', error: message, run: job.runs });
        // The domain that failed, which is not always the kind's own: the corrections history reads every domain.
        const failedDomain = failure?.extensions?.domain && this.deps.plan.footprint.domains.includes(failure.extensions.domain) ? failure.extensions.domain : k.domain;
        throw new DomainFailed(failedDomain, String(failure?.extensions?.code ?? 'SUBGRAPH_UNAVAILABLE'), message);
      }
      applyResult(kp, await writer.finishOrDiscard(false));
      // Part of the kind was not read: what was removed since is not known, so nothing is listed as removed.
      if (changes) kp.files.push(await this.finishChanges(changes, counted, false));
      Object.assign(kp, { status: 'INCOMPLETE', error: message, run: job.runs });
      await save(true);
      return message;
    }
    applyResult(kp, await writer.finishOrDiscard(true));
    if (changes && since) {
      try {
        for await (const ids of this.fingerprints.removed(job.id, k.kind, since.jobId)) await changes.removed(ids);
      } catch (err) {
        await changes.discard();
        throw err;
      }
      kp.files.push(await this.finishChanges(changes, counted, true));
    }
    // The checkpoint: once this is saved, a resumed run keeps this kind's files.
    Object.assign(kp, { status: 'COMPLETE', error: null, run: job.runs });
    await save(true);
    return null;
  }
}

/** Where the person lives and their data region, from the residence kind's checkpoint (null fields when it holds none). */
function residenceOf(progress: Progress): { country: string | null; region: DataRegion | null } {
  const r = progress.kinds.find((k) => k.kind === RESIDENCE_SOURCE.kind)?.residence;
  const region = r?.region && (Regions.values as readonly string[]).includes(r.region) ? (r.region as DataRegion) : null;
  return { country: r?.country ?? null, region };
}

/** The finished export an export of what is new compares with; null for a full export. */
type Since = { jobId: string; finishedAt: string | null } | null;

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
