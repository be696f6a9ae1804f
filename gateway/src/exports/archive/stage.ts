import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RESIDENCE_SOURCE, type KindMeta } from '@footprint/schema';
import type { ProvenanceCounts, StagedFile } from '../store.js';
import { hasPosition, valueAt, type Column } from './columns.js';
import { CSV_BOM, csvHeader, csvRow } from './csv.js';
import { emptyProvenance, isPortable, provenanceOf } from './provenance.js';
import { contactToVCard } from './vcard.js';
import { ViewerPages } from './viewer-data.js';
import { contentFieldOf, contentOf, contentPath, stageContent, type StagedContent } from './content.js';
import type { ContentFetcher } from '../content.js';

/** What the archive writes for one kind. */
export interface KindSpec {
  /** Inventory kind, e.g. cloud.contact. */
  kind: string;
  domain: string;
  /** File name stem inside the domain folder, e.g. contact. */
  stem: string;
  typename: string;
  meta: KindMeta | undefined;
  columns: Column[];
}

export const kindStem = (kind: string, domain: string) => (kind.startsWith(`${domain}.`) ? kind.slice(domain.length + 1) : kind).replace(/[^\w.-]/g, '_');

/**
 * One file being staged: appended to page by page, hashed and counted as it
 * is written, fsynced when closed. Memory holds one page of text. (Also the
 * change list of an export of what is new, incremental/changes-file.ts.)
 */
export class StagedWriter {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private closed = false;
  records = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly absPath: string,
    private readonly path: string,
    private readonly format: StagedFile['format'],
    private readonly mediaType: string,
  ) {}

  static async open(root: string, path: string, format: StagedFile['format'], mediaType: string): Promise<StagedWriter> {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    return new StagedWriter(await open(abs, 'w'), abs, path, format, mediaType);
  }

  async write(text: string): Promise<void> {
    if (text.length === 0) return;
    const buf = Buffer.from(text, 'utf8');
    this.hash.update(buf);
    this.size += buf.length;
    // A nearly full disk can take part of a write without an error: write the rest, so that the next call fails (ENOSPC).
    for (let at = 0; at < buf.length; ) at += (await this.fh.write(buf, at)).bytesWritten;
  }

  /** `sync: false` for files a resumed run re-hashes anyway before it keeps them (viewer pages: many small files). */
  async close(sync = true): Promise<StagedFile> {
    try {
      if (sync) await this.fh.sync();
    } finally {
      // Closed whether or not the sync succeeded: a failed job deletes the file, and an open descriptor would keep its space.
      this.closed = true;
      await this.fh.close();
    }
    return { path: this.path, format: this.format, mediaType: this.mediaType, size: this.size, sha256: this.hash.digest('hex'), records: this.records };
  }

  async discard(): Promise<void> {
    if (!this.closed) await this.fh.close().catch(() => undefined);
    this.closed = true;
    await rm(this.absPath, { force: true });
  }
}

export interface KindResult {
  files: StagedFile[];
  /** The records' file content (photos, synced files), each distinct file once. */
  contents: StagedContent[];
  records: number;
  provenance: ProvenanceCounts;
  portable: number;
  regions: string[];
  sources: string[];
  origins: { name: string; records: number }[];
  /** The kind that says where the person lives (RESIDENCE_SOURCE): the country and data region of its latest record. */
  residence: { country: string | null; region: string | null } | null;
}

/** Distinct origins kept per kind; more are counted under one "others" entry (a bounded document whatever the data). */
const MAX_ORIGINS = 50;
const OTHER_ORIGINS = '(others)';

/**
 * Writes one kind's files — JSON (typed records), CSV, and vCard or GeoJSON
 * where a standard format exists — into the job's staging folder, from the
 * pages the traversal hands over. Each record gains `provenance` and
 * `portable` (see provenance.ts).
 */
export class KindWriter {
  private json!: StagedWriter;
  private csv!: StagedWriter;
  private vcard: StagedWriter | null = null;
  private geojson: StagedWriter | null = null;
  private viewer!: ViewerPages;
  private records = 0;
  private portable = 0;
  private readonly provenance = emptyProvenance();
  private readonly regions = new Set<string>();
  private readonly sources = new Set<string>();
  private readonly origins = new Map<string, number>();
  /** The field of the kind's records that holds file content, or null (archive/content.ts). */
  private readonly contentField: string | null;
  private readonly contents = new Map<string, StagedContent>();
  private residence: KindResult['residence'] = null;

  private constructor(
    private readonly spec: KindSpec,
    private readonly root: string,
    private readonly fetchContent: ContentFetcher | null,
  ) {
    this.contentField = contentFieldOf(spec.columns);
  }

  /**
   * `fetchContent` reads a record's file content (photos, synced files) for a kind that has some; without it such a kind cannot be written.
   * `header`: the CSV header row's labels, one per column, in the archive's language (default: the columns' names).
   */
  static async open(spec: KindSpec, root: string, fetchContent: ContentFetcher | null = null, header?: string[]): Promise<KindWriter> {
    const w = new KindWriter(spec, root, fetchContent);
    if (w.contentField && !fetchContent) throw new Error(`${spec.kind} has file content, and the writer was given no way to read it`);
    const base = `${spec.domain}/${spec.stem}`;
    try {
      w.json = await StagedWriter.open(root, `${base}.json`, 'json', 'application/json');
      w.csv = await StagedWriter.open(root, `${base}.csv`, 'csv', 'text/csv; charset=utf-8; header=present');
      // The owning domain declares it: @personalData(format: VCARD).
      if (spec.meta?.format === 'VCARD') w.vcard = await StagedWriter.open(root, `${base}.vcf`, 'vcard', 'text/vcard; charset=utf-8');
      w.viewer = new ViewerPages(root, spec);
      if (hasPosition(spec.columns)) w.geojson = await StagedWriter.open(root, `${base}.geojson`, 'geojson', 'application/geo+json');
      const head = { kind: spec.kind, domain: spec.domain, type: spec.typename, title: spec.meta?.title ?? spec.kind };
      await w.json.write(`${JSON.stringify(head).slice(0, -1)},"records":[`);
      await w.csv.write(CSV_BOM + csvHeader(spec.columns, header));
      await w.geojson?.write(`{"type":"FeatureCollection","name":${JSON.stringify(spec.kind)},"features":[`);
      return w;
    } catch (err) {
      // A full disk can fail any of these: the files opened so far are closed and deleted before the error goes up.
      await w.discard();
      throw err;
    }
  }

  async page(records: Record<string, unknown>[]): Promise<void> {
    // The files first: a record is written only once its content is staged and checked.
    if (this.contentField) await this.stageContents(records, this.contentField);
    let json = '';
    let csv = '';
    let vcf = '';
    let geo = '';
    for (const r of records) {
      const meta = (r.meta ?? null) as { source?: string; legalBasis?: string; region?: string } | null;
      const source = meta?.source ?? this.spec.meta?.source;
      const provenance = provenanceOf(source);
      const portable = isPortable(provenance, meta?.legalBasis ?? this.spec.meta?.legalBasis);
      const { meta: _meta, ...fields } = r;
      const record: Record<string, unknown> = { id: r.id, provenance, portable, ...fields, meta: r.meta };
      this.provenance[provenance] += 1;
      if (portable) this.portable += 1;
      if (meta?.region) this.regions.add(meta.region);
      if (source) this.sources.add(source);
      if (this.spec.kind === RESIDENCE_SOURCE.kind) this.noteResidence(r, meta?.region ?? null);
      if (source === 'THIRD_PARTY') this.countOrigin(this.spec.meta?.origin ? valueAt(r, this.spec.meta.origin.split('.')) : null);
      const line = JSON.stringify(record);
      json += `${this.records === 0 ? '\n' : ',\n'}${line}`;
      this.viewer.add(line);
      csv += csvRow(record, this.spec.columns);
      if (this.vcard) {
        vcf += contactToVCard(record);
        this.vcard.records += 1;
      }
      if (this.geojson && typeof r.latitude === 'number' && typeof r.longitude === 'number') {
        const { latitude, longitude, ...properties } = record;
        const feature = { type: 'Feature', id: r.id, geometry: { type: 'Point', coordinates: [longitude, latitude] }, properties };
        geo += `${this.geojson.records === 0 ? '\n' : ',\n'}${JSON.stringify(feature)}`;
        this.geojson.records += 1;
      }
      this.records += 1;
    }
    this.json.records = this.records;
    this.csv.records = this.records;
    await this.json.write(json);
    await this.csv.write(csv);
    await this.vcard?.write(vcf);
    await this.geojson?.write(geo);
    await this.viewer.flushFull();
  }

  /**
   * Stages the content of a page's records that is not staged yet (a few at a
   * time, each streamed to disk and checked against the SHA-256 and size its
   * record names), and adds to each record's content the `path` it has in the
   * archive, so its JSON links the file.
   */
  private async stageContents(records: Record<string, unknown>[], field: string): Promise<void> {
    const todo = new Map<string, { recordId: string; sha256: string; bytes: number; mimeType: string; path: string }>();
    for (const r of records) {
      const c = contentOf(r, field);
      if (!c) continue;
      const path = contentPath(this.spec.domain, c.sha256, c.mimeType);
      r[field] = { ...c, path };
      if (!this.contents.has(path) && !todo.has(path)) todo.set(path, { recordId: String(r.id), ...c, path });
    }
    const queue = [...todo.values()];
    const staged = new Map<string, StagedContent>();
    let stopped = false;
    const lane = async () => {
      for (let item = queue.shift(); item; item = stopped ? undefined : queue.shift()) {
        try {
          const got = await this.fetchContent!(item.recordId);
          staged.set(item.path, { ...(await stageContent(this.root, item.path, item, got.body)), mediaType: item.mimeType });
        } catch (err) {
          stopped = true;
          throw err;
        }
      }
    };
    // A few files at once: each is small and most of its time is the round trip; memory holds a chunk per lane.
    // Every lane has stopped before a failure goes up, so nothing is written after the kind is discarded.
    const failed = (await Promise.allSettled(Array.from({ length: Math.min(CONTENT_LANES, queue.length) }, lane))).find((r) => r.status === 'rejected');
    // A page that failed adds none of its files (left in the staging folder, which goes with the job, never in the ZIP).
    if (failed) throw failed.reason;
    // In the records' order, whichever lane finished first: the same archive every time.
    for (const path of todo.keys()) this.contents.set(path, staged.get(path)!);
  }

  /** Where the person lives, from the residence kind's records: the one valid from the latest `since` (or the last read). */
  private noteResidence(r: Record<string, unknown>, region: string | null): void {
    const country = valueAt(r, [RESIDENCE_SOURCE.field]);
    const since = typeof r.since === 'string' ? r.since : '';
    const prev = this.residenceSince;
    if (this.residence && prev > since) return;
    this.residenceSince = since;
    this.residence = { country: typeof country === 'string' ? country : null, region };
  }

  private residenceSince = '';

  /** Art. 15(1)(g): names who a record received from a third party came from, when its kind says which field tells. */
  private countOrigin(value: unknown): void {
    const name = typeof value === 'string' && value.trim() ? value.trim().slice(0, 200) : '(not recorded)';
    const key = this.origins.has(name) || this.origins.size < MAX_ORIGINS ? name : OTHER_ORIGINS;
    this.origins.set(key, (this.origins.get(key) ?? 0) + 1);
  }

  /** Closes the files (fsynced). `complete` is false for a kind whose domain failed part-way. */
  async finish(complete: boolean): Promise<KindResult> {
    await this.json.write(`\n],"count":${this.records},"complete":${complete}}\n`);
    await this.geojson?.write('\n]}\n');
    const files = [await this.json.close(), await this.csv.close()];
    if (this.vcard) files.push(await this.vcard.close());
    if (this.geojson) files.push(await this.geojson.close());
    files.push(...(await this.viewer.finish()));
    return {
      files,
      contents: [...this.contents.values()],
      records: this.records,
      provenance: { ...this.provenance },
      portable: this.portable,
      regions: [...this.regions].sort(),
      sources: [...this.sources].sort(),
      origins: [...this.origins].map(([name, records]) => ({ name, records })).sort((a, b) => b.records - a.records || a.name.localeCompare(b.name)),
      residence: this.residence,
    };
  }

  /** finish, or (when it fails: a full disk) every file closed and deleted before the error goes up. */
  async finishOrDiscard(complete: boolean): Promise<KindResult> {
    try {
      return await this.finish(complete);
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  async discard(): Promise<void> {
    for (const w of [this.json, this.csv, this.vcard, this.geojson]) await w?.discard();
    await this.viewer?.discard();
    // Another kind may have staged the same file (content addressing): it keeps its copy only if it names it again.
    for (const c of this.contents.values()) await rm(join(this.root, c.path), { force: true });
  }
}

/** Content files fetched at once per kind. */
const CONTENT_LANES = 4;

/** Whether a staged file is still what its checkpoint says (size and sha256); a resumed run re-reads the kind if not. */
export async function verifyStaged(root: string, f: Pick<StagedFile, 'path' | 'size' | 'sha256'>): Promise<boolean> {
  const abs = join(root, f.path);
  try {
    if ((await stat(abs)).size !== f.size) return false;
  } catch {
    return false;
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex') === f.sha256;
}
