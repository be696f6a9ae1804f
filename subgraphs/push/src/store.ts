import type { Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/schema';

export interface PushRegistrationRow extends RecordRow {
  accountId: string;
  gaid: string | null;
  /** The last 6 characters of the FCM token; the rest of the token is never stored (see tokens.ts). */
  fcmTokenTail: string | null;
  /** SHA-256 of the full FCM token, to match a token the provider reports as expired; never selected into a response. */
  fcmTokenFingerprint: string | null;
  androidId: string;
  spaceId: number;
  appPackage: string;
  appVersion: string;
  deviceModel: string;
  deviceBrand: string;
  registeredAt: string;
}
export interface PushNotificationRow extends RecordRow {
  /** SYSTEM, SERVICE or MARKETING. */
  category: string;
  appPackage: string;
  title: string;
  body: string;
  sentAt: string;
  openedAt: string | null;
  /** The registration row it was delivered to; null once that registration is removed. */
  registrationId: number | null;
}
export interface MarketingChoiceRow extends RecordRow {
  optedIn: number;
  channel: string;
  at: string;
}
export interface AppNotificationSettingRow extends RecordRow {
  appPackage: string;
  enabled: number;
  sound: number;
  badge: number;
  updatedAt: string;
}
export interface AdvertisingIdRow extends RecordRow {
  advertisingId: string;
  limitAdTracking: number;
  resetAt: string | null;
}
export interface AdSegmentRow extends RecordRow {
  segmentName: string;
  placedAt: string;
  placedBy: string;
}
export interface ProfilingObjectionRow extends RecordRow {
  objected: number;
  at: string;
}

export interface PushDB {
  registration: PushRegistrationRow;
  notification: PushNotificationRow;
  marketingChoice: MarketingChoiceRow;
  appNotificationSetting: AppNotificationSettingRow;
  adId: AdvertisingIdRow;
  adSegment: AdSegmentRow;
  profilingObjection: ProfilingObjectionRow;
}

/** Record type → table; the kit paginates, counts and summarises through it. */
export const TABLES = {
  PushRegistration: 'registration',
  PushNotification: 'notification',
  MarketingChoice: 'marketingChoice',
  AppNotificationSetting: 'appNotificationSetting',
  AdvertisingId: 'adId',
  AdSegment: 'adSegment',
  ProfilingObjection: 'profilingObjection',
} as const;

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await createRecordTable(db, 'registration', (t) =>
        t
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('gaid', 'text')
          .addColumn('fcm_token_tail', 'text')
          .addColumn('fcm_token_fingerprint', 'text')
          .addColumn('android_id', 'text', (c) => c.notNull())
          .addColumn('space_id', 'integer', (c) => c.notNull())
          .addColumn('app_package', 'text', (c) => c.notNull())
          .addColumn('app_version', 'text', (c) => c.notNull())
          .addColumn('device_model', 'text', (c) => c.notNull())
          .addColumn('device_brand', 'text', (c) => c.notNull())
          .addColumn('registered_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'notification', (t) =>
        t
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('app_package', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text', (c) => c.notNull())
          .addColumn('opened_at', 'text')
          .addColumn('registration_id', 'integer'),
      );
      await createRecordTable(db, 'marketing_choice', (t) =>
        t
          .addColumn('opted_in', 'integer', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'app_notification_setting', (t) =>
        t
          .addColumn('app_package', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('sound', 'integer', (c) => c.notNull())
          .addColumn('badge', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'ad_id', (t) =>
        t
          .addColumn('advertising_id', 'text', (c) => c.notNull())
          .addColumn('limit_ad_tracking', 'integer', (c) => c.notNull())
          .addColumn('reset_at', 'text'),
      );
      await createRecordTable(db, 'ad_segment', (t) =>
        t
          .addColumn('segment_name', 'text', (c) => c.notNull())
          .addColumn('placed_at', 'text', (c) => c.notNull())
          .addColumn('placed_by', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'profiling_objection', (t) =>
        t.addColumn('objected', 'integer', (c) => c.notNull()).addColumn('at', 'text', (c) => c.notNull()),
      );
    },
  },
};

export type PushStore = Store<PushDB>;

export function openPushStore(url: string | undefined, dataDir: string): PushStore {
  return openStore<PushDB>({ domain: 'push', url, dataDir, migrations });
}
