import DataLoader from 'dataloader';
import type { Store } from '@footprint/kit';
import type { MusicDB, MusicTrackRow } from './store.js';

/**
 * Per-request loaders. The kit pages and counts record lists; the catalogue
 * entry of every playback and search on a page is loaded here, in one
 * statement however many records ask.
 */
export interface MusicLoaders {
  /** Catalogue tracks by id (not personal data: any caller with a credential may see a title). */
  trackById: DataLoader<number, MusicTrackRow | undefined>;
}

export function createLoaders(store: Store<MusicDB>): MusicLoaders {
  return {
    trackById: new DataLoader(async (ids) => {
      const rows = await store.db.selectFrom('track').selectAll().where('id', 'in', [...ids]).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    }),
  };
}
