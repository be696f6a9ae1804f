import { column, type Store, defineTables, recordTable, type DatabaseOf, type KindRowsOf } from '@footprint/kit';

const { text, integer } = column;

/**
 * The push domain's tables, described once: migrations, row types and the
 * record type → table map come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  registration: recordTable('PushRegistration', {
    accountId: text(),
    gaid: text().nullable(),
    /** The last 6 characters of the FCM token; the rest of the token is never stored (see tokens.ts). */
    fcmTokenTail: text().nullable(),
    /** SHA-256 of the full FCM token, to match a token the provider reports as expired; never selected into a response. */
    fcmTokenFingerprint: text().nullable(),
    androidId: text(),
    spaceId: integer(),
    appPackage: text(),
    appVersion: text(),
    deviceModel: text(),
    deviceBrand: text(),
    registeredAt: text(),
  }),
  notification: recordTable('PushNotification', {
    /** SYSTEM, SERVICE or MARKETING. */
    category: text(),
    appPackage: text(),
    title: text(),
    body: text(),
    sentAt: text(),
    openedAt: text().nullable(),
    /** The registration row it was delivered to; null once that registration is removed. */
    registrationId: integer().nullable(),
  }),
  marketingChoice: recordTable('MarketingChoice', {
    optedIn: integer(),
    channel: text(),
    at: text(),
  }),
  appNotificationSetting: recordTable('AppNotificationSetting', {
    appPackage: text(),
    enabled: integer(),
    sound: integer(),
    badge: integer(),
    updatedAt: text(),
  }),
  adId: recordTable('AdvertisingId', {
    advertisingId: text(),
    limitAdTracking: integer(),
    resetAt: text().nullable(),
  }),
  adSegment: recordTable('AdSegment', {
    segmentName: text(),
    placedAt: text(),
    placedBy: text(),
  }),
  profilingObjection: recordTable('ProfilingObjection', {
    objected: integer(),
    at: text(),
  }),
});

export interface PushDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** Row names the domain's code uses. */
export type PushRegistrationRow = KindRows['PushRegistration'];
export type MarketingChoiceRow = KindRows['MarketingChoice'];
export type AppNotificationSettingRow = KindRows['AppNotificationSetting'];
export type ProfilingObjectionRow = KindRows['ProfilingObjection'];

export type PushStore = Store<PushDB>;
