import DataLoader from 'dataloader';
import type { Store } from '@footprint/schema';
import type { AccountDB, ProfileRow } from './store.js';

/**
 * Per-request loaders. Record lists are paged by the kit; what is loaded here
 * is looked up by other domains' needs within one request, batched into one
 * statement however many times it is asked for.
 */
export interface AccountLoaders {
  /** A person's current profile, by account ID (used by correction views). */
  profileByPerson: DataLoader<string, ProfileRow | undefined>;
}

export function createLoaders(store: Store<AccountDB>): AccountLoaders {
  return {
    profileByPerson: new DataLoader(async (ids) => {
      const rows = await store.db.selectFrom('profile').selectAll().where('personId', 'in', [...ids]).orderBy('id', 'desc').execute();
      return ids.map((id) => rows.find((r) => r.personId === id));
    }),
  };
}
