import { column, defineTables, recordTable, type DatabaseOf, type KindRowsOf } from '@footprint/kit';

const { text, integer } = column;

/**
 * The account domain's tables, described once: the migrations, the row types
 * and the record type → table map all come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  profile: recordTable('Profile', {
    accountId: text(),
    name: text(),
    nickname: text().nullable(),
    gender: text().nullable(),
    photoUrl: text().nullable(),
    email: text().nullable(),
    phone: text().nullable(),
  }),
  securitySetting: recordTable('SecuritySetting', {
    factor: text(),
    /** Hash or secret reference; never selected into a response. */
    secretHash: text().nullable(),
    enabledSince: text().nullable(),
    lastChangedAt: text().nullable(),
  }),
  signIn: recordTable('SignInEvent', {
    event: text(),
    at: text(),
    ip: text(),
    userAgent: text().nullable(),
    cookieId: text().nullable(),
    deviceId: text().nullable(),
    success: integer(),
  }),
  linkedAccount: recordTable('LinkedAccount', {
    provider: text(),
    externalId: text(),
    nickname: text().nullable(),
    photoUrl: text().nullable(),
    email: text().nullable(),
    linkedAt: text(),
  }),
  ecv: recordTable('EnvironmentValue', {
    value: text(),
    /** JSON array of the signals it was derived from. */
    derivedFrom: text(),
    computedAt: text(),
  }),
  consent: recordTable('Consent', { purpose: text(), granted: integer(), at: text(), channel: text() }),
  notificationPreference: recordTable('NotificationPreference', { channel: text(), topic: text(), enabled: integer(), updatedAt: text() }),
  dataRegion: recordTable('DataResidency', { country: text(), since: text() }),
});

/** The Kysely database type (an interface, so inference and messages name it). */
export interface AccountDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
