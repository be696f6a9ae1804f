import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { StagedFile } from '../store.js';
import type { ArchiveFacts } from './manifest.js';
import type { Processing } from './processing.js';
import { StagedWriter, type KindSpec } from './stage.js';

/**
 * Data for the archive's offline viewer (web/src/viewer). Opened from file://,
 * a page may not fetch() or XHR the archive's own files (Chromium refuses
 * file:// requests), but it may load scripts beside it: so each kind's records
 * are also written as bounded pages of script, `viewer/data/<domain>/<stem>/<n>.js`,
 * each calling `__footprint.page(kind, n, records)`, and one small
 * `viewer/data/index.js` says which kinds and pages there are. The viewer loads
 * a page when it shows it, never the whole archive.
 */

/** Records per page file: a page parses in a few milliseconds and the viewer keeps only a few in memory. */
export const VIEWER_PAGE_RECORDS = 500;
export const VIEWER_MEDIA_TYPE = 'text/javascript; charset=utf-8';
/** The time zone dates are shown in when the request named none (this policy's people live in Azerbaijan). */
export const VIEWER_DEFAULT_TIME_ZONE = 'Asia/Baku';

const pageDir = (spec: Pick<KindSpec, 'domain' | 'stem'>) => `viewer/data/${spec.domain}/${spec.stem}`;

/**
 * Writes one kind's viewer pages as its records go by. It is handed the JSON
 * text the JSON file is written with (no second serialisation: a record's
 * JSON is a JavaScript literal), keeps at most one page of it, and writes a
 * page as soon as it is full: memory stays flat whatever the person holds.
 */
export class ViewerPages {
  private lines: string[] = [];
  private readonly files: StagedFile[] = [];
  private current: StagedWriter | null = null;

  constructor(
    private readonly root: string,
    private readonly spec: Pick<KindSpec, 'kind' | 'domain' | 'stem'>,
  ) {}

  add(recordJson: string): void {
    this.lines.push(recordJson);
  }

  /** Writes every full page held. */
  async flushFull(): Promise<void> {
    while (this.lines.length >= VIEWER_PAGE_RECORDS) await this.writePage(this.lines.splice(0, VIEWER_PAGE_RECORDS));
  }

  private async writePage(lines: string[]): Promise<void> {
    const n = this.files.length;
    const w = await StagedWriter.open(this.root, `${pageDir(this.spec)}/${n}.js`, 'viewer', VIEWER_MEDIA_TYPE);
    this.current = w;
    w.records = lines.length;
    await w.write(`__footprint.page(${JSON.stringify(this.spec.kind)},${n},[\n${lines.join(',\n')}\n]);\n`);
    // Not fsynced one by one: a resumed run re-hashes every staged file against its checkpoint before keeping a kind.
    this.files.push(await w.close(false));
    this.current = null;
  }

  /** The last (partial) page, then every page's file. */
  async finish(): Promise<StagedFile[]> {
    await this.flushFull();
    if (this.lines.length > 0) await this.writePage(this.lines.splice(0));
    return [...this.files];
  }

  async discard(): Promise<void> {
    this.lines = [];
    await this.current?.discard();
    await rm(join(this.root, pageDir(this.spec)), { recursive: true, force: true });
  }
}

/** What viewer/data/index.js hands the viewer: enough to draw the first screen and to find any record's page. */
export interface ViewerIndex {
  person: string;
  language: string;
  timeZone: string;
  finishedAt: string;
  complete: boolean;
  pageSize: number;
  domains: string[];
  kinds: ViewerKind[];
}

export interface ViewerKind {
  kind: string;
  domain: string;
  title: string;
  status: string;
  records: number;
  /** Page files in order, with their record counts. */
  pages: { path: string; records: number }[];
  /** The kind's fields as dot paths with their GraphQL type (DateTime, Float, enums …), in the CSV's order. */
  fields: [string, string][];
  /** The machine files of the kind (JSON, CSV, vCard, GeoJSON), to link to. */
  files: { path: string; format: string }[];
  processing: Pick<
    Processing['kinds'][number],
    'category' | 'purposes' | 'legalBasis' | 'retention' | 'sources' | 'recipients' | 'regions' | 'policySection' | 'correctable' | 'correctionNote' | 'sensitive'
  > & { erasure: { action: string; fields: string[]; note: string | null; retainFor: string | null; retainFrom: string | null } };
}

/** The archive's language and time zone, once the request carries them (an older job has neither). */
export function archiveLocale(facts: ArchiveFacts): { language: string; timeZone: string } {
  const language: unknown = Reflect.get(facts, 'language');
  const timeZone: unknown = Reflect.get(facts, 'timeZone');
  return {
    language: typeof language === 'string' && language ? language : 'en',
    timeZone: typeof timeZone === 'string' && timeZone ? timeZone : VIEWER_DEFAULT_TIME_ZONE,
  };
}

export function viewerIndex(facts: ArchiveFacts, processing: Processing): ViewerIndex {
  const byKind = new Map(processing.kinds.map((k) => [k.kind, k]));
  const kinds: ViewerKind[] = facts.kinds.map((k) => {
    const p = byKind.get(k.kind);
    return {
      kind: k.kind,
      domain: k.domain,
      title: facts.meta.get(k.kind)?.title ?? k.kind,
      status: k.status,
      records: k.done,
      pages: k.files.filter((f) => f.format === 'viewer').map((f) => ({ path: f.path, records: f.records })),
      fields: (facts.columns.get(k.kind) ?? []).map((c) => [c.name, c.type]),
      files: k.files.filter((f) => f.format !== 'viewer').map((f) => ({ path: f.path, format: f.format })),
      processing: p
        ? {
            category: p.category,
            purposes: p.purposes,
            legalBasis: p.legalBasis,
            retention: p.retention,
            sources: p.sources,
            recipients: p.recipients,
            regions: p.regions,
            policySection: p.policySection,
            correctable: p.correctable,
            correctionNote: p.correctionNote,
            sensitive: p.sensitive,
            erasure: { action: p.erasure.action, fields: p.erasure.fields, note: p.erasure.note, retainFor: p.erasure.retainFor, retainFrom: p.erasure.retainFrom },
          }
        : {
            category: { code: '', description: '' },
            purposes: [],
            legalBasis: { code: '', description: '' },
            retention: { code: '', description: '' },
            sources: [],
            recipients: [],
            regions: [],
            policySection: '',
            correctable: false,
            correctionNote: null,
            sensitive: false,
            erasure: { action: 'DELETE', fields: [], note: null, retainFor: null, retainFrom: null },
          },
    };
  });
  const complete = facts.kinds.every((k) => k.status === 'COMPLETE');
  return { person: facts.person, ...archiveLocale(facts), finishedAt: facts.finishedAt, complete, pageSize: VIEWER_PAGE_RECORDS, domains: facts.domains, kinds };
}

/** viewer/data/index.js: one call, so that it loads as a script from file:// like the pages. */
export const viewerIndexScript = (index: ViewerIndex) => `__footprint.index(${JSON.stringify(index)});\n`;
