import { DEFAULT_LANGUAGE, isLanguage, negotiateLanguage, type Language } from '@footprint/i18n';
import type { Preferences } from './store.js';

/**
 * The language a person is written to in (codes, notices): the one they chose
 * (kept with their account), else the one their browser asked for in the
 * request that triggered the message, else the default (English). One slot,
 * set by the gateway created last (like the rights service), so callers in
 * other features need no wiring.
 */
let current: Preferences | null = null;

export function usePreferences(p: Preferences | null): void {
  current = p;
}

export async function languageFor(person: string | null | undefined, acceptLanguage?: string | null): Promise<Language> {
  if (person && current) {
    const chosen = (await current.get(person))?.language;
    if (isLanguage(chosen)) return chosen;
  }
  return negotiateLanguage(acceptLanguage ?? null, DEFAULT_LANGUAGE);
}

/** Erasure of a whole account: the preference is the person's data (DELETE), removed with the rest. */
export async function forgetPreferences(person: string): Promise<void> {
  await current?.remove(person);
}
