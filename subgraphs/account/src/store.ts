import type { Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/schema';

export interface ProfileRow extends RecordRow {
  accountId: string;
  name: string;
  nickname: string | null;
  gender: string | null;
  photoUrl: string | null;
  email: string | null;
  phone: string | null;
}
export interface SecuritySettingRow extends RecordRow {
  factor: string;
  /** Hash or secret reference; never selected into a response. */
  secretHash: string | null;
  enabledSince: string | null;
  lastChangedAt: string | null;
}
export interface SignInEventRow extends RecordRow {
  event: string;
  at: string;
  ip: string;
  userAgent: string | null;
  cookieId: string | null;
  deviceId: string | null;
  success: number;
}
export interface LinkedAccountRow extends RecordRow {
  provider: string;
  externalId: string;
  nickname: string | null;
  photoUrl: string | null;
  email: string | null;
  linkedAt: string;
}
export interface EnvironmentValueRow extends RecordRow {
  value: string;
  /** JSON array of the signals it was derived from. */
  derivedFrom: string;
  computedAt: string;
}
export interface ConsentRow extends RecordRow {
  purpose: string;
  granted: number;
  at: string;
  channel: string;
}
export interface NotificationPreferenceRow extends RecordRow {
  channel: string;
  topic: string;
  enabled: number;
  updatedAt: string;
}
export interface DataResidencyRow extends RecordRow {
  country: string;
  since: string;
}

export interface AccountDB {
  profile: ProfileRow;
  securitySetting: SecuritySettingRow;
  signIn: SignInEventRow;
  linkedAccount: LinkedAccountRow;
  ecv: EnvironmentValueRow;
  consent: ConsentRow;
  notificationPreference: NotificationPreferenceRow;
  dataRegion: DataResidencyRow;
}

/** Record type → table; the kit paginates, counts and summarises through it. */
export const TABLES = {
  Profile: 'profile',
  SecuritySetting: 'securitySetting',
  SignInEvent: 'signIn',
  LinkedAccount: 'linkedAccount',
  EnvironmentValue: 'ecv',
  Consent: 'consent',
  NotificationPreference: 'notificationPreference',
  DataResidency: 'dataRegion',
} as const;

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await createRecordTable(db, 'profile', (t) =>
        t
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('nickname', 'text')
          .addColumn('gender', 'text')
          .addColumn('photo_url', 'text')
          .addColumn('email', 'text')
          .addColumn('phone', 'text'),
      );
      await createRecordTable(db, 'security_setting', (t) =>
        t
          .addColumn('factor', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text')
          .addColumn('enabled_since', 'text')
          .addColumn('last_changed_at', 'text'),
      );
      await createRecordTable(db, 'sign_in', (t) =>
        t
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('ip', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text')
          .addColumn('cookie_id', 'text')
          .addColumn('device_id', 'text')
          .addColumn('success', 'integer', (c) => c.notNull()),
      );
      await createRecordTable(db, 'linked_account', (t) =>
        t
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('external_id', 'text', (c) => c.notNull())
          .addColumn('nickname', 'text')
          .addColumn('photo_url', 'text')
          .addColumn('email', 'text')
          .addColumn('linked_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'ecv', (t) =>
        t
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('derived_from', 'text', (c) => c.notNull())
          .addColumn('computed_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'consent', (t) =>
        t
          .addColumn('purpose', 'text', (c) => c.notNull())
          .addColumn('granted', 'integer', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'notification_preference', (t) =>
        t
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('topic', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'data_region', (t) =>
        t.addColumn('country', 'text', (c) => c.notNull()).addColumn('since', 'text', (c) => c.notNull()),
      );
    },
  },
};

export type AccountStore = Store<AccountDB>;

export function openAccountStore(url: string | undefined, dataDir: string): AccountStore {
  return openStore<AccountDB>({ domain: 'account', url, dataDir, migrations });
}
