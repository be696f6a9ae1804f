import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_MAILBOX, REPO_ROOT } from '@footprint/kit';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { readZip } from './support/exports.js';
import { CHROMIUM, requires } from './support/requires.js';

/**
 * The privacy centre's rights in a real headless Chromium against a real
 * federation of its own: sign in as the demo person, withdraw a consent,
 * restrict a kind, object to ad profiling — each seen on the page, in the
 * processing state, the footprint, the discovery summary and a later export —
 * then erase the account with the one-time code and read the receipts.
 */

// Fails in CI without Chromium; elsewhere skips with a message.
const browserPart = await requires('chromium');
const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'privacy');
const PERSON = '10000001';

describe.skipIf(browserPart.skip)('the privacy centre: consent, restriction, objection, erasure', () => {
  let dataDir: string;
  let downloads: string;
  let federation: Federation;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let me: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-privacy-rights-'));
    downloads = mkdtempSync(join(tmpdir(), 'footprint-privacy-rights-dl-'));
    await seedAll({ dataDir });
    federation = await launchFederation({ dataDir, env: { LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    origin = new URL(federation.gatewayUrl).origin;
    me = bearer(await subjectToken(PERSON));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
    page = await context.newPage();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await federation?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  const status = () => page.locator('#status').textContent();
  const summaryCount = async (title: string) => {
    const row = page.locator('#summary-body tbody tr', { has: page.locator('td', { hasText: new RegExp(`^${title}$`) }) });
    return Number(await row.locator('td.num').textContent());
  };
  const processing = async () => {
    const res = await gql<{ me: { processing: { restrictions: { kind: string; reason: string }[]; objections: string[]; withdrawnConsents: string[] } } }>(
      federation.gatewayUrl,
      '{ me { processing { restrictions { kind reason } objections withdrawnConsents } } }',
      {},
      me,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.me.processing;
  };

  it('withdraws a consent, restricts a kind and objects to ad profiling, each with its effect; then erases the account', async () => {
    await page.goto(`${origin}/privacy`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByRole('button', { name: 'Sign in as the demo person' }).click();
    await expect.poll(() => page.locator('#who-id').textContent()).toBe(PERSON);
    await page.locator('#consents-body li').first().waitFor();
    await page.locator('#summary-body tbody tr').first().waitFor();
    expect(await summaryCount('Ad segments')).toBeGreaterThan(0);

    // The demo person withdrew marketing consent in the app's settings (their latest consent record): shown as withdrawn,
    // and giving it again is one click, as withdrawing is.
    await page.locator('#consents-body li', { hasText: 'marketing' }).locator('.badge', { hasText: 'withdrawn' }).waitFor();
    await page.getByRole('button', { name: 'Give consent for marketing again' }).click();
    await expect.poll(status).toBe('Consent for marketing given');
    expect((await processing()).withdrawnConsents).not.toContain('MARKETING');

    // Withdraw a consent: one click.
    await page.getByRole('button', { name: 'Withdraw consent for marketing' }).click();
    await expect.poll(status).toBe('Consent for marketing withdrawn');
    await page.locator('#consents-body li', { hasText: 'marketing' }).locator('.badge', { hasText: 'withdrawn' }).waitFor();
    expect((await processing()).withdrawnConsents).toContain('MARKETING');

    // Restrict a kind.
    await page.getByLabel('Kind of data').selectOption('community.post');
    await page.getByLabel('Why').fill('I dispute these posts');
    await page.getByRole('button', { name: 'Restrict', exact: true }).click();
    await expect.poll(status).toBe('Forum posts: processing restricted');
    await page.locator('#restrictions-body li', { hasText: 'Forum posts' }).waitFor();
    expect((await processing()).restrictions).toContainEqual({ kind: 'community.post', reason: 'I dispute these posts' });
    // … in the discovery summary …
    const postsRow = page.locator('#summary-body tbody tr', { has: page.locator('td', { hasText: /^Forum posts$/ }) });
    await expect.poll(() => postsRow.locator('td').last().textContent()).toMatch(/^restricted/);
    // … shown on the records themselves (the footprint).
    await page.locator('details.domain', { hasText: 'community' }).locator('summary').click();
    await page.getByRole('button', { name: 'Show Forum posts' }).click();
    await page.locator('section[aria-label="Forum posts"] dl.record dt', { hasText: 'restricted' }).first().waitFor();

    // Object to ad profiling: the ad segments are gone from the summary.
    await page.getByRole('button', { name: 'Object to ad profiling' }).click();
    await expect.poll(status).toBe('You object to ad profiling; it has stopped');
    await expect.poll(() => summaryCount('Ad segments')).toBe(0);
    expect((await processing()).objections).toContain('AD_PROFILING');
    await page.locator('#rights').screenshot({ path: join(ARTIFACTS, 'privacy-choices.png') });

    // Contest the e-mail address while correcting it: the record is restricted until the new one is confirmed.
    await page.getByRole('button', { name: `Correct E-mail address (Account ${PERSON})` }).click();
    await page.getByLabel('New e-mail address').fill('contested@example.com');
    await page.getByLabel(/The current e-mail address is wrong/).check();
    await page.locator('form.correct-form:visible').getByRole('button', { name: 'Save' }).click();
    await page.locator('#correct-body .confirm-form').waitFor();
    expect((await processing()).restrictions).toContainEqual(expect.objectContaining({ kind: 'account.profile' }));

    // A later export carries it all: the restriction on the records, no ad segments.
    await page.getByRole('button', { name: 'Request an export' }).click();
    const download = page.getByRole('button', { name: 'Download the archive (ZIP)' });
    await download.waitFor({ timeout: 90_000 });
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const zipPath = join(downloads, file.suggestedFilename());
    await file.saveAs(zipPath);
    const entries = await readZip(zipPath);
    const posts = [...entries].filter(([n]) => n.startsWith('community/') && n.includes('post') && n.endsWith('.json')).map(([, b]) => b.toString('utf8')).join('\n');
    expect(posts).toContain('I dispute these posts');
    const processingJson = JSON.parse(entries.get('processing.json')!.toString('utf8')) as { kinds: { kind: string; records: number }[] };
    // Every kind of the archive is described; after the objection the person holds no ad segment.
    expect(processingJson.kinds.find((k) => k.kind === 'push.ad_segment')?.records ?? 0).toBe(0);

    // Erase the account: the plan lists what goes and what stays, the code confirms it, the receipts show after.
    await page.getByRole('button', { name: 'Review what will be erased' }).click();
    await page.locator('#erase-plan h3', { hasText: 'Will be deleted' }).waitFor();
    const kept = page.locator('#erase-plan div', { has: page.locator('h3', { hasText: 'Will be kept, by law' }) }).locator('li');
    expect(await kept.count()).toBeGreaterThan(0);
    await page.locator('#erase').screenshot({ path: join(ARTIFACTS, 'privacy-erase-plan.png') });
    await page.getByRole('button', { name: 'Send me a confirmation code' }).click();
    await page.locator('#erase-sent', { hasText: 'We sent a 6-digit code' }).waitFor();
    const mailbox = readFileSync(join(dataDir, DEV_MAILBOX), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { code: string; domain: string });
    const code = mailbox.filter((m) => m.domain === 'gateway').at(-1)!.code;
    // A wrong code first: refused at the field, nothing erased.
    await page.getByLabel('Confirmation code').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Erase my account' }).click();
    await expect.poll(() => page.locator('#erase-error').textContent()).toMatch(/not right/);
    await page.getByLabel('Confirmation code').fill(code);
    await page.getByRole('button', { name: 'Erase my account' }).click();
    await page.locator('#erased').waitFor({ timeout: 120_000 });
    await page.locator('#erased-receipts tbody tr').first().waitFor();
    expect(await page.locator('#erased-summary').textContent()).toMatch(/records deleted/);
    await page.screenshot({ path: join(ARTIFACTS, 'privacy-erased.png'), fullPage: true });

    // The person's token is refused now; what was kept shows in the discovery summary (as an operator) with its ground.
    const refused = await gql(federation.gatewayUrl, '{ me { id } }', {}, me);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const ops = bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'check after erasure' });
    const after = await gql<{ person: { discovery: { domains: { kinds: { kind: string; count: number }[] }[] }; processing: { restrictions: { kind: string; ground: string }[] } } }>(
      federation.gatewayUrl,
      `{ person(id: "${PERSON}") { discovery { domains { kinds { kind count } } } processing { restrictions { kind ground } } } }`,
      {},
      ops,
    );
    expect(after.errors).toBeUndefined();
    const remaining = after.data!.person.discovery.domains.flatMap((d) => d.kinds).filter((k) => k.count > 0);
    expect(remaining.length).toBeGreaterThan(0);
    for (const k of remaining.filter((x) => after.data!.person.processing.restrictions.some((r) => r.kind === x.kind))) {
      expect(after.data!.person.processing.restrictions.find((r) => r.kind === k.kind)!.ground).toBe('LEGAL_HOLD');
    }
  }, 300_000);
});
