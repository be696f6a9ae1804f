import type { Resolvers } from '../generated/resolvers.js';

/** How many digits an IMEI has; the masked form keeps its length so it reads as an IMEI. */
const IMEI_LENGTH = 15;

/**
 * An IMEI as it may leave the service: its last 4 digits behind asterisks.
 * The store keeps only those 4 digits; anything else is refused rather than shown.
 */
export function maskImei(last4: string | null): string | null {
  if (last4 === null || last4 === '') return null;
  if (!/^\d{4}$/.test(last4)) throw new Error('cloud.device: the store holds an IMEI tail that is not exactly 4 digits');
  return `${'*'.repeat(IMEI_LENGTH - 4)}${last4}`;
}

/** The GraphQL id of a CloudDevice, as the kit forms it for the record itself (`<kind>:<row id>`). */
const deviceGraphId = (id: number) => `cloud.device:${id}`;

/**
 * Field resolvers that turn stored rows into the schema's shape. A contact's
 * phones and e-mails and a location's or command's device come through the
 * per-request loaders (one statement for all parents). IMEIs are masked, the
 * lock passcode is only reported as set.
 */
export const recordResolvers: Resolvers = {
  CloudContact: {
    phones: (row, _, ctx) => ctx.loaders.phonesByContact.get(row.id),
    emails: (row, _, ctx) => ctx.loaders.emailsByContact.get(row.id),
    starred: (row) => row.starred === 1,
  },
  CloudContactPhone: {
    preferred: (row) => row.preferred === 1,
  },
  CloudContactEmail: {
    preferred: (row) => row.preferred === 1,
  },
  GalleryItem: {
    sizeBytes: (row) => Number(row.sizeBytes),
    content: (row, _, ctx) => ctx.loaders.galleryContent.get(row.id),
  },
  SyncedFile: {
    sizeBytes: (row) => Number(row.sizeBytes),
    content: (row, _, ctx) => ctx.loaders.fileContent.get(row.id),
  },
  CloudFileContent: {
    bytes: (row) => Number(row.bytes),
  },
  DeviceLocation: {
    deviceId: (row) => deviceGraphId(row.deviceId),
    device: (row, _, ctx) => ctx.loaders.deviceById.get(row.deviceId),
  },
  DeviceCommand: {
    deviceId: (row) => deviceGraphId(row.deviceId),
    device: (row, _, ctx) => ctx.loaders.deviceById.get(row.deviceId),
    passcodeSet: (row) => row.passcodeHash !== null && row.passcodeHash !== '',
  },
  CloudDevice: {
    imei: (row) => maskImei(row.imeiLast4),
    imei2: (row) => maskImei(row.imei2Last4),
    findDeviceEnabled: (row) => row.findDeviceEnabled === 1,
  },
};
