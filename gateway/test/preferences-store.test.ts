import { afterAll, describe, expect, it } from 'vitest';
import { forgetPreferences, languageFor, usePreferences } from '../src/preferences/language.js';
import { Preferences, preferenceMigrations } from '../src/preferences/store.js';
import { requires } from '../../test/support/requires.js';
import { gatewayStores } from './stores.js';

await requires('postgres');

/**
 * The person's language preference on both of the gateway's databases —
 * SQLite and a real PostgreSQL (a database of its own for this run, dropped
 * after): kept and changed per person, read back for notices (the choice wins
 * over the browser's Accept-Language, which wins over the default), and gone
 * with an erased account.
 */

afterAll(() => {
  usePreferences(null);
});
const { sqliteStore, postgresStore } = gatewayStores('prefs', preferenceMigrations);

describe.each([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('language preferences on %s', (_name, open) => {
  it('keeps one language per person, changes it, and forgets it with the account', async () => {
    const store = await open();
    await store.migrate();
    const prefs = new Preferences(store);
    usePreferences(prefs);

    expect(await prefs.get('10000001')).toBeNull();
    // Nothing chosen: the browser's language, else English.
    expect(await languageFor('10000001', 'az-AZ,az;q=0.9')).toBe('az');
    expect(await languageFor('10000001', 'de-DE')).toBe('en');
    expect(await languageFor('10000001', null)).toBe('en');

    await prefs.setLanguage('10000001', 'az', '2026-12-07T10:00:00.000Z');
    await prefs.setLanguage('10000002', 'en', '2026-12-07T10:00:00.000Z');
    // The choice wins over what the calling browser asks for.
    expect(await languageFor('10000001', 'en-US')).toBe('az');
    await prefs.setLanguage('10000001', 'en', '2026-12-07T11:00:00.000Z');
    expect(await prefs.get('10000001')).toEqual({ personId: '10000001', language: 'en', updatedAt: '2026-12-07T11:00:00.000Z' });

    await forgetPreferences('10000001');
    expect(await prefs.get('10000001')).toBeNull();
    expect(await prefs.get('10000002')).toMatchObject({ language: 'en' });
  });
});
