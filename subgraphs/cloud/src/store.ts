import type { Selectable } from 'kysely';
import { column, defineTables, openStore, plainTable, recordTable, type DatabaseOf, type KindRowsOf, type Store } from '@footprint/kit';

/** vCard 4.0 TEL TYPE values (the GraphQL enum CloudPhoneType). */
export type PhoneType = 'CELL' | 'HOME' | 'WORK' | 'FAX' | 'PAGER' | 'OTHER';
/** vCard 4.0 EMAIL TYPE values (the GraphQL enum CloudEmailType). */
export type EmailType = 'HOME' | 'WORK' | 'OTHER';
export type MediaType = 'PHOTO' | 'VIDEO';
export type FileKind = 'APP_DATA' | 'RECORDING' | 'CALL_RECORDING' | 'BACKUP' | 'OTHER';
export type LocationMethod = 'GPS' | 'CELL' | 'WIFI';
export type CommandType = 'LOCK' | 'WIPE' | 'RING';
export type CommandStatus = 'PENDING' | 'DELIVERED' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

const { text, integer, double, bigint } = column;

/** A contact's TEL or EMAIL list: keyed by (contact, position), with the owner for person-scoped reads; not a record of its own. */
const contactChild = (table: string) => ({ key: ['contactId', 'position'], indexes: [{ name: `${table}_person_idx`, columns: ['personId'] }] });

/**
 * The cloud domain's tables, described once: migrations, row types and the
 * record type → table map come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  device: recordTable('CloudDevice', {
    name: text(),
    model: text(),
    /** Only the last 4 digits of the IMEI are kept; the full number is never stored. */
    imeiLast4: text().nullable(),
    imei2Last4: text().nullable(),
    oaid: text().nullable(),
    serialNumber: text(),
    androidId: text(),
    activatedAt: text(),
    lastSeenAt: text().nullable(),
    findDeviceEnabled: integer(),
  }),
  contact: recordTable('CloudContact', {
    /** vCard UID. */
    uid: text(),
    displayName: text(),
    givenName: text().nullable(),
    familyName: text().nullable(),
    middleName: text().nullable(),
    organisation: text().nullable(),
    jobTitle: text().nullable(),
    /** YYYY-MM-DD. */
    birthday: text().nullable(),
    note: text().nullable(),
    starred: integer(),
    updatedAt: text(),
  }),
  contactPhone: plainTable(
    { contactId: integer().references('contact.id', 'cascade'), position: integer(), personId: text(), number: text(), type: text<PhoneType>(), preferred: integer() },
    contactChild('contact_phone'),
  ),
  contactEmail: plainTable(
    { contactId: integer().references('contact.id', 'cascade'), position: integer(), personId: text(), address: text(), type: text<EmailType>(), preferred: integer() },
    contactChild('contact_email'),
  ),
  note: recordTable('CloudNote', {
    title: text(),
    body: text(),
    folder: text().nullable(),
    createdAt: text(),
    updatedAt: text(),
  }),
  galleryItem: recordTable('GalleryItem', {
    fileName: text(),
    mediaType: text<MediaType>(),
    mimeType: text(),
    /** PostgreSQL returns bigint as a string, so resolvers convert. */
    sizeBytes: bigint(),
    takenAt: text(),
    width: integer().nullable(),
    height: integer().nullable(),
    durationSeconds: integer().nullable(),
    album: text().nullable(),
    latitude: double().nullable(),
    longitude: double().nullable(),
    placeName: text().nullable(),
  }),
  syncedFile: recordTable('SyncedFile', {
    kind: text<FileKind>(),
    name: text(),
    sizeBytes: bigint(),
    mimeType: text().nullable(),
    appPackage: text().nullable(),
    syncedAt: text(),
  }),
  deviceLocation: recordTable('DeviceLocation', {
    /** `device.id` of the reporting device. */
    deviceId: integer().references('device.id'),
    latitude: double(),
    longitude: double(),
    accuracyMeters: double(),
    method: text<LocationMethod>(),
    at: text(),
  }),
  deviceCommand: recordTable('DeviceCommand', {
    deviceId: integer().references('device.id'),
    command: text<CommandType>(),
    status: text<CommandStatus>(),
    issuedAt: text(),
    completedAt: text().nullable(),
    issuedFrom: text(),
    lockMessage: text().nullable(),
    /** Hash of the lock passcode; never selected into a response. */
    passcodeHash: text().nullable(),
  }),
}).migration('002_blobs', {
  /**
   * What a gallery item's or synced file's content is: the blob's name in the blob store (src/blobs), its size
   * and type. A child row of the record (it goes with it); the bytes live in the blob store, not here.
   */
  galleryContent: plainTable(
    { recordId: integer().references('galleryItem.id', 'cascade'), personId: text(), sha256: text(), bytes: bigint(), mimeType: text() },
    { key: ['recordId'], indexes: [{ name: 'gallery_content_person_idx', columns: ['personId'] }, { name: 'gallery_content_sha_idx', columns: ['sha256'] }] },
  ),
  fileContent: plainTable(
    { recordId: integer().references('syncedFile.id', 'cascade'), personId: text(), sha256: text(), bytes: bigint(), mimeType: text() },
    { key: ['recordId'], indexes: [{ name: 'file_content_person_idx', columns: ['personId'] }, { name: 'file_content_sha_idx', columns: ['sha256'] }] },
  ),
  /**
   * Every blob the store holds, once (content addressing: records of several people may share one). A blob no
   * content row refers to any more is marked `unreferencedAt` in the erasure's transaction and deleted from the blob
   * store after it commits (src/blobs/collect.ts); a crash in between leaves the mark for the next erasure.
   */
  blob: plainTable({ sha256: text(), bytes: bigint(), createdAt: text(), unreferencedAt: text().nullable() }, { key: ['sha256'] }),
});

export interface CloudDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** Row names the domain's code uses. */
export type CloudContactRow = KindRows['CloudContact'];
export type CloudContactPhoneRow = Selectable<CloudDB['contactPhone']>;
export type CloudContactEmailRow = Selectable<CloudDB['contactEmail']>;
export type CloudNoteRow = KindRows['CloudNote'];
export type GalleryItemRow = KindRows['GalleryItem'];
export type SyncedFileRow = KindRows['SyncedFile'];
export type DeviceLocationRow = KindRows['DeviceLocation'];
export type DeviceCommandRow = KindRows['DeviceCommand'];
export type CloudDeviceRow = KindRows['CloudDevice'];
/** A gallery item's or synced file's content row (both tables have this shape). */
export type CloudFileContentRow = Selectable<CloudDB['galleryContent']>;

export type CloudStore = Store<CloudDB>;

export function openCloudStore(url: string | undefined, dataDir: string): CloudStore {
  return openStore<CloudDB>({ domain: 'cloud', url, dataDir, migrations: tables.migrations });
}
