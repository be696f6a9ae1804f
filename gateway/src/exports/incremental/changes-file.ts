import { StagedWriter } from '../archive/stage.js';
import type { StagedFile } from '../store.js';
import type { Change } from './fingerprints.js';

/**
 * `<domain>/<kind>.changes.json` of an export of what is new: which records
 * of the kind are NEW or CHANGED since the baseline export (their data is in
 * the kind's own files) and which were REMOVED since (only their ids: the
 * data is gone). Streamed as the kind is read, like the kind's own files.
 */
export class ChangesFile {
  private entries = 0;
  readonly counts = { added: 0, changed: 0, removed: 0 };

  private constructor(private readonly out: StagedWriter) {}

  static async open(root: string, spec: { kind: string; domain: string; stem: string }, since: { jobId: string; finishedAt: string | null }): Promise<ChangesFile> {
    const out = await StagedWriter.open(root, `${spec.domain}/${spec.stem}.changes.json`, 'json', 'application/json');
    await out.write(`${JSON.stringify({ kind: spec.kind, domain: spec.domain, since }).slice(0, -1)},"changes":[`);
    return new ChangesFile(out);
  }

  private async add(items: { id: string; change: Change | 'REMOVED' }[]): Promise<void> {
    let text = '';
    for (const item of items) {
      text += `${this.entries === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`;
      this.entries += 1;
    }
    this.out.records = this.entries;
    await this.out.write(text);
  }

  async page(items: { record: Record<string, unknown>; change: Change }[]): Promise<void> {
    for (const i of items) this.counts[i.change === 'NEW' ? 'added' : 'changed'] += 1;
    await this.add(items.map((i) => ({ id: String(i.record.id), change: i.change })));
  }

  async removed(ids: string[]): Promise<void> {
    this.counts.removed += ids.length;
    await this.add(ids.map((id) => ({ id, change: 'REMOVED' as const })));
  }

  /** `removedListed`: false when the kind was not read whole, so what was removed is not known. */
  async finish(removedListed: boolean): Promise<StagedFile> {
    await this.out.write(`\n],"counts":${JSON.stringify({ new: this.counts.added, changed: this.counts.changed, removed: this.counts.removed })},"removedListed":${removedListed}}\n`);
    return this.out.close();
  }

  discard(): Promise<void> {
    return this.out.discard();
  }
}
