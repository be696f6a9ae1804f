import { CATALOGUES, createTranslator, type MessageKey, type MessageValues, REFERENCE_LANGUAGE, type Translator } from '@footprint/i18n';
import { valueAt, type Rec, type ViewerKind } from './data.js';

/**
 * The person's words for the archive: field labels (catalogue `fields`), the
 * viewer's texts (`viewer`), kind titles (the data map's when the catalogues
 * have them), dates in their time zone, money in the order's currency.
 */
export class Texts {
  readonly tr: Translator;
  constructor(
    readonly language: string,
    readonly timeZone: string,
  ) {
    // The translator writes dates and numbers from the catalogue where this browser's Intl lacks the language.
    this.tr = createTranslator(language, timeZone);
  }

  t(key: MessageKey, values?: MessageValues): string {
    return this.tr.t(key, values);
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
    return this.tr.date(v, style);
  }

  number(n: number, options?: Intl.NumberFormatOptions): string {
    return this.tr.number(n, options);
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
