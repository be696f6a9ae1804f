import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTranslator, type MessageKey } from '@footprint/i18n';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, subjectToken } from './support/client.js';
import { download, readZip, requestExport, waitForJob } from './support/exports.js';
import { CHROMIUM, requires } from './support/requires.js';

/**
 * The archive's offline viewer (web/src/viewer) on the heavy person's archive
 * (10000099, 50,000+ records), made through the real gateway, unzipped and
 * opened from file:// in Chromium with every non-file request refused:
 * the first screen, navigation to messages, orders, locations, photos, posts
 * and contacts, search across the archive, no horizontal overflow at 1280 and
 * 390 px, axe-core, and the JS heap after heavy use.
 */

const url = inject('gatewayUrl');
const browserPart = await requires('chromium');
const work = mkdtempSync(join(tmpdir(), 'footprint-archive-viewer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const PERSON = '10000099';
/** When set, the test writes its screenshots there (the README's are made with docs/screenshots). */
const SHOTS = process.env.FOOTPRINT_VIEWER_SCREENSHOTS;
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type Rec = Record<string, unknown> & { id: string };
let dir: string;
let index: string;
let manifest: { language?: string; domains: { kinds: { kind: string; records: number; files: string[] }[] }[] };
const recordsOf = (kind: string): Rec[] => {
  const file = manifest.domains.flatMap((d) => d.kinds).find((k) => k.kind === kind)!.files.find((f) => f.endsWith('.json'))!;
  return (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { records: Rec[] }).records;
};
/** A few records spread over the kind (first, middle, last), with their index. */
const sample = (records: Rec[]) => [0, Math.floor(records.length / 2), records.length - 1].map((i) => ({ i, r: records[i]! }));

beforeAll(async () => {
  const headers = bearer(await subjectToken(PERSON));
  const requested = await requestExport(url, headers);
  expect(requested.errors, JSON.stringify(requested.errors)).toBeUndefined();
  const job = await waitForJob(url, headers, requested.data!.requestExport.id, undefined, 280_000);
  expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
  const zip = join(work, 'archive.zip');
  expect((await download(job.archive!.url, headers, zip)).status).toBe(200);
  dir = join(work, 'archive');
  for (const [name, body] of await readZip(zip)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  index = pathToFileURL(join(dir, 'index.html')).href;
  manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
}, 300_000);

describe.skipIf(browserPart.skip)('the archive viewer, offline, on the heavy archive', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const outside: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--enable-precise-memory-info'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Nothing but the archive's own files: every other request fails, and is recorded.
    await context.route(
      (u) => u.protocol !== 'file:',
      (route) => {
        outside.push(route.request().url());
        return route.abort();
      },
    );
    context.on('request', (r) => {
      if (!r.url().startsWith('file:')) outside.push(r.url());
    });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh document each time (going to the same file with another hash would only change the hash). */
  const open = async (hash = '') => {
    await page.goto('about:blank');
    await page.goto(`${index}${hash}`);
    await page.waitForFunction("typeof window.__footprintReady === 'number'");
  };
  // Page-side code is given as text: this project's test TypeScript has no DOM library.
  const go = async (hash: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  };
  /** The archive's own formats: dates as the viewer shows them (the archive's language, Asia/Baku by default). */
  const dateTime = (iso: unknown) => new Intl.DateTimeFormat('en', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Asia/Baku' }).format(new Date(String(iso)));

  it('draws the first screen from file:// with every kind and its count, and fetches nothing from elsewhere', async () => {
    const started = Date.now();
    await open();
    const ready = await page.evaluate<number>('window.__footprintReady');
    console.log(`viewer first screen: ${ready.toFixed(0)} ms after navigation start (${Date.now() - started} ms wall, heavy archive)`);
    await expect.poll(() => page.locator('#vmain h2').first().textContent()).toBe('All your data');
    for (const k of manifest.domains.flatMap((d) => d.kinds)) {
      const card = page.locator(`.kinds a[href="#/k/${k.kind}"]`);
      expect(await card.count(), k.kind).toBe(1);
      expect(await card.textContent(), k.kind).toContain(`${k.records.toLocaleString('en')} record`);
    }
    // The archive's own document (files, processing, rights) is one click away.
    await page.click('.vhead nav a[href="#/about"]');
    await expect.poll(() => page.locator('.archive-doc #contents').count()).toBe(1);
    expect(await page.locator('.archive-doc #processing details.domain').count()).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it('shows orders with their items and totals, and links an order to its deliveries and back', async () => {
    const orders = recordsOf('orders.order');
    const deliveries = recordsOf('orders.delivery');
    await open('#/k/orders.order');
    const first = page.locator('.vlist a[href="#/r/orders.order/0"]');
    await expect.poll(() => first.textContent()).toContain(String(orders[0]!.orderNumber));
    for (const { i, r } of sample(orders)) {
      await go(`#/r/orders.order/${i}`);
      await expect.poll(() => page.locator('article.record h2').textContent()).toBe(String(r.orderNumber));
      const items = r.items as { name: string }[];
      const table = (await page.locator('table.items').textContent()) ?? '';
      for (const it of items) expect(table).toContain(it.name);
      const total = new Intl.NumberFormat('en', { style: 'currency', currency: String(r.currency), currencyDisplay: 'code' }).format(Number(r.total));
      expect(await page.locator('table.items tr.total').textContent()).toContain(total);
      const mine = deliveries.map((d, j) => ({ d, j })).filter(({ d }) => d.orderNumber === r.orderNumber);
      await expect.poll(() => page.locator('section.related h3').first().textContent()).toBe('Deliveries of this order');
      for (const { j } of mine) await expect.poll(() => page.locator(`section.related a[href="#/r/orders.delivery/${j}"]`).count()).toBe(1);
      if (mine.length) {
        await page.click(`section.related a[href="#/r/orders.delivery/${mine[0]!.j}"]`);
        await expect.poll(() => page.locator(`section.related a[href="#/r/orders.order/${i}"]`).count()).toBe(1);
      }
    }
  });

  it('shows messages as conversations, and a conversation as its messages', async () => {
    const messages = recordsOf('messaging.message');
    await open('#/k/messaging.message');
    const conv = page.locator('.vlist a[href^="#/c/"]').first();
    await conv.waitFor();
    const href = (await conv.getAttribute('href'))!;
    const id = decodeURIComponent(href.slice('#/c/'.length));
    const thread = messages.map((m, i) => ({ m, i })).filter(({ m }) => m.conversationId === id);
    expect(thread.length).toBeGreaterThan(0);
    await conv.click();
    await expect.poll(() => page.locator('section.conversation p[aria-live]').textContent()).toBe(`${thread.length.toLocaleString('en')} message${thread.length === 1 ? '' : 's'} in this conversation`);
    const firstBubble = page.locator(`.thread a[href="#/r/messaging.message/${thread[0]!.i}"]`);
    await expect.poll(() => firstBubble.textContent()).toContain(String(thread[0]!.m.body).slice(0, 30));
  });

  it('shows locations on a map drawn offline and as a timeline in the person\'s time zone, linked to their device', async () => {
    const locations = recordsOf('cloud.location');
    await open('#/k/cloud.location');
    await expect.poll(() => page.locator('.kind p[aria-live]').textContent(), { timeout: 30_000 }).toBe(`${locations.length.toLocaleString('en')} places on the map. Choose a point to open its record.`);
    expect(await page.locator('figure.map canvas').count()).toBe(1);
    await expect.poll(() => page.locator('.vlist a[href="#/r/cloud.location/0"]').textContent()).toContain(dateTime(locations[0]!.at));
    for (const { i, r } of sample(locations)) {
      await go(`#/r/cloud.location/${i}`);
      await expect.poll(() => page.locator('article.record h2').textContent()).toBe(dateTime(r.at));
      await expect.poll(() => page.locator('section.related h3').first().textContent()).toBe('The device');
      expect((r.device as { id?: string } | null)?.id).toBeTruthy();
      await expect.poll(() => page.locator('section.related a[href^="#/r/cloud.device/"]').count()).toBe(1);
    }
  });

  it('shows photos as a grid (a placeholder where the archive has no picture), posts and contacts as cards', async () => {
    for (const [kind, field] of [
      ['cloud.gallery_item', null],
      ['community.post', 'title'],
      ['cloud.contact', 'displayName'],
    ] as const) {
      const records = recordsOf(kind);
      if (records.length === 0) continue;
      await open(`#/k/${kind}`);
      const cell = page.locator(`.vlist a[href="#/r/${kind}/0"]`);
      await cell.waitFor();
      if (field) await expect.poll(() => cell.textContent(), { message: kind }).toContain(String(records[0]![field]));
      else expect(await cell.locator('.photo').count()).toBe(1);
      for (const { i, r } of field ? sample(records) : []) {
        await go(`#/r/${kind}/${i}`);
        await expect.poll(() => page.locator('article.record h2').textContent(), { message: kind }).toBe(String(r[field!]));
      }
    }
  });

  it('finds sampled message bodies, order numbers, post titles, contact names and location times by searching the whole archive', async () => {
    // Each query with every record of its kind that holds the value (seeded message bodies repeat): a result must link to one of them.
    const queries: { kind: string; at: number[]; q: string }[] = [];
    const pick = (kind: string, field: string, n = 1) => {
      const rs = recordsOf(kind);
      for (const { r } of sample(rs).slice(0, n)) {
        if (typeof r[field] !== 'string' || !r[field]) continue;
        queries.push({ kind, q: String(r[field]), at: rs.flatMap((x, j) => (x[field] === r[field] ? [j] : [])) });
      }
    };
    pick('messaging.message', 'body', 2);
    pick('orders.order', 'orderNumber', 2);
    pick('community.post', 'title');
    pick('cloud.contact', 'displayName');
    pick('cloud.location', 'at');
    expect(queries.length).toBeGreaterThanOrEqual(6);
    await open();
    for (const { kind, at, q } of queries) {
      const started = Date.now();
      await page.fill('#vsearch', q);
      await page.click('form[role=search] button');
      // This query's search, finished: the previous one's section may still be in the page for a moment.
      await page.locator('section.search[data-done] h2', { hasText: q }).waitFor({ timeout: 60_000 });
      const links = await page.locator('.results a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(links.filter((l) => at.some((i) => l === `#/r/${kind}/${i}`)).length, `${kind} ${q}`).toBeGreaterThan(0);
      console.log(`viewer search ${kind} (${q.length} chars): ${Date.now() - started} ms`);
    }
    await page.locator(`.results a`).first().click();
    await page.locator('article.record h2').waitFor();
    expect(outside).toEqual([]);
  });

  it('keeps the JS heap bounded after reading the whole archive (search and the location map load every page)', async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const archiveBytes = manifest.domains.flatMap((d) => d.kinds).length;
    console.log(`viewer JS heap after search and map over the heavy archive: ${(usedSize / 1024 / 1024).toFixed(1)} MB (${archiveBytes} kinds)`);
    // The page cache keeps 24 pages of 500 records: the heap must stay far below the archive's 50+ MB of JSON.
    expect(usedSize).toBeLessThan(48 * 1024 * 1024);
  });

  for (const width of [1280, 390]) {
    it(`has no horizontal overflow at ${width} px, and axe finds no serious or critical violation`, async () => {
      await page.setViewportSize({ width, height: 900 });
      const views = ['', '#/k/orders.order', '#/r/orders.order/0', '#/k/messaging.message', '#/k/cloud.location', '#/r/cloud.location/0', '#/k/cloud.gallery_item', '#/k/cloud.contact', '#/k/account.profile', '#/r/account.profile/0', '#/s/a', '#/about'];
      for (const hash of views) {
        await open(hash);
        await page.waitForTimeout(400);
        if (hash.startsWith('#/s/')) await page.waitForSelector('section.search[data-done]', { timeout: 60_000 });
        await page.evaluate("for (const d of document.querySelectorAll('details')) d.setAttribute('open', '')");
        // An element that clips on purpose (a one-line summary with an ellipsis) does not overflow the layout.
        const over = await page.evaluate<string[]>(`(() => {
          const out = [];
          const root = document.scrollingElement;
          if (root.scrollWidth > root.clientWidth) out.push('page ' + root.scrollWidth + ' > ' + root.clientWidth);
          for (const el of document.querySelectorAll('#viewer-root *:not(.archive-doc *)')) {
            const style = getComputedStyle(el);
            if (style.overflowX === 'hidden' || style.overflowX === 'clip') continue;
            if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.push(el.tagName + '.' + el.className + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
          }
          return out;
        })()`);
        expect(over, `${width}px ${hash || 'overview'}`).toEqual([]);
        await page.evaluate(axeSource);
        const serious = await page.evaluate<string[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
          r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id + ': ' + JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))))`);
        expect(serious, `${width}px ${hash || 'overview'}`).toEqual([]);
        if (SHOTS && ['', '#/r/orders.order/0', '#/k/cloud.location', '#/k/messaging.message'].includes(hash)) {
          await page.evaluate("for (const d of document.querySelectorAll('details')) d.removeAttribute('open')");
          const name = hash ? hash.split('/')[2]!.replace(/\W/g, '-') : 'overview';
          await page.selectOption('#vlang', 'en');
          await page.waitForTimeout(hash === '#/k/cloud.location' ? 3000 : 500);
          await page.screenshot({ path: join(SHOTS, `viewer-${name}${hash.startsWith('#/r/') ? '-record' : ''}-${width}-en.png`) });
          await page.selectOption('#vlang', 'az');
          await page.waitForTimeout(hash === '#/k/cloud.location' ? 3000 : 500);
          await page.screenshot({ path: join(SHOTS, `viewer-${name}${hash.startsWith('#/r/') ? '-record' : ''}-${width}-az.png`) });
        }
      }
      expect(outside).toEqual([]);
    });
  }

  it('switches to Azerbaijani: labels, dates and plurals from the az catalogue', async () => {
    const orders = recordsOf('orders.order');
    await page.setViewportSize({ width: 1280, height: 900 });
    await open();
    await page.selectOption('#vlang', 'az');
    await expect.poll(() => page.locator('#vmain h2').first().textContent()).toBe('Bütün məlumatlarınız');
    expect(await page.locator('.banner.ok').textContent()).toContain('64.008 qeyd');
    await open('#/r/orders.order/0');
    await page.selectOption('#vlang', 'az');
    await expect.poll(() => page.locator('#vmain h2').first().textContent()).toBe(String(orders[0]!.orderNumber));
    expect(await page.locator('html').getAttribute('lang')).toBe('az');
    expect(await page.locator('details.meta summary').textContent()).toBe('Bunu niyə saxlayırıq, nə vaxta qədər və silinmə sorğusunda nə olur');
    // The metadata panel in the data map's words of the reader's language, whatever language processing.json was written in.
    const processing = JSON.parse(readFileSync(join(dir, 'processing.json'), 'utf8')) as { kinds: { kind: string; legalBasis: { code: string }; retention: { code: string } }[] };
    const order = processing.kinds.find((k) => k.kind === 'orders.order')!;
    const az = createTranslator('az');
    const meta = (await page.locator('details.meta').textContent()) ?? '';
    expect(meta).toContain(az.t(`datamap.basis.${order.legalBasis.code}` as MessageKey));
    expect(meta).toContain(az.t(`datamap.retention.${order.retention.code}` as MessageKey));
    // Node's full ICU knows az; Chromium's reduced ICU does not, and the viewer writes dates and money as az's CLDR data does.
    const placedAt = new Date(String(orders[0]!.placedAt));
    const day = new Intl.DateTimeFormat('az', { dateStyle: 'long', timeZone: 'Asia/Baku' }).format(placedAt);
    const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Baku' }).format(placedAt);
    const text = (await page.locator('article.record').textContent()) ?? '';
    expect(text).toContain(`${day}, ${time}`);
    expect(text).toContain(new Intl.NumberFormat('az', { style: 'currency', currency: String(orders[0]!.currency), currencyDisplay: 'code' }).format(Number(orders[0]!.total)));
    expect(await page.locator('dl.fields dt').allTextContents()).toContain('Sifariş nömrəsi');
  });
});
