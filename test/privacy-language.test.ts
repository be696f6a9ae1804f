import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUES } from '@footprint/i18n';
import { DEV_MAILBOX, REPO_ROOT } from '@footprint/kit';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, subjectToken } from './support/client.js';
import { CHROMIUM, requires } from './support/requires.js';

/**
 * The privacy centre, the desk and the notices in the person's language, in a
 * real Chromium against a federation of its own (the language preference it
 * stores must not reach other tests): an az-AZ browser gets Azerbaijani pages
 * with Azerbaijani plurals and month names and no English left over; the
 * switcher changes the language and keeps the choice with the account, so a
 * reload and another browser get it too; codes and notices to a person whose
 * preference is Azerbaijani are written in Azerbaijani; the desk speaks the
 * operator's language and shows a request's original text exactly as written.
 */

const browserPart = await requires('chromium');
/** Screenshots of the Azerbaijani pages are kept here after the run (artifacts/ is not committed). */
const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'privacy');
const PERSON = '10000001';
const AZ_MONTH = /\d{1,2} (yanvar|fevral|mart|aprel|may|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr) \d{4}/;

interface Mail {
  domain: string;
  language?: string;
  subject?: string;
  text?: string;
  code?: string;
  confirmationId?: string;
  requestId?: string;
}

/**
 * Whole English sentences of the catalogues (more than three words, no
 * placeholder): none of them may be visible on a page served in Azerbaijani.
 */
function englishSentences(namespaces: string[]): string[] {
  return Object.entries(CATALOGUES.en ?? {})
    .filter(([key, text]) => namespaces.some((ns) => key.startsWith(`${ns}.`)) && !text.includes('{') && text.trim().split(/\s+/).length > 3)
    .map(([, text]) => text);
}

/** The text a reader sees: every visible text node (hidden sections and closed details excluded by innerText). */
// biome-ignore lint/performance/useDomNodeTextContent: the check is about what a reader sees; innerText leaves out hidden elements, textContent does not
const visibleText = (page: Page) => page.locator('body').innerText();

describe.skipIf(browserPart.skip)('the privacy centre, desk and notices in the person language', () => {
  let dataDir: string;
  let federation: Federation;
  let origin: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const mailbox = (): Mail[] =>
    readFileSync(join(dataDir, DEV_MAILBOX), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Mail);
  const newPage = async (locale: string) => {
    const context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };
  const signInAsDemo = async (page: Page) => {
    await page.locator('body[data-ready="true"]').waitFor();
    await page.locator('#demo-button').click();
    await expect.poll(() => page.locator('#who-id').textContent()).toBe(PERSON);
    await page.locator('#summary-body tbody tr').first().waitFor();
  };
  /** Each kind of the discovery summary with the person's count. */
  const kindCounts = (page: Page) =>
    page.locator('#summary-body tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({ title: r.querySelector('td')?.textContent ?? '', count: Number((r.querySelector('td.num')?.textContent ?? '').replace(/[^0-9]/g, '')) })),
    );
  /** Opens a kind under "Your data" and returns the count line it shows first. */
  const showKind = async (page: Page, title: string, button: string) => {
    const section = page.locator(`section[aria-label="${title}"]`);
    const details = page.locator('details.domain', { has: section });
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
    await section.getByRole('button', { name: button, exact: true }).click();
    await section.locator('p.muted').first().waitFor();
    return section.locator('p.muted').first().textContent();
  };
  const lang = (page: Page) => page.locator('html').getAttribute('lang');
  const preference = async () => (await gql<{ me: { preferences: { language: string | null } } }>(federation.gatewayUrl, '{ me { preferences { language } } }', {}, bearer(await subjectToken(PERSON)))).data!.me.preferences.language;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-language-'));
    await seedAll({ dataDir });
    federation = await launchFederation({ dataDir, env: { LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    origin = new URL(federation.gatewayUrl).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await federation?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves each page already translated into the negotiated language', async () => {
    const az = await fetch(`${origin}/privacy`, { headers: { 'accept-language': 'az-AZ,az;q=0.9,en;q=0.5' } });
    expect(az.headers.get('content-language')).toBe('az');
    expect(az.headers.get('vary')).toMatch(/Accept-Language/);
    const azHtml = await az.text();
    expect(azHtml).toMatch(/<html lang="az">/);
    expect(azHtml).toContain('<title data-i18n="privacy.page.title">Məxfilik mərkəzi — Footprint</title>');
    const en = await (await fetch(`${origin}/privacy`, { headers: { 'accept-language': 'fr-FR, en;q=0.5' } })).text();
    expect(en).toMatch(/<html lang="en">/);
    expect(en).toContain('Your privacy centre');
    // The reader's own choice (the cookie the switcher sets) wins over the header.
    const chosen = await (await fetch(`${origin}/privacy/desk`, { headers: { 'accept-language': 'en', cookie: 'footprint_lang=az' } })).text();
    expect(chosen).toMatch(/<html lang="az">/);
    expect(chosen).toContain('Məxfilik masası');
  });

  it('refuses a language it has no catalogue for', async () => {
    const res = await gql(federation.gatewayUrl, 'mutation { setPreferences(language: "fr") { language } }', {}, bearer(await subjectToken(PERSON)));
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'language' });
    expect(res.errors![0]!.message).toMatch(/az, en|en, az/);
    expect(await preference()).toBeNull();
  });

  it('gives an az-AZ browser the privacy centre in Azerbaijani: plurals, month names, no English sentence left', async () => {
    const page = await newPage('az-AZ');
    await page.goto(`${origin}/privacy`);
    expect(await lang(page)).toBe('az');
    expect(await page.title()).toBe('Məxfilik mərkəzi — Footprint');
    await page.getByRole('heading', { name: 'Məxfilik mərkəziniz' }).waitFor();
    await signInAsDemo(page);
    await page.getByRole('heading', { name: 'Haqqınızda saxladığımız məlumatlar' }).waitFor();
    // Dates in Azerbaijani, in the person's time zone.
    expect(await page.locator('#summary-body tbody').textContent()).toMatch(AZ_MONTH);
    // Azerbaijani keeps the noun singular after a number.
    expect(await page.locator('#summary-total').textContent()).toMatch(/^Cəmi \d[\d\s.]* qeyd, \d+ növ$/);
    // A kind the person holds exactly one record of: "1 qeyd" (the noun stays singular).
    const one = (await kindCounts(page)).find((c) => c.count === 1)!;
    expect(one).toBeTruthy();
    expect(await showKind(page, one.title, `${one.title}: göstər`)).toBe('1 qeyd');
    const sentences = englishSentences(['privacy', 'common', 'errors']);
    expect(sentences.length).toBeGreaterThan(50);
    const text = await visibleText(page);
    expect(sentences.filter((s) => text.includes(s))).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'privacy-centre-az.png'), fullPage: true });
  });

  it('switches to English and back; the choice is kept with the account and followed on reload and in another browser', async () => {
    const page = await newPage('az-AZ');
    await page.goto(`${origin}/privacy`);
    await signInAsDemo(page);
    await page.locator('#language').selectOption('en');
    await expect.poll(() => lang(page)).toBe('en');
    await page.getByRole('heading', { name: 'What we hold about you' }).waitFor();
    expect(await page.locator('#summary-total').textContent()).toMatch(/^\d[\d,]* records of \d+ kinds in all$/);
    await expect.poll(preference).toBe('en');
    await page.locator('#language').selectOption('az');
    await page.getByRole('heading', { name: 'Haqqınızda saxladığımız məlumatlar' }).waitFor();
    await expect.poll(preference).toBe('az');
    // The preference is the person's data: a record of its kind in the footprint (and so in every archive).
    const records = await gql<{ me: { preferences: { records: { totalCount: number; nodes: { language: string; meta: { kind: string; domain: string } }[] } } } }>(
      federation.gatewayUrl,
      '{ me { preferences { records(first: 10) { totalCount nodes { language meta { kind domain } } } } } }',
      {},
      bearer(await subjectToken(PERSON)),
    );
    expect(records.data!.me.preferences.records).toMatchObject({ totalCount: 1, nodes: [{ language: 'az', meta: { kind: 'gateway.preference', domain: 'gateway' } }] });

    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor();
    expect(await lang(page)).toBe('az');
    expect(await page.locator('#sign-in-h').textContent()).toBe('Daxil olun');

    // Another browser, in English and without the cookie: English until the person signs in, then their choice.
    const other = await newPage('en-US');
    await other.goto(`${origin}/privacy`);
    expect(await lang(other)).toBe('en');
    await other.getByRole('heading', { name: 'Your privacy centre' }).waitFor();
    await signInAsDemo(other);
    await expect.poll(() => lang(other)).toBe('az');
    await other.getByRole('heading', { name: 'Haqqınızda saxladığımız məlumatlar' }).waitFor();
  });

  it('writes codes and notices in the preferred language, whatever the calling browser asks for', async () => {
    expect(await preference()).toBe('az');
    const me = bearer(await subjectToken(PERSON), { 'accept-language': 'en-US' });
    // The gateway's own code (erasure confirmation).
    const code = await gql<{ requestErasureCode: { confirmationId: string } }>(federation.gatewayUrl, 'mutation { requestErasureCode { confirmationId } }', {}, me);
    const erasureMail = mailbox().find((m) => m.confirmationId === code.data!.requestErasureCode.confirmationId)!;
    expect(erasureMail).toMatchObject({ domain: 'gateway', language: 'az', subject: 'Footprint təsdiq kodunuz' });
    expect(erasureMail.text).toContain(`Təsdiq kodunuz: ${erasureMail.code}`);
    expect(erasureMail.text).toContain('hesabınızın silinməsini');
    expect(erasureMail.text).toMatch(AZ_MONTH);
    // A privacy request's notice.
    const made = await gql<{ submitPrivacyRequest: { id: string } }>(federation.gatewayUrl, 'mutation { submitPrivacyRequest(input: { type: ACCESS }) { id } }', {}, me);
    const id = made.data!.submitPrivacyRequest.id;
    await expect.poll(() => mailbox().filter((m) => m.requestId === id).length).toBeGreaterThan(0);
    const notice = mailbox().find((m) => m.requestId === id)!;
    expect(notice.language).toBe('az');
    expect(notice.subject).toBe('Sorğunuzu aldıq (məlumatlarınıza daxil olmaq)');
    expect(notice.text).toMatch(AZ_MONTH);
    expect(notice.text).toContain(`Sorğu ${id} — onu məxfilik mərkəzinizdə görə bilərsiniz.`);
    // A code a domain sends (a new e-mail address): the gateway passes the language to the domain.
    const view = await gql<{ me: { correctionView: { correctable: { kind: string; records: { recordId: string; values: { field: string; version: string }[] }[] }[] } } }>(
      federation.gatewayUrl,
      '{ me { correctionView(kinds: ["account.profile"]) { correctable { kind records { recordId values { field version } } } } } }',
      {},
      me,
    );
    const record = view.data!.me.correctionView.correctable[0]!.records[0]!;
    const version = record.values.find((v) => v.field === 'email')!.version;
    const change = await gql<{ requestCorrection: { confirmation: { id: string } } }>(
      federation.gatewayUrl,
      'mutation($input: CorrectionInput!) { requestCorrection(input: $input) { confirmation { id } } }',
      { input: { recordId: record.recordId, field: 'email', value: 'yeni.unvan@example.com', expectedVersion: version } },
      me,
    );
    expect(change.errors).toBeUndefined();
    const domainMail = mailbox().filter((m) => m.domain === 'account').at(-1)!;
    expect(domainMail).toMatchObject({ language: 'az', subject: 'Footprint təsdiq kodunuz' });
    expect(domainMail.text).toContain('yeni e-poçt ünvanınızı');
  });

  it('the desk in Azerbaijani shows a request as it was written', async () => {
    const page = await newPage('az-AZ');
    await page.goto(`${origin}/privacy/desk`);
    await page.locator('body[data-ready="true"]').waitFor();
    expect(await lang(page)).toBe('az');
    expect(await page.title()).toBe('Məxfilik masası — Footprint');
    await page.getByRole('button', { name: 'Demo operator (yalnız yerli)' }).click();
    await page.locator('#fig-open strong').waitFor();
    expect(await page.locator('#fig-open').textContent()).toContain('açıq');
    const written = 'Hörmətli cənablar,\nxahiş edirəm, bütün məlumatlarımı silin: ə ğ ı İ ö ş ü ç — Ə Ğ I Ö Ş Ü Ç.\n<b>Gülşən</b> & "Şəkili"';
    await page.getByLabel('Şəxs (hesab ID-si)').fill(PERSON);
    await page.getByLabel('Sorğu yazıldığı kimi').fill(written);
    await page.getByRole('button', { name: 'Sorğunu daxil et' }).click();
    const original = page.locator('#detail-body pre.original');
    await expect.poll(() => original.textContent()).toBe(written);
    expect(await original.getAttribute('translate')).toBe('no');
    await expect.poll(() => page.locator('#queue-count').textContent()).toMatch(/^\d+ sorğu$/);
    expect(await page.locator('#detail-fields').textContent()).toMatch(AZ_MONTH);
    const text = await visibleText(page);
    expect(englishSentences(['desk', 'common', 'errors']).filter((s) => text.includes(s))).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'desk-az.png'), fullPage: true });
  });

  it('says "1 record" and "2 records" in English', async () => {
    const page = await newPage('en-US');
    await page.context().addCookies([{ name: 'footprint_lang', value: 'en', url: `${origin}/privacy` }]);
    await page.goto(`${origin}/privacy`);
    expect(await lang(page)).toBe('en');
    await signInAsDemo(page);
    // The account's preference (az) is followed at sign-in; switching here keeps English.
    await page.locator('#language').selectOption('en');
    await page.getByRole('heading', { name: 'What we hold about you' }).waitFor();
    await page.locator('#summary-body tbody tr').first().waitFor();
    const counts = await kindCounts(page);
    const one = counts.find((c) => c.count === 1)!;
    const many = counts.find((c) => c.count >= 2)!;
    expect(await showKind(page, one.title, `Show ${one.title}`)).toBe('1 record');
    expect(await showKind(page, many.title, `Show ${many.title}`)).toBe(`${many.count.toLocaleString('en')} records`);
  });
});
