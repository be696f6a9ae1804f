import { describe, expect, it } from 'vitest';
import { localizeHtml, pageLanguage } from '../src/privacy/localize.js';

/** The pages served already translated: marked texts and attributes, <html lang>, escaping; the reader's language from cookie or header. */
describe('page localisation', () => {
  const html = [
    '<html lang="en"><head><title data-i18n="privacy.page.title">Privacy centre — Footprint</title></head>',
    '<body><nav id="n" data-i18n-attr="aria-label:privacy.page.sections" aria-label="Sections of the privacy centre"></nav>',
    '<p id="x" data-i18n="privacy.signIn.title">x</p><code>npm run token</code></body></html>',
  ].join('');

  it('fills every marked element and attribute in the language and says which', () => {
    const az = localizeHtml(html, 'az');
    expect(az).toContain('<html lang="az">');
    expect(az).toContain('<title data-i18n="privacy.page.title">Məxfilik mərkəzi — Footprint</title>');
    expect(az).toContain('aria-label="Məxfilik mərkəzinin bölmələri"');
    // Unmarked content is left as it is.
    expect(az).toContain('<code>npm run token</code>');
    expect(localizeHtml(html, 'en')).toContain('<title data-i18n="privacy.page.title">Privacy centre — Footprint</title>');
  });

  it('escapes what it writes, so a message is never read as markup', () => {
    // The hint quotes a section's name: written as entities, not as raw quotes.
    const out = localizeHtml('<html lang="en"><p data-i18n="privacy.requests.kindsHint">x</p></html>', 'en');
    expect(out).toContain('&quot;Your data&quot;');
  });

  it('takes the reader language from the cookie, else Accept-Language, else English', () => {
    const req = (headers: Record<string, string>) => ({ headers });
    expect(pageLanguage(req({ cookie: 'a=1; footprint_lang=az', 'accept-language': 'en' }))).toBe('az');
    expect(pageLanguage(req({ cookie: 'footprint_lang=xx', 'accept-language': 'az-AZ' }))).toBe('az');
    expect(pageLanguage(req({ 'accept-language': 'de-DE,fr;q=0.8' }))).toBe('en');
  });
});
