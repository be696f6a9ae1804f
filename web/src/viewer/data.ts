/**
 * The archive's data as the viewer reads it from file://: Chromium refuses
 * fetch() of file:// URLs, so the export writes each kind's records as pages
 * of script (`__footprint.page(kind, n, records)`) and one index script
 * (`__footprint.index({...})`). A page is loaded by adding a <script> for it;
 * at most MAX_PAGES pages are kept (least recently used go first), so memory
 * stays bounded whatever the archive holds.
 */

export type Rec = Record<string, unknown> & { id: string };

export interface Coded {
  code: string;
  description: string;
}

/** What gateway/src/exports/archive/viewer-data.ts writes (viewerIndex). */
export interface ViewerKind {
  kind: string;
  domain: string;
  title: string;
  status: string;
  records: number;
  pages: { path: string; records: number }[];
  fields: [string, string][];
  files: { path: string; format: string }[];
  processing: {
    category: Coded;
    purposes: Coded[];
    legalBasis: Coded;
    retention: Coded;
    sources: Coded[];
    recipients: Coded[];
    regions: Coded[];
    policySection: string;
    correctable: boolean;
    correctionNote: string | null;
    sensitive: boolean;
    erasure: { action: string; fields: string[]; note: string | null; retainFor: string | null; retainFrom: string | null };
  };
}

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

const MAX_PAGES = 24;

export class ArchiveData {
  readonly byKind: Map<string, ViewerKind>;
  private readonly cache = new Map<string, Rec[]>();
  private readonly waiting = new Map<string, { resolve: (r: Rec[]) => void; reject: (e: Error) => void; promise: Promise<Rec[]> }>();

  constructor(readonly index: ViewerIndex) {
    this.byKind = new Map(index.kinds.map((k) => [k.kind, k]));
  }

  /** Called by a page script as it runs. */
  receive(kind: string, n: number, records: Rec[]): void {
    const key = `${kind}\u0000${n}`;
    this.remember(key, records);
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w.resolve(records);
    }
  }

  private remember(key: string, records: Rec[]): void {
    this.cache.delete(key);
    this.cache.set(key, records);
    while (this.cache.size > MAX_PAGES) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** A page already in memory (and marked as just used), or undefined. */
  cached(kind: string, n: number): Rec[] | undefined {
    const key = `${kind}\u0000${n}`;
    const hit = this.cache.get(key);
    if (hit) this.remember(key, hit);
    return hit;
  }

  page(kind: string, n: number): Promise<Rec[]> {
    const hit = this.cached(kind, n);
    if (hit) return Promise.resolve(hit);
    const key = `${kind}\u0000${n}`;
    const pending = this.waiting.get(key);
    if (pending) return pending.promise;
    const k = this.byKind.get(kind);
    const file = k?.pages[n];
    if (!file) return Promise.resolve([]);
    let resolve!: (r: Rec[]) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Rec[]>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.set(key, { resolve, reject, promise });
    const script = document.createElement('script');
    script.src = file.path;
    script.onload = () => script.remove();
    script.onerror = () => {
      script.remove();
      this.waiting.delete(key);
      reject(new Error(file.path));
    };
    document.head.append(script);
    return promise;
  }

  /** Where record `i` of a kind is: its page and its place in the page (every page but the last is full). */
  locate(_kind: string, i: number): { page: number; at: number } {
    const size = this.index.pageSize;
    return { page: Math.floor(i / size), at: i % size };
  }

  async record(kind: string, i: number): Promise<Rec | undefined> {
    const { page, at } = this.locate(kind, i);
    return (await this.page(kind, page))[at];
  }

  /**
   * Every record of a kind, page by page, yielding to the page between pages
   * (so the viewer stays responsive) until `visit` returns false.
   */
  async scan(kind: string, visit: (r: Rec, i: number) => unknown, stopped: () => boolean = () => false): Promise<void> {
    const k = this.byKind.get(kind);
    if (!k) return;
    for (let p = 0; p < k.pages.length; p++) {
      if (stopped()) return;
      const recs = await this.page(kind, p);
      for (let j = 0; j < recs.length; j++) if (visit(recs[j]!, p * this.index.pageSize + j) === false) return;
      await idle();
    }
  }
}

export const idle = () => new Promise<void>((r) => setTimeout(r, 0));

/** The value at a dot path of a record. */
export function valueAt(r: Record<string, unknown>, path: string): unknown {
  let v: unknown = r;
  for (const p of path.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  return v ?? null;
}
