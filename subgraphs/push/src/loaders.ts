import { PageLoader, prefetchBy, requirePerson, type PagePrefetch, type Store } from '@footprint/kit';
import type { KindRows, PushDB, PushRegistrationRow } from './store.js';

/**
 * Per-request loaders. A page of notifications asks for the registration each
 * was delivered to; however many notifications ask, that is one statement,
 * and only the credential's person's registrations can come back.
 */
export interface PushLoaders {
  /** A registration of the request's person, by its row id; undefined when it is not theirs or no longer exists. */
  registrationById: PageLoader<number, PushRegistrationRow | undefined>;
}

export function createLoaders(store: Store<PushDB>, person: string | null): PushLoaders {
  return {
    registrationById: new PageLoader(async (ids) => {
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

/** A page of notifications loads their registrations in one statement, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<PushLoaders>[]>> = {
  PushNotification: [prefetchBy(['registration'], (l: PushLoaders) => l.registrationById, (r: KindRows['PushNotification']) => r.registrationId)],
};
