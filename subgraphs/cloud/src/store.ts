import { PostgresAdapter, type Kysely, type Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/kit';

/** vCard 4.0 TEL TYPE values (the GraphQL enum CloudPhoneType). */
export type PhoneType = 'CELL' | 'HOME' | 'WORK' | 'FAX' | 'PAGER' | 'OTHER';
/** vCard 4.0 EMAIL TYPE values (the GraphQL enum CloudEmailType). */
export type EmailType = 'HOME' | 'WORK' | 'OTHER';
export type MediaType = 'PHOTO' | 'VIDEO';
export type FileKind = 'APP_DATA' | 'RECORDING' | 'CALL_RECORDING' | 'BACKUP' | 'OTHER';
export type LocationMethod = 'GPS' | 'CELL' | 'WIFI';
export type CommandType = 'LOCK' | 'WIPE' | 'RING';
export type CommandStatus = 'PENDING' | 'DELIVERED' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface CloudContactRow extends RecordRow {
  /** vCard UID. */
  uid: string;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  organisation: string | null;
  jobTitle: string | null;
  /** YYYY-MM-DD. */
  birthday: string | null;
  note: string | null;
  starred: number;
  updatedAt: string;
}
/** One TEL of a contact; not a record of its own (it belongs to its contact). */
export interface CloudContactPhoneRow {
  contactId: number;
  position: number;
  personId: string;
  number: string;
  type: PhoneType;
  preferred: number;
}
/** One EMAIL of a contact; not a record of its own (it belongs to its contact). */
export interface CloudContactEmailRow {
  contactId: number;
  position: number;
  personId: string;
  address: string;
  type: EmailType;
  preferred: number;
}
export interface CloudNoteRow extends RecordRow {
  title: string;
  body: string;
  folder: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface GalleryItemRow extends RecordRow {
  fileName: string;
  mediaType: MediaType;
  mimeType: string;
  /** bigint: PostgreSQL returns it as a string, so resolvers convert. */
  sizeBytes: number | string;
  takenAt: string;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  album: string | null;
  latitude: number | null;
  longitude: number | null;
  placeName: string | null;
}
export interface SyncedFileRow extends RecordRow {
  kind: FileKind;
  name: string;
  sizeBytes: number | string;
  mimeType: string | null;
  appPackage: string | null;
  syncedAt: string;
}
export interface DeviceLocationRow extends RecordRow {
  /** `device.id` of the reporting device. */
  deviceId: number;
  latitude: number;
  longitude: number;
  accuracyMeters: number;
  method: LocationMethod;
  at: string;
}
export interface DeviceCommandRow extends RecordRow {
  deviceId: number;
  command: CommandType;
  status: CommandStatus;
  issuedAt: string;
  completedAt: string | null;
  issuedFrom: string;
  lockMessage: string | null;
  /** Hash of the lock passcode; never selected into a response. */
  passcodeHash: string | null;
}
export interface CloudDeviceRow extends RecordRow {
  name: string;
  model: string;
  /** Only the last 4 digits of the IMEI are kept; the full number is never stored. */
  imeiLast4: string | null;
  imei2Last4: string | null;
  oaid: string | null;
  serialNumber: string;
  androidId: string;
  activatedAt: string;
  lastSeenAt: string | null;
  findDeviceEnabled: number;
}

export interface CloudDB {
  contact: CloudContactRow;
  contactPhone: CloudContactPhoneRow;
  contactEmail: CloudContactEmailRow;
  note: CloudNoteRow;
  galleryItem: GalleryItemRow;
  syncedFile: SyncedFileRow;
  deviceLocation: DeviceLocationRow;
  deviceCommand: DeviceCommandRow;
  device: CloudDeviceRow;
}

/** Record type → table; the kit paginates, counts and summarises through it. */
export const TABLES = {
  CloudContact: 'contact',
  CloudNote: 'note',
  GalleryItem: 'galleryItem',
  SyncedFile: 'syncedFile',
  DeviceLocation: 'deviceLocation',
  DeviceCommand: 'deviceCommand',
  CloudDevice: 'device',
} as const;

/** A contact's TEL or EMAIL list: keyed by (contact, position), with the owner for person-scoped reads. */
async function createContactChildTable(db: Kysely<unknown>, table: string, valueColumn: string): Promise<void> {
  await db.schema
    .createTable(table)
    .addColumn('contact_id', 'integer', (c) => c.notNull().references('contact.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn(valueColumn, 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('preferred', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint(`${table}_pk`, ['contact_id', 'position'])
    .execute();
  await db.schema.createIndex(`${table}_person_idx`).on(table).column('person_id').execute();
}

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      const bigint = isPg ? 'bigint' : 'integer';
      await createRecordTable(db, 'device', (t) =>
        t
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('model', 'text', (c) => c.notNull())
          .addColumn('imei_last4', 'text')
          .addColumn('imei2_last4', 'text')
          .addColumn('oaid', 'text')
          .addColumn('serial_number', 'text', (c) => c.notNull())
          .addColumn('android_id', 'text', (c) => c.notNull())
          .addColumn('activated_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text')
          .addColumn('find_device_enabled', 'integer', (c) => c.notNull()),
      );
      await createRecordTable(db, 'contact', (t) =>
        t
          .addColumn('uid', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn('given_name', 'text')
          .addColumn('family_name', 'text')
          .addColumn('middle_name', 'text')
          .addColumn('organisation', 'text')
          .addColumn('job_title', 'text')
          .addColumn('birthday', 'text')
          .addColumn('note', 'text')
          .addColumn('starred', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()),
      );
      await createContactChildTable(db, 'contact_phone', 'number');
      await createContactChildTable(db, 'contact_email', 'address');
      await createRecordTable(db, 'note', (t) =>
        t
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('folder', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'gallery_item', (t) =>
        t
          .addColumn('file_name', 'text', (c) => c.notNull())
          .addColumn('media_type', 'text', (c) => c.notNull())
          .addColumn('mime_type', 'text', (c) => c.notNull())
          .addColumn('size_bytes', bigint, (c) => c.notNull())
          .addColumn('taken_at', 'text', (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('duration_seconds', 'integer')
          .addColumn('album', 'text')
          .addColumn('latitude', 'double precision')
          .addColumn('longitude', 'double precision')
          .addColumn('place_name', 'text'),
      );
      await createRecordTable(db, 'synced_file', (t) =>
        t
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('size_bytes', bigint, (c) => c.notNull())
          .addColumn('mime_type', 'text')
          .addColumn('app_package', 'text')
          .addColumn('synced_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'device_location', (t) =>
        t
          .addColumn('device_id', 'integer', (c) => c.notNull().references('device.id'))
          .addColumn('latitude', 'double precision', (c) => c.notNull())
          .addColumn('longitude', 'double precision', (c) => c.notNull())
          .addColumn('accuracy_meters', 'double precision', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'device_command', (t) =>
        t
          .addColumn('device_id', 'integer', (c) => c.notNull().references('device.id'))
          .addColumn('command', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('issued_at', 'text', (c) => c.notNull())
          .addColumn('completed_at', 'text')
          .addColumn('issued_from', 'text', (c) => c.notNull())
          .addColumn('lock_message', 'text')
          .addColumn('passcode_hash', 'text'),
      );
    },
  },
};

export type CloudStore = Store<CloudDB>;

export function openCloudStore(url: string | undefined, dataDir: string): CloudStore {
  return openStore<CloudDB>({ domain: 'cloud', url, dataDir, migrations });
}
