import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import yauzl from 'yauzl';
import { z } from 'zod';
import { HEAVY_PERSON } from '@footprint/kit';
import { heavyFederation } from './bench-heavy.js';
import { median, record } from './bench-table.js';
import { mintToken } from './tokens.js';

/**
 * The archive viewer (issue 26 §2) on the heavy person's archive, as a person
 * opens it: exported through the shared heavy federation, unzipped, opened
 * from file:// in Chromium (FOOTPRINT_CHROMIUM, default /usr/bin/chromium).
 * Rows: the first screen (median of VIEWER_RUNS fresh pages; target < 1 s),
 * the JS heap after a search over the whole archive and the location map
 * (both read every page; target < 48 MB, bounded by the viewer's page cache),
 * the search's time, and scrolling 6,000 locations (p95 frame; target < 50 ms).
 */
const VIEWER_RUNS = 5;
const CHROMIUM = process.env.FOOTPRINT_CHROMIUM ?? '/usr/bin/chromium';

const Job = z.object({ state: z.string(), error: z.object({ message: z.string() }).nullable(), archive: z.object({ url: z.string() }).nullable() });

async function unzip(zip: string, into: string): Promise<void> {
  const z_ = await yauzl.openPromise(zip, { lazyEntries: true });
  await new Promise<void>((resolve, reject) => {
    z_.on('error', reject);
    z_.on('end', resolve);
    z_.on('entry', (e: yauzl.Entry) => {
      const to = join(into, e.fileName);
      mkdirSync(dirname(to), { recursive: true });
      z_.openReadStream(e, (err, s) => {
        if (err) return reject(err);
        pipeline(s, createWriteStream(to)).then(() => z_.readEntry(), reject);
      });
    });
    z_.readEntry();
  });
  z_.close();
}

export async function benchViewer(): Promise<void> {
  const h = await heavyFederation();
  const work = mkdtempSync(join(tmpdir(), 'footprint-bench-viewer-'));
  try {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await mintToken(h.jwtSecret, { sub: HEAVY_PERSON })}` };
    const call = async (query: string, variables: Record<string, unknown> = {}) =>
      (await (await fetch(h.fed.gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })).json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
    const requested = await call('mutation { requestExport { id } }');
    if (requested.errors?.length) throw new Error(`requestExport: ${requested.errors[0]!.message}`);
    const id = (requested.data!.requestExport as { id: string }).id;
    let url = '';
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const job = Job.parse((await call('query($id: ID!) { exportJob(jobId: $id) { state error { message } archive { url } } }', { id })).data?.exportJob);
      if (job.state === 'QUEUED' || job.state === 'RUNNING') continue;
      if (job.state !== 'SUCCEEDED' || !job.archive) throw new Error(`export ${job.state}: ${job.error?.message}`);
      url = job.archive.url;
      break;
    }
    const res = await fetch(url, { headers });
    if (!res.ok || !res.body) throw new Error(`download: HTTP ${res.status}`);
    const zip = join(work, 'archive.zip');
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(zip));
    await unzip(zip, join(work, 'archive'));
    const index = pathToFileURL(join(work, 'archive', 'index.html')).href;

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
    try {
      const firsts: number[] = [];
      for (let i = 0; i < VIEWER_RUNS; i++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(index);
        // Page-side code as text: the scripts' TypeScript has no DOM library.
        await page.waitForFunction("typeof window.__footprintReady === 'number'");
        firsts.push(await page.evaluate<number>('window.__footprintReady'));
        await page.close();
      }
      const first = median(firsts);
      console.log(`\nviewer (heavy archive ${HEAVY_PERSON}, file://, Chromium): first screen ${firsts.map((x) => x.toFixed(0)).join(', ')} ms`);
      record({ measure: 'viewer first screen (heavy archive, file://)', figure: `${first.toFixed(0)} ms (median of ${VIEWER_RUNS})`, target: '< 1000 ms', pass: first < 1000 });

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${index}#/k/cloud.location`);
      await page.waitForFunction("document.querySelector('.kind p[aria-live]')?.textContent?.includes('map')", undefined, { timeout: 60_000 });
      // Scrolling the 6,000 locations: 120 frames, 400 px each; the longest frames say whether it stutters.
      const frames = await page.evaluate<number[]>(`new Promise((resolve) => {
        const list = document.querySelector('.vlist');
        const out = [];
        let last = performance.now();
        const step = (n) => {
          list.scrollTop += 400;
          requestAnimationFrame((t) => {
            out.push(t - last);
            last = t;
            if (n > 0) step(n - 1);
            else resolve(out);
          });
        };
        step(120);
      })`);
      const p95 = [...frames].sort((a, b) => a - b)[Math.floor(frames.length * 0.95)]!;
      record({ measure: 'viewer scroll of 6,000 locations (p95 frame)', figure: `${p95.toFixed(1)} ms`, target: '< 50 ms', pass: p95 < 50 });

      const started = Date.now();
      await page.evaluate("location.hash = '#/s/zzzz-not-in-the-archive'");
      await page.waitForSelector('section.search[data-done]', { timeout: 120_000 });
      const searchMs = Date.now() - started;
      record({ measure: 'viewer search over the whole archive (no match: every page read)', figure: `${(searchMs / 1000).toFixed(1)} s`, target: 'reported', pass: null });
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      const mb = usedSize / 1024 / 1024;
      record({ measure: 'viewer JS heap after map + whole-archive search', figure: `${mb.toFixed(1)} MB`, target: '< 48 MB', pass: mb < 48 });
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
