import { type Formatters, IntlMessageFormat } from 'intl-messageformat';
import { CATALOGUES, type MessageKey, REFERENCE_LANGUAGE } from './generated/catalogues.js';
import { type Language, isLanguage } from './languages.js';

/** Values a message's placeholders take: numbers for plurals, strings, dates. */
export type MessageValues = Record<string, string | number | Date | boolean | null | undefined>;

type DateStyle = 'date' | 'dateTime' | 'time';

/**
 * One language's texts and formats. Every text a person or an operator reads is
 * `t(key, values)` over a catalogue message (ICU MessageFormat): plurals, numbers
 * and dates come from Intl for that language where the runtime has its data (Node's
 * full ICU), and from the catalogue (`common.format.*`: month names, separators)
 * where it does not (Debian's Chromium has no Azerbaijani data) — never from
 * suffixes or concatenation in code.
 */
export interface Translator {
  readonly language: Language;
  readonly timeZone: string | undefined;
  /** true when dates and numbers are written from the catalogue because Intl lacks the language. */
  readonly fallback: boolean;
  t(key: MessageKey, values?: MessageValues): string;
  /** A date (and time unless `dateOnly`) in the language and the person's time zone. */
  date(value: Date | string | number, style?: DateStyle): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
  /** Sorts names as the language sorts them (Azerbaijani: ç after c, ə after e, ı before i, …). */
  compare(a: string, b: string): number;
  upper(text: string): string;
}

export interface TranslatorOptions {
  /**
   * Where dates and numbers come from: `auto` (the default) asks the runtime whether its Intl has the
   * language's data; `catalogue` forces the catalogue's month names and separators (tests); `intl` forces Intl.
   */
  formats?: 'auto' | 'intl' | 'catalogue';
}

const knows = new Map<string, boolean>();

/**
 * Whether this runtime's Intl really has the language's data. A reduced ICU (Chromium's) may still claim
 * the language and then print the root locale's patterns — "2026 M12 7", "64,008" — so besides
 * supportedLocalesOf a month name is asked for: a real one has no digit.
 */
export function intlSupports(language: string): boolean {
  let known = knows.get(language);
  if (known === undefined) {
    try {
      known =
        Intl.DateTimeFormat.supportedLocalesOf([language]).length > 0 &&
        Intl.NumberFormat.supportedLocalesOf([language]).length > 0 &&
        !/\d/.test(new Intl.DateTimeFormat(language, { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2020, 9, 15)));
    } catch {
      known = false;
    }
    knows.set(language, known);
  }
  return known;
}

const source = (language: Language, key: MessageKey): string | undefined => CATALOGUES[language]?.[key] ?? CATALOGUES[REFERENCE_LANGUAGE]?.[key];

/** The language's words for dates and its separators, from `common.format.*`, over Intl's numeric parts (which every runtime has). */
class CatalogueFormats {
  private readonly parts: Intl.DateTimeFormat;
  private readonly decimal: string;
  private readonly group: string;

  constructor(
    timeZone: string | undefined,
    private readonly message: (key: MessageKey, values?: MessageValues) => string,
  ) {
    this.parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.decimal = message('common.format.decimal');
    this.group = message('common.format.group');
  }

  date(d: Date, style: DateStyle): string {
    const p = Object.fromEntries(this.parts.formatToParts(d).map((x) => [x.type, x.value]));
    const day = this.message('common.format.date', { day: p.day, month: String(Number(p.month)), year: p.year });
    const time = this.message('common.format.time', { hour: p.hour, minute: p.minute });
    return style === 'date' ? day : style === 'time' ? time : this.message('common.format.dateTime', { date: day, time });
  }

  number(value: number | bigint, options?: Intl.NumberFormatOptions): string {
    const money = options?.style === 'currency';
    // en-US gives the digits and where the separators go; the language's own separators replace them.
    const base = new Intl.NumberFormat('en-US', money ? { ...options, currencyDisplay: 'code' } : options);
    let amount = '';
    let currency = '';
    for (const part of base.formatToParts(value)) {
      if (part.type === 'group') amount += this.group;
      else if (part.type === 'decimal') amount += this.decimal;
      else if (part.type === 'currency') currency = part.value;
      else if (!(money && part.type === 'literal')) amount += part.value;
    }
    // Where the currency goes is the language's ("935,00 AZN"), so it is a catalogue message too.
    return money ? this.message('common.format.money', { amount, currency }) : amount;
  }

  /** The formatters intl-messageformat uses for `#` and `{n, number}` / `{d, date}` inside messages. */
  formatters(): Formatters {
    const formats = this;
    class NumberFormat extends Intl.NumberFormat {
      constructor(private readonly options?: Intl.NumberFormatOptions) {
        super('en-US', options);
      }
      override format(value: number | bigint): string {
        return formats.number(value, this.options);
      }
    }
    class DateTimeFormat extends Intl.DateTimeFormat {
      constructor(private readonly style: DateStyle) {
        super('en-US');
      }
      override format(value?: Date | number): string {
        return formats.date(value instanceof Date ? value : new Date(value ?? Date.now()), this.style);
      }
    }
    return {
      // intl-messageformat's option type is a newer ES's (trailingZeroDisplay: stripToMinimum); the options come from a parsed message skeleton.
      getNumberFormat: (_locales, options) => new NumberFormat(options as Intl.NumberFormatOptions | undefined),
      getDateTimeFormat: (_locales, options) =>
        new DateTimeFormat(options?.hour !== undefined && options.day === undefined ? 'time' : options?.hour !== undefined ? 'dateTime' : 'date'),
      getPluralRules: (locales, options) => new Intl.PluralRules(locales, options),
    };
  }
}

const cache = new Map<string, IntlMessageFormat>();

export function createTranslator(language: string, timeZone?: string, options: TranslatorOptions = {}): Translator {
  const lang: Language = isLanguage(language) ? language : REFERENCE_LANGUAGE;
  const mode = options.formats ?? 'auto';
  const fallback = mode === 'catalogue' || (mode === 'auto' && !intlSupports(lang));
  const messages = new Map<MessageKey, IntlMessageFormat>();
  let catalogue: CatalogueFormats | null = null;

  const t = (key: MessageKey, values?: MessageValues): string => {
    // Messages formatted with Intl are shared by every translator of the language; those with the catalogue's formats are this one's.
    const shared = `${lang}\u0000${key}`;
    let mf = fallback ? messages.get(key) : cache.get(shared);
    if (!mf) {
      // A key missing in a language falls back to the reference language; the catalogue check fails the build's tests first.
      const text = source(lang, key);
      if (text === undefined) return key;
      mf = catalogue ? new IntlMessageFormat(text, lang, undefined, { formatters: catalogue.formatters() }) : new IntlMessageFormat(text, lang);
      if (fallback) messages.set(key, mf);
      else cache.set(shared, mf);
    }
    const result = mf.format(values);
    return typeof result === 'string' ? result : String(result);
  };
  // The catalogue's own formats messages (month names, separators) hold no number or date, so plain Intl formats them.
  const plain = (key: MessageKey, values?: MessageValues): string => {
    const text = source(lang, key);
    return text === undefined ? key : String(new IntlMessageFormat(text, lang).format(values));
  };
  if (fallback) catalogue = new CatalogueFormats(timeZone, plain);

  const collator = new Intl.Collator(lang);
  const formats = {
    date: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone }),
    dateTime: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone }),
    time: new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone }),
  };
  return {
    language: lang,
    timeZone,
    fallback,
    t,
    date: (value, style = 'dateTime') => {
      const d = value instanceof Date ? value : new Date(value);
      if (Number.isNaN(d.getTime())) return String(value);
      return catalogue ? catalogue.date(d, style) : formats[style].format(d);
    },
    number: (value, opts) => (catalogue ? catalogue.number(value, opts) : new Intl.NumberFormat(lang, opts).format(value)),
    compare: (a, b) => collator.compare(a, b),
    upper: (text) => text.toLocaleUpperCase(lang),
  };
}
