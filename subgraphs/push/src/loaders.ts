import DataLoader from 'dataloader';
import { requirePerson, type Store } from '@footprint/kit';
import type { PushDB, PushRegistrationRow } from './store.js';

/**
 * Per-request loaders. A page of notifications asks for the registration each
 * was delivered to; however many notifications ask, that is one statement,
 * and only the credential's person's registrations can come back.
 */
export interface PushLoaders {
  /** A registration of the request's person, by its row id; undefined when it is not theirs or no longer exists. */
  registrationById: DataLoader<number, PushRegistrationRow | undefined>;
}

export function createLoaders(store: Store<PushDB>, person: string | null): PushLoaders {
  return {
    registrationById: new DataLoader(async (ids) => {
      const personId = requirePerson({ person });
      const rows = await store.db
        .selectFrom('registration')
        .selectAll()
        .where('personId', '=', personId)
        .where('id', 'in', [...ids])
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    }),
  };
}
