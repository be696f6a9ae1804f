import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, subjectToken } from './support/client.js';
import { CHROMIUM, requires } from './support/requires.js';

/**
 * The privacy centre end to end, in a real headless Chromium against a real
 * federation of its own (fresh stores, so nothing here disturbs other tests):
 * sign in, correct the community nickname, see an invalid e-mail rejected,
 * request an export, download the ZIP and check it.
 */

// Fails in CI without Chromium; elsewhere skips with a message.
const browserPart = await requires('chromium');
/** The screenshot is kept here after the run (artifacts/ is not committed). */
const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'privacy');
const PERSON = '10000001';

interface ZipEntry {
  name: string;
  body: Buffer;
}
/** Reads every entry; yauzl checks each entry's CRC-32 as it is read, so a corrupt archive fails here. */
function readZip(file: string): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('not a ZIP'));
      const out: ZipEntry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error(`cannot read ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            out.push({ name: entry.fileName, body: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe.skipIf(browserPart.skip)('the privacy centre in a real browser', () => {
  let dataDir: string;
  let downloads: string;
  let federation: Federation;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const graphqlErrors: { query: string; code: unknown; field: unknown }[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-privacy-'));
    downloads = mkdtempSync(join(tmpdir(), 'footprint-privacy-dl-'));
    await seedAll({ dataDir });
    federation = await launchFederation({ dataDir, env: { LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    origin = new URL(federation.gatewayUrl).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    // What the page's GraphQL calls answered, to tell the domain's rejection from the page's own check.
    page.on('response', async (res) => {
      if (!res.url().endsWith('/graphql')) return;
      const body = (await res.json().catch(() => null)) as { errors?: { extensions?: Record<string, unknown> }[] } | null;
      const query = (JSON.parse(res.request().postData() ?? '{}') as { query?: string }).query ?? '';
      for (const e of body?.errors ?? []) graphqlErrors.push({ query, code: e.extensions?.code, field: e.extensions?.field });
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await federation?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  it('serves the page with a strict content security policy and no external assets', async () => {
    const res = await fetch(`${origin}/privacy`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    const config = (await (await fetch(`${origin}/privacy/config.json`)).json()) as { demo: boolean; domains: { name: string }[] };
    expect(config.demo).toBe(true);
    expect(config.domains.map((d) => d.name)).toEqual(expect.arrayContaining(['account', 'orders', 'community', 'corrections']));
  });

  it('signs in, corrects the nickname, rejects an invalid e-mail, exports and downloads a ZIP that validates', async () => {
    await page.goto(`${origin}/privacy`);
    await page.locator('body[data-ready="true"]').waitFor();
    // Keyboard only for the sign-in.
    await page.getByRole('button', { name: 'Sign in as the demo person' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#who-id').textContent()).toBe(PERSON);
    await page.getByRole('heading', { name: 'What we hold about you' }).waitFor();
    await page.locator('#summary-body tbody tr').first().waitFor();
    expect(await page.locator('#summary-body tbody tr').count()).toBeGreaterThan(20);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'privacy-signed-in.png') });

    // Browse: open a domain and read a kind's records.
    await page.locator('details.domain', { hasText: 'community' }).locator('summary').click();
    await page.getByRole('button', { name: 'Show Community profile' }).click();
    await page.locator('section[aria-label="Community profile"] dl.record').first().waitFor();

    // Correct the community nickname: the published rule is checked while typing …
    const nickname = `privacy_${Math.random().toString(36).slice(2, 8)}`;
    await page.getByRole('button', { name: 'Correct Community nickname (Community profile)' }).click();
    const input = page.getByLabel('New community nickname');
    await input.fill('has a space');
    await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
    await input.fill(nickname);
    await expect.poll(() => input.getAttribute('aria-invalid')).toBeNull();
    // … and the domain decides on submit.
    await input.press('Enter');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Community nickname corrected');
    await page.locator('#correct-body .value', { hasText: nickname }).waitFor();
    await page.locator('#history-body td', { hasText: nickname }).waitFor();
    const t = await subjectToken(PERSON);
    const read = await gql<{ me: { community: { profile: { nodes: { nickname: string }[] } }; account: { profile: { nodes: { email: string }[] } } } }>(
      federation.gatewayUrl,
      '{ me { community { profile { nodes { nickname } } } account { profile { nodes { email } } } } }',
      {},
      bearer(t),
    );
    expect(read.data!.me.community.profile.nodes[0]!.nickname).toBe(nickname);
    const emailBefore = read.data!.me.account.profile.nodes[0]!.email;

    // An invalid e-mail: refused by the account domain, its reason shown at the field, nothing changed.
    await page.getByRole('button', { name: `Correct E-mail address (Account ${PERSON})` }).click();
    const email = page.getByLabel('New e-mail address');
    await email.fill('not-an-email@');
    await page.locator('form.correct-form:visible').getByRole('button', { name: 'Save' }).click();
    const alert = page.locator('form.correct-form:visible [role="alert"]');
    await expect.poll(() => alert.textContent()).toMatch(/E-mail address: Enter an e-mail address like name@example\.com/);
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(graphqlErrors).toContainEqual(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'email' }));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('.record-card', { has: email }).screenshot({ path: join(ARTIFACTS, 'privacy-invalid-email.png') });
    const after = await gql<{ me: { account: { profile: { nodes: { email: string }[] } } } }>(federation.gatewayUrl, '{ me { account { profile { nodes { email } } } } }', {}, bearer(t));
    expect(after.data!.me.account.profile.nodes[0]!.email).toBe(emailBefore);

    // Export: request, watch the progress, download.
    await page.getByRole('button', { name: 'Request an export' }).click();
    await page.locator('#export-progress').waitFor();
    const download = page.getByRole('button', { name: 'Download the archive (ZIP)' });
    await download.waitFor({ timeout: 90_000 });
    expect(await page.locator('#export-bar').getAttribute('value')).toBe('100');
    const sha256 = await download.getAttribute('data-sha256');
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const zipPath = join(downloads, file.suggestedFilename());
    await file.saveAs(zipPath);

    await page.locator('#export').screenshot({ path: join(ARTIFACTS, 'privacy-export.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'privacy-centre.png'), fullPage: true });

    // The ZIP validates: its hash is the one the API gave, every entry's CRC and its manifest's size and SHA-256.
    const bytes = readFileSync(zipPath);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    const entries = await readZip(zipPath);
    const byName = new Map(entries.map((e) => [e.name, e.body]));
    const manifest = JSON.parse(byName.get('manifest.json')!.toString('utf8')) as { person: string; complete: boolean; files: { path: string; size: number; sha256: string }[] };
    expect(manifest).toMatchObject({ person: PERSON, complete: true });
    for (const f of manifest.files) {
      const body = byName.get(f.path);
      expect(body, f.path).toBeDefined();
      expect(body!.length, f.path).toBe(f.size);
      expect(createHash('sha256').update(body!).digest('hex'), f.path).toBe(f.sha256);
    }
    // The correction is in the next archive: the corrected value, and the correction history beside it.
    const text = (pred: (name: string) => boolean) => entries.filter((e) => pred(e.name)).map((e) => e.body.toString('utf8')).join('\n');
    expect(text((n) => n.startsWith('community/'))).toContain(nickname);
    const history = text((n) => n.startsWith('corrections/') && n.endsWith('.json'));
    expect(history).toContain('gateway.correction');
    expect(history).toContain(nickname);
  }, 240_000);
});
