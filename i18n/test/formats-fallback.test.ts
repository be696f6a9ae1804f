import { describe, expect, it } from 'vitest';
import { createTranslator, intlSupports } from '../src/index.js';

// 7 December 2026, 09:05 in Baku (UTC+4).
const AT = '2026-12-07T05:05:00Z';

describe('dates and numbers where Intl lacks the language (the catalogue fallback)', () => {
  it('Node has full ICU: az is supported and formatted by Intl, not the fallback', () => {
    expect(intlSupports('az')).toBe(true);
    expect(intlSupports('en')).toBe(true);
    const az = createTranslator('az', 'Asia/Baku');
    expect(az.fallback).toBe(false);
    expect(az.number(64008)).toBe(new Intl.NumberFormat('az').format(64008));
    expect(az.date(AT, 'date')).toBe(new Intl.DateTimeFormat('az', { dateStyle: 'long', timeZone: 'Asia/Baku' }).format(new Date(AT)));
  });

  it('a language the runtime does not know is detected', () => {
    // No runtime has data for a private-use tag: what Chromium's reduced ICU does for az.
    expect(intlSupports('qaa')).toBe(false);
  });

  it('forced: Azerbaijani dates with the catalogue month names, in the time zone', () => {
    const az = createTranslator('az', 'Asia/Baku', { formats: 'catalogue' });
    expect(az.fallback).toBe(true);
    expect(az.date(AT, 'date')).toBe('7 dekabr 2026');
    expect(az.date(AT, 'time')).toBe('09:05');
    expect(az.date(AT, 'dateTime')).toBe('7 dekabr 2026, 09:05');
    expect(az.date('2027-01-31T23:30:00Z', 'date')).toBe('1 fevral 2027');
    expect(az.date('not a date')).toBe('not a date');
    const en = createTranslator('en', 'UTC', { formats: 'catalogue' });
    expect(en.date(AT, 'dateTime')).toBe('December 7, 2026 at 05:05');
  });

  it('forced: Azerbaijani separators (CLDR: 64.008 and 12.345,5), money with the code after the amount', () => {
    const az = createTranslator('az', undefined, { formats: 'catalogue' });
    expect(az.number(64008)).toBe('64.008');
    expect(az.number(1234567.25, { maximumFractionDigits: 2 })).toBe('1.234.567,25');
    expect(az.number(-12345.5)).toBe('-12.345,5');
    // A no-break space between amount and code, as CLDR (and Node's full ICU) writes it.
    expect(az.number(935, { style: 'currency', currency: 'AZN' })).toBe('935,00\u00a0AZN');
    expect(az.number(935, { style: 'currency', currency: 'AZN' })).toBe(new Intl.NumberFormat('az', { style: 'currency', currency: 'AZN', currencyDisplay: 'code' }).format(935));
    // The same as Node's full ICU writes them.
    expect(az.number(1234567.25, { maximumFractionDigits: 2 })).toBe(new Intl.NumberFormat('az', { maximumFractionDigits: 2 }).format(1234567.25));
    const en = createTranslator('en', undefined, { formats: 'catalogue' });
    expect(en.number(64008.5)).toBe('64,008.5');
    expect(en.number(935, { style: 'currency', currency: 'AZN' })).toBe(new Intl.NumberFormat('en', { style: 'currency', currency: 'AZN', currencyDisplay: 'code' }).format(935));
  });

  it('forced: numbers inside messages (plural #, {n, number}) use the same separators', () => {
    const az = createTranslator('az', undefined, { formats: 'catalogue' });
    expect(az.t('common.records.count', { count: 64008 })).toBe('64.008 qeyd');
    expect(az.t('privacy.export.countOf', { done: 12345, total: 64008 })).toBe('64.008 qeyddən 12.345');
  });

  it('forced off: Intl even for a language it may lack', () => {
    expect(createTranslator('az', undefined, { formats: 'intl' }).fallback).toBe(false);
  });
});
