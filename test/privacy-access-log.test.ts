import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { CHROMIUM, requires } from './support/requires.js';

/**
 * "Who accessed your data" in the privacy centre, in Chromium with an
 * Azerbaijani browser: after an operator reads the person with a reason, the
 * section lists it — the privacy team, the time, the reason — in Azerbaijani.
 */

const browserPart = await requires('chromium');
const url = inject('gatewayUrl');
const PERSON = '10000002';
const REASON = 'Şikayət 512: kim baxıb';

describe.skipIf(browserPart.skip)('the access log in the privacy centre', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('lists an operator’s read with its reason, by role, in the browser’s language', async () => {
    // The reason is UTF-8: sent percent-encoded in RFC 8187's form, as a browser would.
    const op = bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': `UTF-8''${encodeURIComponent(REASON)}` });
    const read = await gql(url, 'query($id: ID!) { person(id: $id) { account { profile { nodes { name } } } } }', { id: PERSON }, op);
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();

    const token = await subjectToken(PERSON);
    const context = await browser.newContext({ locale: 'az-AZ', timezoneId: 'Asia/Baku' });
    await context.addInitScript(`sessionStorage.setItem('footprint.privacy.token', ${JSON.stringify(token)})`);
    const page = await context.newPage();
    await page.goto(`${new URL(url).origin}/privacy`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByRole('heading', { name: 'Məlumatlarınıza kim daxil olub' }).waitFor();
    const row = page.locator('#access-log-table tbody tr', { hasText: REASON }).first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toBe('Məxfilik komandası (operator)');
    expect(cells[2]).toContain('Məlumatlarınıza baxış');
    expect(cells[3]).toBe(REASON);
    expect(cells[0]).toMatch(/\d{4}/);
    // The operator's identity is not on the page.
    expect(await page.locator('#access-log').textContent()).not.toMatch(/ops-/);
    await context.close();
  }, 60_000);
});
