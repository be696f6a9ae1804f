import { PageLoader, prefetchBy, type PagePrefetch, type Store } from '@footprint/kit';
import type { KindRows, MusicDB, MusicTrackRow } from './store.js';

/**
 * Per-request loaders. The kit pages and counts record lists; the catalogue
 * entry of every playback and search on a page is loaded here, in one
 * statement however many records ask.
 */
export interface MusicLoaders {
  /** Catalogue tracks by id (not personal data: any caller with a credential may see a title). */
  trackById: PageLoader<number, MusicTrackRow | undefined>;
}

export function createLoaders(store: Store<MusicDB>): MusicLoaders {
  return {
    trackById: new PageLoader(async (ids) => {
      const rows = await store.db.selectFrom('track').selectAll().where('id', 'in', [...ids]).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    }),
  };
}

/** A page of playbacks or searches loads their catalogue tracks in one statement, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<MusicLoaders>[]>> = {
  MusicPlayback: [prefetchBy(['track'], (l: MusicLoaders) => l.trackById, (r: KindRows['MusicPlayback']) => r.trackId)],
  MusicSearchQuery: [prefetchBy(['playedTrack'], (l: MusicLoaders) => l.trackById, (r: KindRows['MusicSearchQuery']) => r.playedTrackId)],
};
