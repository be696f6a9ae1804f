import { describe, expect, it } from 'vitest';
import { checkCatalogues } from '../src/check.js';
import { CATALOGUES, createTranslator, LANGUAGES, negotiateLanguage } from '../src/index.js';

describe('message catalogues', () => {
  it('every language has every key of the reference language, with the same placeholders, and each message parses', () => {
    expect(checkCatalogues()).toEqual([]);
  });

  it('the check names a missing key, an extra key and a placeholder that differs', () => {
    const problems = checkCatalogues(
      { en: { 'a.x': '{count, plural, one {# item} other {# items}}', 'a.y': 'Hello {name}' }, az: { 'a.x': '{n} element', 'a.z': 'z' } },
      ['en', 'az'],
    );
    expect(problems).toContain('az: "a.y" is missing');
    expect(problems).toContain('az: "a.z" is not in en');
    expect(problems.some((p) => p.startsWith('az: "a.x" has placeholders {n:text}'))).toBe(true);
  });

  it('has English and Azerbaijani, each naming itself', () => {
    expect(LANGUAGES).toEqual(expect.arrayContaining(['az', 'en']));
    for (const lang of LANGUAGES) expect(CATALOGUES[lang]?.['common.language.name']).toBeTruthy();
  });

  it('plurals come from the language: "1 record" / "2 records", Azerbaijani keeps the noun singular', () => {
    const en = createTranslator('en');
    const az = createTranslator('az');
    expect(en.t('common.records.count', { count: 1 })).toBe('1 record');
    expect(en.t('common.records.count', { count: 2 })).toBe('2 records');
    expect(az.t('common.records.count', { count: 5 })).toBe('5 qeyd');
    expect(en.t('common.records.count', { count: 64008 })).toBe('64,008 records');
  });

  it('dates in the language and time zone; Azerbaijani upper case and sorting', () => {
    const az = createTranslator('az', 'Asia/Baku');
    expect(az.date('2026-12-07T21:30:00Z', 'date')).toBe('8 dekabr 2026');
    expect(az.upper('i')).toBe('İ');
    expect(['ə', 'f', 'e', 'ç', 'd', 'c'].sort(az.compare)).toEqual(['c', 'ç', 'd', 'e', 'ə', 'f']);
  });

  it('negotiates Accept-Language: region, quality and order; unknown → English', () => {
    expect(negotiateLanguage('az-AZ,az;q=0.9,en;q=0.8')).toBe('az');
    expect(negotiateLanguage('de-DE, en;q=0.5, az;q=0.7')).toBe('az');
    expect(negotiateLanguage('fr')).toBe('en');
    expect(negotiateLanguage(['az-Latn-AZ', 'en-US'])).toBe('az');
    expect(negotiateLanguage(undefined)).toBe('en');
  });
});
