import { PageLoader, prefetchBy, requirePerson, type PagePrefetch, type Store } from '@footprint/kit';
import type { KindRows, ThemesDB, ThemeTagWeightRow } from './store.js';

/**
 * Per-request loaders. Record lists are paged by the kit; the weights of the
 * recommendation profiles on a page are read here, in one statement however
 * many profiles the page holds.
 */
export interface ThemesLoaders {
  /** The weighted styles and tags of a recommendation profile, by profile row id, ordered by facet and rank. */
  weightsByProfile: PageLoader<number, ThemeTagWeightRow[]>;
}

export function createLoaders(store: Store<ThemesDB>, person: string | null): ThemesLoaders {
  return {
    weightsByProfile: new PageLoader(async (profileIds) => {
      // The profiles came from a page already limited to this person; the person
      // filter here keeps another person's weights out even if an id were forged.
      const rows = await store.db
        .selectFrom('recommendationWeight')
        .selectAll()
        .where('profileId', 'in', [...profileIds])
        .where('personId', '=', requirePerson({ person }))
        .orderBy('profileId')
        .orderBy('facet')
        .orderBy('rank')
        .execute();
      const byProfile = new Map<number, ThemeTagWeightRow[]>(profileIds.map((id) => [id, []]));
      for (const r of rows) byProfile.get(r.profileId)?.push(r);
      return profileIds.map((id) => byProfile.get(id) ?? []);
    }),
  };
}

/** A page of recommendation profiles loads their weights in one statement, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<ThemesLoaders>[]>> = {
  RecommendationProfile: [prefetchBy(['topStyles', 'topTags'], (l: ThemesLoaders) => l.weightsByProfile, (r: KindRows['RecommendationProfile']) => r.id)],
};
