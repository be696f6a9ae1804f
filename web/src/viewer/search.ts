import { idle, type ArchiveData, type Rec, type ViewerKind } from './data.js';
import { h, link } from './dom.js';
import { summarise } from './summary.js';
import type { Texts } from './text.js';
import type { View } from './views.js';

/** Results shown at most: enough to find a record, bounded in memory and in the page. */
export const MAX_RESULTS = 200;

/** The record's text, lower-cased: every string and number in it (nested lists too), not its per-record metadata. */
function haystack(r: Rec): string {
  const parts: string[] = [];
  const walk = (v: unknown, top: boolean, key: string) => {
    if (top && key === 'meta') return;
    if (typeof v === 'string') parts.push(v);
    else if (typeof v === 'number') parts.push(String(v));
    else if (Array.isArray(v)) for (const x of v) walk(x, false, '');
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, false, k);
  };
  for (const [k, v] of Object.entries(r)) walk(v, true, k);
  return parts.join('\n').toLowerCase();
}

/** The text around the first match, so the result shows why it matched. */
function snippet(text: string, at: number, length: number): string {
  const from = Math.max(0, at - 40);
  const to = Math.min(text.length, at + length + 60);
  return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`;
}

/**
 * Search across the whole archive: every kind's pages are loaded one after
 * another (the page cache keeps memory bounded), each scanned and let go,
 * yielding to the page between pages; a progress bar says how far it is.
 */
export function searchView(data: ArchiveData, query: string, tx: Texts): View {
  const q = query.trim().toLowerCase();
  let stop = false;
  const total = data.index.kinds.reduce((n, k) => n + k.records, 0);
  const progress = h('progress', { max: total, value: 0, 'aria-label': tx.t('viewer.search.progress') });
  const status = h('p', { 'aria-live': 'polite' }, tx.t('viewer.search.searching', { query }));
  const results = h('ol', { class: 'results' });
  const el = h('section', { class: 'search', 'aria-labelledby': 'view-title' }, h('h2', { id: 'view-title' }, tx.t('viewer.search.title', { query })), status, progress, results);
  let found = 0;
  let seen = 0;
  const add = (k: ViewerKind, r: Rec, i: number, text: string, at: number) => {
    const s = summarise(k, r, tx);
    results.append(h('li', {}, link(`/r/${k.kind}/${i}`, h('span', { class: 'primary' }, s.primary)), h('span', { class: 'secondary' }, `${tx.kindTitle(k)} · ${snippet(text, at, q.length)}`)));
  };
  void (async () => {
    if (!q) return;
    for (const k of data.index.kinds) {
      if (stop || found >= MAX_RESULTS) break;
      await data.scan(
        k.kind,
        (r, i) => {
          seen += 1;
          const text = haystack(r);
          const at = text.indexOf(q);
          if (at >= 0) {
            found += 1;
            add(k, r, i, text, at);
          }
          return found < MAX_RESULTS;
        },
        () => stop,
      );
      progress.value = seen;
      await idle();
    }
    if (stop) return;
    progress.value = total;
    status.textContent = found >= MAX_RESULTS ? tx.t('viewer.search.many', { count: MAX_RESULTS }) : tx.t('viewer.search.found', { count: found, query });
    el.dataset.done = 'true';
  })();
  return {
    el,
    destroy: () => {
      stop = true;
    },
  };
}
