import { PageLoader, prefetchBy, requirePerson, type PagePrefetch, type Store } from '@footprint/kit';
import type { CloudContactEmailRow, CloudContactPhoneRow, CloudDB, CloudDeviceRow, CloudFileContentRow, KindRows } from './store.js';

/**
 * Per-request loaders for what hangs off a record: a contact's phones and
 * e-mails, the device of a location or command. Each batches every parent
 * asked for in one tick into ONE statement, and reads only the requesting
 * person's rows (the kit has already checked the person; this is the second lock).
 */
export interface CloudLoaders {
  phonesByContact: PageLoader<number, CloudContactPhoneRow[]>;
  emailsByContact: PageLoader<number, CloudContactEmailRow[]>;
  deviceById: PageLoader<number, CloudDeviceRow | null>;
  galleryContent: PageLoader<number, CloudFileContentRow | null>;
  fileContent: PageLoader<number, CloudFileContentRow | null>;
}

function groupBy<Row extends { contactId: number }>(ids: readonly number[], rows: Row[]): Row[][] {
  const by = new Map<number, Row[]>(ids.map((id) => [id, []]));
  for (const r of rows) by.get(Number(r.contactId))?.push(r);
  return ids.map((id) => by.get(id) ?? []);
}

export function createLoaders(store: Store<CloudDB>, person: string | null): CloudLoaders {
  const db = store.db;
  return {
    phonesByContact: new PageLoader(async (ids) => {
      const rows = await db
        .selectFrom('contactPhone')
        .selectAll()
        .where('personId', '=', requirePerson({ person }))
        .where('contactId', 'in', [...ids])
        .orderBy('contactId')
        .orderBy('position')
        .execute();
      return groupBy(ids, rows);
    }),
    emailsByContact: new PageLoader(async (ids) => {
      const rows = await db
        .selectFrom('contactEmail')
        .selectAll()
        .where('personId', '=', requirePerson({ person }))
        .where('contactId', 'in', [...ids])
        .orderBy('contactId')
        .orderBy('position')
        .execute();
      return groupBy(ids, rows);
    }),
    deviceById: new PageLoader(async (ids) => {
      const rows = await db.selectFrom('device').selectAll().where('personId', '=', requirePerson({ person })).where('id', 'in', [...ids]).execute();
      const by = new Map(rows.map((r) => [Number(r.id), r]));
      return ids.map((id) => by.get(id) ?? null);
    }),
    galleryContent: new PageLoader(async (ids) => byRecord(ids, await db.selectFrom('galleryContent').selectAll().where('personId', '=', requirePerson({ person })).where('recordId', 'in', [...ids]).execute())),
    fileContent: new PageLoader(async (ids) => byRecord(ids, await db.selectFrom('fileContent').selectAll().where('personId', '=', requirePerson({ person })).where('recordId', 'in', [...ids]).execute())),
  };
}

function byRecord(ids: readonly number[], rows: CloudFileContentRow[]): (CloudFileContentRow | null)[] {
  const by = new Map(rows.map((r) => [Number(r.recordId), r]));
  return ids.map((id) => by.get(id) ?? null);
}

/** A page of contacts, locations, commands, gallery items or files loads their phones, e-mails, devices or content in one statement each, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<CloudLoaders>[]>> = {
  CloudContact: [
    prefetchBy(['phones'], (l: CloudLoaders) => l.phonesByContact, (r: KindRows['CloudContact']) => r.id),
    prefetchBy(['emails'], (l: CloudLoaders) => l.emailsByContact, (r: KindRows['CloudContact']) => r.id),
  ],
  GalleryItem: [prefetchBy(['content'], (l: CloudLoaders) => l.galleryContent, (r: KindRows['GalleryItem']) => r.id)],
  SyncedFile: [prefetchBy(['content'], (l: CloudLoaders) => l.fileContent, (r: KindRows['SyncedFile']) => r.id)],
  DeviceLocation: [prefetchBy(['device'], (l: CloudLoaders) => l.deviceById, (r: KindRows['DeviceLocation']) => r.deviceId)],
  DeviceCommand: [prefetchBy(['device'], (l: CloudLoaders) => l.deviceById, (r: KindRows['DeviceCommand']) => r.deviceId)],
};
