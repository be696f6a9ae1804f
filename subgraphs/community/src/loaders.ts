import { PageLoader, prefetchBy, type PagePrefetch, type Store } from '@footprint/kit';
import type { CommunityBadgeRow, CommunityDB, ForumPostTable, KindRows } from './store.js';

/**
 * Per-request loaders. Record lists are paged by the kit; what a record nests
 * or names is loaded here, one statement per request however many records ask.
 */
export interface CommunityLoaders {
  /** Badges of a profile, by profile record id, oldest first. */
  badgesByProfile: PageLoader<number, CommunityBadgeRow[]>;
  /** A forum post's public index entry (board, title), by its public id; undefined once removed. */
  forumPostById: PageLoader<string, ForumPostTable | undefined>;
}

export function createLoaders(store: Store<CommunityDB>, person: string | null): CommunityLoaders {
  return {
    badgesByProfile: new PageLoader(async (profileIds) => {
      // The person filter is a second fence: badges of another person's profile never come back.
      const rows = await store.db
        .selectFrom('badge')
        .selectAll()
        .where('profileId', 'in', [...profileIds])
        .where('personId', '=', person ?? '')
        .orderBy('awardedAt')
        .orderBy('id')
        .execute();
      const byProfile = new Map<number, CommunityBadgeRow[]>();
      for (const r of rows) {
        const list = byProfile.get(r.profileId);
        if (list) list.push(r);
        else byProfile.set(r.profileId, [r]);
      }
      return profileIds.map((id) => byProfile.get(id) ?? []);
    }),
    forumPostById: new PageLoader(async (ids) => {
      const rows = await store.db.selectFrom('forumPost').select(['id', 'board', 'title']).where('id', 'in', [...ids]).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    }),
  };
}

/** A page of profiles, comments or browsing events loads their badges and post titles in one statement, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<CommunityLoaders>[]>> = {
  CommunityProfile: [prefetchBy(['badges'], (l: CommunityLoaders) => l.badgesByProfile, (r: KindRows['CommunityProfile']) => r.id)],
  CommunityComment: [prefetchBy(['postTitle'], (l: CommunityLoaders) => l.forumPostById, (r: KindRows['CommunityComment']) => r.postId)],
  CommunityBrowsingEvent: [prefetchBy(['threadTitle'], (l: CommunityLoaders) => l.forumPostById, (r: KindRows['CommunityBrowsingEvent']) => r.threadId)],
};
