import type { Kysely, Migration } from 'kysely';
import { viewTables } from '@footprint/kit';
import type { GatewayStore } from '../auth/audit.js';

/** One row per person who chose; no row: nothing chosen (the browser's language is used). */
export interface PersonPreferenceTable {
  personId: string;
  language: string;
  updatedAt: string;
}

type PreferencesDB = { personPreference: PersonPreferenceTable };

export const preferenceMigrations: Record<string, Migration> = {
  // 960–969: pages and preferences (sorts after every shipped gateway migration).
  '960_person_preference': {
    async up(db) {
      await db.schema
        .createTable('person_preference')
        .addColumn('person_id', 'text', (c) => c.primaryKey())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

/** The person's preferences in the gateway's store (SQLite or PostgreSQL, like every gateway table). */
export class Preferences {
  private readonly db: Kysely<PreferencesDB>;

  constructor(store: GatewayStore) {
    this.db = viewTables<PreferencesDB>(store.db);
  }

  async get(personId: string): Promise<PersonPreferenceTable | null> {
    return (await this.db.selectFrom('personPreference').selectAll().where('personId', '=', personId).executeTakeFirst()) ?? null;
  }

  async setLanguage(personId: string, language: string, now: string): Promise<PersonPreferenceTable> {
    await this.db
      .insertInto('personPreference')
      .values({ personId, language, updatedAt: now })
      .onConflict((oc) => oc.column('personId').doUpdateSet({ language, updatedAt: now }))
      .execute();
    return { personId, language, updatedAt: now };
  }

  /** Erasure of the account: the preference is the person's data (DELETE). */
  async remove(personId: string): Promise<void> {
    await this.db.deleteFrom('personPreference').where('personId', '=', personId).execute();
  }
}
