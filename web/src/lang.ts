import { createTranslator, isLanguage, LANGUAGES, negotiateLanguage, type Language, type MessageKey, type MessageValues, type Translator } from '@footprint/i18n';

/**
 * The page's language, shared by the privacy centre and the desk. The gateway
 * serves each page already translated into the language it negotiated (the
 * reader's saved choice — the `footprint_lang` cookie — else Accept-Language),
 * and says which in `<html lang>`; the script starts in that language, so an
 * Azerbaijani reader never sees English first. Switching re-translates the
 * static markup (`data-i18n`, `data-i18n-attr`) and asks each part of the page
 * to render itself again.
 */

/** Where the controller answers: dates are shown in this time zone unless the page is told otherwise. */
export const DEFAULT_TIME_ZONE = 'Asia/Baku';
const COOKIE = 'footprint_lang';

// Dates and numbers: the translator writes them from the catalogue where this browser's Intl lacks the language
// (Debian's Chromium has no az data: "2026 M12 7", "64,008").
let translator: Translator = createTranslator(initialLanguage(), DEFAULT_TIME_ZONE);
const listeners: ((language: Language) => void | Promise<void>)[] = [];

/** The language the page was served in, else the browser's. */
function initialLanguage(): Language {
  const served = document.documentElement.lang;
  if (isLanguage(served)) return served;
  return negotiateLanguage(navigator.languages);
}

export const t = (key: MessageKey, values?: MessageValues): string => translator.t(key, values);
export const tr = (): Translator => translator;
export const language = (): Language => translator.language;
export const languages = (): readonly Language[] => LANGUAGES;

/** The reader's own choice on this browser (the cookie the gateway reads to serve the page in it), or null. */
export function savedLanguage(): Language | null {
  const m = /(?:^|;\s*)footprint_lang=([^;]+)/.exec(document.cookie);
  const v = m ? decodeURIComponent(m[1] ?? '') : null;
  return isLanguage(v) ? v : null;
}

/** Runs `fn` after every switch of language (to render again what the script built). */
export function onLanguageChange(fn: (language: Language) => void | Promise<void>): void {
  listeners.push(fn);
}

/** Switches the page: keeps the choice on this browser, translates the markup, tells every listener. */
export async function setLanguage(next: Language, opts: { remember?: boolean } = {}): Promise<void> {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is not in every browser the page serves; the value is one encoded language code
  if (opts.remember !== false) document.cookie = `${COOKIE}=${encodeURIComponent(next)}; path=/privacy; max-age=31536000; samesite=strict`;
  if (next === translator.language) return;
  translator = createTranslator(next, translator.timeZone);
  translateMarkup(document);
  await Promise.all(listeners.map((fn) => fn(next)));
}

/** Fills every `data-i18n` element's text and `data-i18n-attr` ("attr:key;attr:key") attributes; sets `<html lang>` and the title. */
export function translateMarkup(root: Document | HTMLElement): void {
  if (root instanceof Document) root.documentElement.lang = translator.language;
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MessageKey);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    for (const pair of (el.dataset.i18nAttr ?? '').split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim() as MessageKey));
    }
  }
}

/**
 * The language switcher every page shows: one select listing each catalogue
 * language by its own name. `choose` is called with the reader's choice (the
 * privacy centre also keeps it with the person's account).
 */
export function languageSwitcher(choose: (language: Language) => void | Promise<void>): HTMLElement {
  const wrap = document.createElement('p');
  wrap.className = 'language';
  const label = document.createElement('label');
  label.htmlFor = 'language';
  label.className = 'inline';
  label.dataset.i18n = 'common.language.choose';
  label.textContent = t('common.language.choose');
  const select = document.createElement('select');
  select.id = 'language';
  for (const lang of LANGUAGES) {
    const option = document.createElement('option');
    option.value = lang;
    option.lang = lang;
    // Each language named in itself, so a reader finds theirs whatever the page is in.
    option.textContent = createTranslator(lang).t('common.language.name');
    select.append(option);
  }
  select.value = translator.language;
  onLanguageChange((l) => {
    select.value = l;
  });
  select.addEventListener('change', () => {
    if (isLanguage(select.value)) void choose(select.value);
  });
  wrap.append(label, ' ', select);
  return wrap;
}
