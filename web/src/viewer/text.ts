import { CATALOGUES, createTranslator, type MessageKey, type MessageValues, REFERENCE_LANGUAGE, type Translator } from '@footprint/i18n';
import { IntlMessageFormat } from 'intl-messageformat';
import { valueAt, type Rec, type ViewerKind } from './data.js';

/**
 * The person's words for the archive: field labels (catalogue `fields`), the
 * viewer's texts (`viewer`), kind titles (the data map's when the catalogues
 * have them), dates in their time zone, money in the order's currency.
 */
export class Texts {
  readonly tr: Translator;
  /**
   * Whether this browser's Intl knows the language. Chrome and Chromium ship a reduced ICU without Azerbaijani
   * (Intl formats az dates as "2020 M10 20"): then dates are written from the catalogue's month names and numbers
   * with az's separators (those of CLDR: 12.345,5 and "935,00 AZN").
   */
  private readonly native: boolean;
  private readonly parts: Intl.DateTimeFormat;
  /** Messages formatted here when Intl lacks the language, so that a plural's number ("64.008 qeyd") is az's too. */
  private readonly messages = new Map<string, IntlMessageFormat>();

  constructor(
    readonly language: string,
    readonly timeZone: string,
  ) {
    this.tr = createTranslator(language, timeZone);
    // supportedLocalesOf says yes even then: ask Intl for October's name and compare it with the catalogue's.
    const october = new Intl.DateTimeFormat(language, { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2020, 9, 15));
    this.native = october.toLocaleLowerCase(language) === (this.optional('viewer.month.10') ?? october).toLocaleLowerCase(language);
    this.parts = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  }

  t(key: MessageKey, values?: MessageValues): string {
    if (this.native) return this.tr.t(key, values);
    let mf = this.messages.get(key);
    if (!mf) {
      const source = CATALOGUES[this.language]?.[key] ?? CATALOGUES[REFERENCE_LANGUAGE]?.[key] ?? key;
      mf = new IntlMessageFormat(source, this.language, undefined, {
        formatters: {
          // German's separators are az's (see `native`); the options are those the catalogue's message asks for.
          getNumberFormat: (_locales, options) => new Intl.NumberFormat('de', options as Intl.NumberFormatOptions | undefined),
          getDateTimeFormat: (locales, options) => new Intl.DateTimeFormat(locales, options),
          getPluralRules: (locales, options) => new Intl.PluralRules(locales, options),
        },
      });
      this.messages.set(key, mf);
    }
    return String(mf.format(values));
  }

  /** A key built from data (a field name, an enum value): used only when the catalogue has it. */
  has(key: string): key is MessageKey {
    return key in (CATALOGUES[REFERENCE_LANGUAGE] ?? {});
  }

  optional(key: string): string | null {
    return this.has(key) ? this.tr.t(key) : null;
  }

  /** A field's label: `fields.<dot path>`; a field no catalogue names yet shows its name. */
  label(field: string): string {
    return this.optional(`fields.${field}`) ?? field;
  }

  kindTitle(k: ViewerKind): string {
    return this.optional(`datamap.kind.${k.kind}.title`) ?? k.title;
  }

  domain(d: string): string {
    return this.optional(`datamap.domain.${d}`) ?? d;
  }

  enumValue(v: string): string {
    return this.optional(`fields.value.${v}`) ?? v;
  }

  date(v: unknown, style: 'date' | 'dateTime' | 'time' = 'dateTime'): string {
    if (typeof v !== 'string' && typeof v !== 'number') return '';
    if (this.native) return this.tr.date(v, style);
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return String(v);
    const p = Object.fromEntries(this.parts.formatToParts(d).map((x) => [x.type, x.value]));
    const month = this.optional(`viewer.month.${Number(p.month)}`) ?? String(p.month);
    const date = this.t('viewer.date.long', { day: Number(p.day), month, year: String(p.year) });
    const time = `${p.hour}:${p.minute}`;
    return style === 'date' ? date : style === 'time' ? time : this.t('viewer.date.dateTime', { date, time });
  }

  number(n: number, options?: Intl.NumberFormatOptions): string {
    // German's separators are CLDR's for az (grouping ".", decimal ","): used only where the browser lacks az.
    return this.native ? this.tr.number(n, options) : new Intl.NumberFormat('de', options).format(n);
  }

  /** A decimal amount ("1299.00") in a currency (ISO 4217), as the language writes money. */
  money(amount: unknown, currency: unknown): string {
    const n = typeof amount === 'number' ? amount : typeof amount === 'string' ? Number(amount) : Number.NaN;
    if (Number.isNaN(n)) return String(amount ?? '');
    // The ISO code, not the sign: "₼" is missing from many fonts (it shows as a box), and the archive is read with any.
    if (typeof currency === 'string' && /^[A-Z]{3}$/.test(currency)) return this.number(n, { style: 'currency', currency, currencyDisplay: 'code' });
    return this.number(n, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  /** A field's value as text, by its type: dates, booleans, enums, numbers, lists. */
  value(r: Rec, field: string, type: string): string {
    const v = valueAt(r, field);
    if (v === null || v === undefined || v === '') return '';
    if (type === 'DateTime') return this.date(v);
    if (type === 'Boolean') return this.t(v ? 'viewer.yes' : 'viewer.no');
    if (type === 'Int' || type === 'Float') return typeof v === 'number' ? this.number(v) : String(v);
    if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === 'object' ? Object.values(x as Record<string, unknown>).filter((y) => y !== null && y !== '').join(' · ') : String(x))).join('; ');
    if (typeof v === 'string' && /^[A-Z][A-Z0-9_]+$/.test(v)) return this.enumValue(v);
    if (field === 'provenance' && typeof v === 'string') return this.optional(`fields.value.${v}`) ?? v;
    return String(v);
  }
}
