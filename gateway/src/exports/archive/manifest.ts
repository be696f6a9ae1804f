import { createTranslator, type Language } from '@footprint/i18n';
import type { AccessLogEntry } from '../../auth/access-log.js';
import { columnLabels } from './column-labels.js';
import type { DataRegion, KindMeta } from '@footprint/schema';
import type { KindProgress, ProvenanceCounts } from '../store.js';
import type { Column } from './columns.js';
import { CSV_DIALECT, csvColumnKind } from './csv.js';

export const ARCHIVE_FORMAT = 'footprint-portability-archive';
export const ARCHIVE_FORMAT_VERSION = 1;

/** Everything the generated documents (manifest, index, processing, portable) are made from. */
export interface ArchiveFacts {
  jobId: string;
  person: string;
  requestedBy: 'SUBJECT' | 'OPERATOR';
  allowPartial: boolean;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  runs: number;
  footprintVersion: string;
  schemaHash: string;
  /** Domains of the footprint plan, in order. */
  domains: string[];
  kinds: KindProgress[];
  meta: Map<string, KindMeta>;
  columns: Map<string, Column[]>;
  /** The language of the request: every text of the archive is in it (catalogues/<language>/). */
  language: Language;
  /** The person's time zone for dates written as text (IANA); null: UTC. */
  timeZone: string | null;
  /** Where the person lives (the country of their account's data-region record) and their data region; null when unknown. */
  residence: { country: string | null; region: DataRegion | null };
  /** Where the gateway's own records (corrections, privacy requests) are stored: FOOTPRINT_GATEWAY_REGION. */
  gatewayRegion: DataRegion;
  /** Who accessed the person's data (access.json), read when the archive is assembled: the newest entries, and whether older ones were left out. */
  access: { entries: AccessLogEntry[]; truncated: boolean };
  /**
   * An export of what is new: what was asked (LAST_EXPORT or a date-time) and the finished export it compares with
   * (null: there was none yet, so this one holds everything). Null or absent: a full export.
   */
  incremental?: { requested: string; since: { jobId: string; finishedAt: string | null } | null } | null;
  /** The kinds chosen (exports/selection.ts); null or absent: every kind. */
  selection?: string[] | null;
}

export interface DomainSummary {
  domain: string;
  status: 'COMPLETE' | 'INCOMPLETE';
  reason: string | null;
  records: number;
  kinds: KindProgress[];
}

export function domainSummaries(f: ArchiveFacts): DomainSummary[] {
  return f.domains.map((domain) => {
    const kinds = f.kinds.filter((k) => k.domain === domain);
    const bad = kinds.filter((k) => k.status !== 'COMPLETE');
    const reason = bad.length === 0 ? null : (bad.find((k) => k.error)?.error ?? `${bad.length} kind(s) were not read`);
    return { domain, status: bad.length === 0 ? 'COMPLETE' : 'INCOMPLETE', reason, records: kinds.reduce((n, k) => n + k.done, 0), kinds };
  });
}

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  /** Records in a data file; null for the documents (index, processing, schema …). */
  records: number | null;
  format: string;
  mediaType: string;
  kind: string | null;
  /** For a CSV file: each column's name (its machine identity), header label, GraphQL type and how it is written (see CSV_DIALECT.columns), in the file's order. */
  columns?: { name: string; label: string; type: string; csv: string }[];
}

export interface DocFile {
  path: string;
  format: string;
  mediaType: string;
  content: Buffer;
  sha256: string;
}

/** Every content file of the archive once, in the order the kinds name them (two records, or two kinds, may share one). */
export function distinctContents(kinds: KindProgress[]): (KindProgress['contents'][number] & { kind: string })[] {
  const seen = new Map<string, KindProgress['contents'][number] & { kind: string }>();
  for (const k of kinds) for (const c of k.contents) if (!seen.has(c.path)) seen.set(c.path, { ...c, kind: k.kind });
  return [...seen.values()];
}

const csvColumns = (columns: Column[], labels: string[]) => columns.map((c, i) => ({ name: c.name, label: labels[i] ?? c.name, type: c.type, csv: csvColumnKind(c) }));

const sumProvenance = (ks: KindProgress[]): ProvenanceCounts =>
  ks.reduce((a, k) => ({ provided: a.provided + k.provenance.provided, observed: a.observed + k.provenance.observed, inferred: a.inferred + k.provenance.inferred, received: a.received + k.provenance.received }), {
    provided: 0,
    observed: 0,
    inferred: 0,
    received: 0,
  });

/**
 * manifest.json: what the archive is and how to check it. Every other file is
 * listed with its size, SHA-256 and record count, so an importer can verify the
 * archive from the manifest alone; `complete` and each domain's status say
 * whether anything is missing.
 */
export function buildManifest(f: ArchiveFacts, docs: DocFile[]) {
  const domains = domainSummaries(f);
  const tr = createTranslator(f.language, f.timeZone ?? undefined);
  const complete = domains.every((d) => d.status === 'COMPLETE');
  const files: ManifestFile[] = [
    ...docs.map((d) => ({ path: d.path, size: d.content.length, sha256: d.sha256, records: null, format: d.format, mediaType: d.mediaType, kind: null })),
    ...f.kinds.flatMap((k) =>
      k.files.map((file) => ({
        path: file.path,
        size: file.size,
        sha256: file.sha256,
        records: file.records,
        format: file.format,
        mediaType: file.mediaType,
        kind: k.kind,
        ...(file.format === 'csv' ? { columns: csvColumns(f.columns.get(k.kind) ?? [], columnLabels(f.columns.get(k.kind) ?? [], tr)) } : {}),
      })),
    ),
    // A record's file content (<domain>/files/<sha256>.<ext>): named by its SHA-256, which the record's `content` gives too.
    ...distinctContents(f.kinds).map((c) => ({ path: c.path, size: c.size, sha256: c.sha256, records: null, format: 'content', mediaType: c.mediaType, kind: c.kind })),
  ];
  const records = f.kinds.reduce((n, k) => n + k.done, 0);
  const sum = (field: 'added' | 'changed' | 'removed' | 'read') => f.kinds.reduce((n, k) => n + (k.changes?.[field] ?? 0), 0);
  const incremental = f.incremental
    ? {
        requested: f.incremental.requested,
        since: f.incremental.since,
        /** false: nothing to compare with yet, so this archive holds everything (the next one holds what is new since it). */
        comparedWithEarlierExport: f.incremental.since !== null,
        ...(f.incremental.since ? { newRecords: sum('added'), changedRecords: sum('changed'), removedRecords: sum('removed'), recordsRead: sum('read') } : {}),
        explanation: f.incremental.since
          ? 'This archive holds only the records that are new or changed since the export named in "since"; each kind\'s <kind>.changes.json lists them, and the ids of the records removed since. Records not listed are unchanged: they are in that earlier archive.'
          : 'There was no finished complete export to compare with, so this archive holds all the data; the next export of what is new compares with it.',
      }
    : null;
  return {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    job: { id: f.jobId, requestedBy: f.requestedBy, allowPartial: f.allowPartial, createdAt: f.createdAt, startedAt: f.startedAt, finishedAt: f.finishedAt, runs: f.runs },
    person: f.person,
    /** The language every text of this archive is in (processing.json, CSV header rows, INCOMPLETE.txt, access.json); the viewer reads it. */
    language: f.language,
    timeZone: f.timeZone,
    createdAt: f.createdAt,
    finishedAt: f.finishedAt,
    footprint: { version: f.footprintVersion },
    schema: { hash: f.schemaHash, file: 'schema.graphql' },
    complete,
    incremental,
    /** Only these kinds were asked for: "complete" says they were all read, not that the archive holds everything. */
    selection: f.selection ? { kinds: f.selection, explanation: 'Only these kinds of data were asked for; the archive does not hold the others.' } : null,
    totals: { records, portableRecords: f.kinds.reduce((n, k) => n + k.portable, 0), provenance: sumProvenance(f.kinds), files: files.length },
    domains: domains.map((d) => ({
      domain: d.domain,
      status: d.status,
      reason: d.reason,
      records: d.records,
      kinds: d.kinds.map((k) => ({
        kind: k.kind,
        type: k.typename,
        title: f.meta.get(k.kind)?.title ?? k.kind,
        status: k.status,
        records: k.done,
        // An export of what is new expects the new and changed records; a full one, everything the domain counted.
        expected: k.changes ? k.changes.added + k.changes.changed : k.total,
        ...(k.changes ? { changes: { read: k.changes.read, new: k.changes.added, changed: k.changes.changed, removed: k.changes.removed } } : {}),
        files: k.files.map((x) => x.path),
        /** How many files of content (photos, synced files) its records hold; each is listed in `files` at the top. */
        ...(k.contents.length > 0 ? { contentFiles: k.contents.length, contentBytes: k.contents.reduce((n, c) => n + c.size, 0) } : {}),
        /** Which run of the job read it: after a crash, kinds finished before it keep their first run's files. */
        run: k.run,
        ...(k.error ? { error: k.error } : {}),
      })),
    })),
    files,
    csv: CSV_DIALECT,
    verification:
      'Each file listed here has this size in bytes and this SHA-256 of its bytes; data files hold this many records (one JSON record, CSV row, vCard or GeoJSON feature each). Content files (format "content": photos and synced files, at <domain>/files/<sha256>.<ext>) are named by their SHA-256, and the records holding them give it with their path in "content". manifest.json itself is not listed. The archive is complete only if "complete" is true and every domain is COMPLETE.',
  };
}

export type Manifest = ReturnType<typeof buildManifest>;
