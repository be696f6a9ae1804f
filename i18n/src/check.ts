import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { CATALOGUES, LANGUAGES, REFERENCE_LANGUAGE } from './generated/catalogues.js';

/** The placeholders of a message with their kind (plural, select, number, date, text), nested ones included. */
export function placeholders(message: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const el of elements) {
      switch (el.type) {
        case TYPE.argument: found.set(el.value, found.get(el.value) ?? 'text'); break;
        case TYPE.number: found.set(el.value, 'number'); break;
        case TYPE.date: case TYPE.time: found.set(el.value, 'date'); break;
        case TYPE.plural: found.set(el.value, 'plural'); for (const o of Object.values(el.options)) walk(o.value); break;
        case TYPE.select: found.set(el.value, 'select'); for (const o of Object.values(el.options)) walk(o.value); break;
        case TYPE.tag: found.set(el.value, 'tag'); walk(el.children); break;
        default: break;
      }
    }
  };
  walk(parse(message));
  return found;
}

/**
 * Every way the catalogues disagree: a key missing or extra in a language, a
 * message that does not parse, a placeholder that differs from the reference
 * language's. Empty when all languages are complete and consistent.
 */
export function checkCatalogues(catalogues: Record<string, Readonly<Record<string, string>>> = CATALOGUES, languages: readonly string[] = LANGUAGES): string[] {
  const problems: string[] = [];
  const reference = catalogues[REFERENCE_LANGUAGE] ?? {};
  const refArgs = new Map<string, Map<string, string>>();
  for (const [key, msg] of Object.entries(reference)) {
    try {
      refArgs.set(key, placeholders(msg));
    } catch (e) {
      problems.push(`${REFERENCE_LANGUAGE}: "${key}" does not parse: ${(e as Error).message}`);
    }
  }
  for (const lang of languages) {
    if (lang === REFERENCE_LANGUAGE) continue;
    const cat = catalogues[lang] ?? {};
    for (const key of Object.keys(reference)) if (!(key in cat)) problems.push(`${lang}: "${key}" is missing`);
    for (const [key, msg] of Object.entries(cat)) {
      const want = refArgs.get(key);
      if (!(key in reference)) { problems.push(`${lang}: "${key}" is not in ${REFERENCE_LANGUAGE}`); continue; }
      let got: Map<string, string>;
      try { got = placeholders(msg); } catch (e) { problems.push(`${lang}: "${key}" does not parse: ${(e as Error).message}`); continue; }
      if (!want) continue;
      const describe = (m: Map<string, string>) => [...m].map(([n, t]) => `${n}:${t}`).sort().join(', ');
      if (describe(want) !== describe(got)) problems.push(`${lang}: "${key}" has placeholders {${describe(got)}}, ${REFERENCE_LANGUAGE} has {${describe(want)}}`);
    }
  }
  return problems;
}
