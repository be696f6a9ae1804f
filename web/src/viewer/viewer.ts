import { App } from './app.js';
import { ArchiveData, type Rec, type ViewerIndex } from './data.js';

/**
 * The archive viewer's entry, loaded by index.html as a classic script (a
 * module script is refused from file://). It defines `__footprint`, which the
 * data scripts call, and starts the viewer once the page is parsed. Until then
 * the html element's class hides the archive's document, so it does not flash.
 */
declare global {
  interface Window {
    __footprint: { index(i: ViewerIndex): void; page(kind: string, n: number, records: Rec[]): void };
    /** For the tests and the bench: when the first screen was drawn (performance.now()). */
    __footprintReady?: number;
  }
}

document.documentElement.classList.add('viewer-on');
let data: ArchiveData | null = null;
window.__footprint = {
  index: (i) => {
    data = new ArchiveData(i);
  },
  page: (kind, n, records) => data?.receive(kind, n, records),
};

function start(): void {
  const root = document.getElementById('viewer-root');
  if (!root || !data) {
    // No data index (a damaged archive): the archive's own document stays the page.
    document.documentElement.classList.remove('viewer-on');
    return;
  }
  new App(data, root);
  window.__footprintReady = performance.now();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
