import { IntlMessageFormat } from 'intl-messageformat';
import { CATALOGUES, type MessageKey, REFERENCE_LANGUAGE } from './generated/catalogues.js';
import { type Language, isLanguage } from './languages.js';

/** Values a message's placeholders take: numbers for plurals, strings, dates. */
export type MessageValues = Record<string, string | number | Date | boolean | null | undefined>;

/**
 * One language's texts and formats. Every text a person or an operator reads is
 * `t(key, values)` over a catalogue message (ICU MessageFormat): plurals, numbers
 * and dates come from Intl for that language (Node's full ICU and every browser
 * know `az`), never from suffixes or concatenation in code.
 */
export interface Translator {
  readonly language: Language;
  readonly timeZone: string | undefined;
  t(key: MessageKey, values?: MessageValues): string;
  /** A date (and time unless `dateOnly`) in the language and the person's time zone. */
  date(value: Date | string | number, style?: 'date' | 'dateTime' | 'time'): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
  /** Sorts names as the language sorts them (Azerbaijani: ç after c, ə after e, ı before i, …). */
  compare(a: string, b: string): number;
  upper(text: string): string;
}

const cache = new Map<string, IntlMessageFormat>();

function format(language: Language, key: MessageKey, values: MessageValues | undefined): string {
  const id = `${language}\u0000${key}`;
  let mf = cache.get(id);
  if (!mf) {
    // A key missing in a language falls back to the reference language; the catalogue check fails the build's tests first.
    const source = CATALOGUES[language]?.[key] ?? CATALOGUES[REFERENCE_LANGUAGE]?.[key];
    if (source === undefined) return key;
    mf = new IntlMessageFormat(source, language);
    cache.set(id, mf);
  }
  const result = mf.format(values as Record<string, string | number | Date | boolean | null | undefined> | undefined);
  return typeof result === 'string' ? result : String(result);
}

export function createTranslator(language: string, timeZone?: string): Translator {
  const lang: Language = isLanguage(language) ? language : REFERENCE_LANGUAGE;
  const collator = new Intl.Collator(lang);
  const formats = {
    date: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone }),
    dateTime: new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short', timeZone }),
    time: new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone }),
  };
  return {
    language: lang,
    timeZone,
    t: (key, values) => format(lang, key, values),
    date: (value, style = 'dateTime') => {
      const d = value instanceof Date ? value : new Date(value);
      return Number.isNaN(d.getTime()) ? String(value) : formats[style].format(d);
    },
    number: (value, options) => new Intl.NumberFormat(lang, options).format(value),
    compare: (a, b) => collator.compare(a, b),
    upper: (text) => text.toLocaleUpperCase(lang),
  };
}
