import DataLoader from 'dataloader';
import { requirePerson, type Store } from '@footprint/kit';
import type { CloudContactEmailRow, CloudContactPhoneRow, CloudDB, CloudDeviceRow } from './store.js';

/**
 * Per-request loaders for what hangs off a record: a contact's phones and
 * e-mails, the device of a location or command. Each batches every parent
 * asked for in one tick into ONE statement, and reads only the requesting
 * person's rows (the kit has already checked the person; this is the second lock).
 */
export interface CloudLoaders {
  phonesByContact: DataLoader<number, CloudContactPhoneRow[]>;
  emailsByContact: DataLoader<number, CloudContactEmailRow[]>;
  deviceById: DataLoader<number, CloudDeviceRow | null>;
}

function groupBy<Row extends { contactId: number }>(ids: readonly number[], rows: Row[]): Row[][] {
  const by = new Map<number, Row[]>(ids.map((id) => [id, []]));
  for (const r of rows) by.get(Number(r.contactId))?.push(r);
  return ids.map((id) => by.get(id) ?? []);
}

export function createLoaders(store: Store<CloudDB>, person: string | null): CloudLoaders {
  const db = store.db;
  return {
    phonesByContact: new DataLoader(async (ids) => {
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
    emailsByContact: new DataLoader(async (ids) => {
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
    deviceById: new DataLoader(async (ids) => {
      const rows = await db.selectFrom('device').selectAll().where('personId', '=', requirePerson({ person })).where('id', 'in', [...ids]).execute();
      const by = new Map(rows.map((r) => [Number(r.id), r]));
      return ids.map((id) => by.get(id) ?? null);
    }),
  };
}
