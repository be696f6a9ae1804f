import { insertChunked, recordBase, Rng, TRICKY_TEXT, type SeedTarget, type Store } from '@footprint/kit';
import type { MusicDB, MusicTrackRow } from './store.js';

const ARTISTS = ['Rəşid Behbudov', 'Müslüm Maqomayev', 'Aygün Kazımova', 'Sevda Ələkbərzadə', 'Miri Yusif', 'Brainstorm', 'Zoë Keating', 'Çingiz Mustafayev'];
const WORDS = ['Bakı', 'gecəsi', 'Sevgi', 'Xəzər', 'yağış', 'Qarabağ', 'Ulduz', 'dəniz', 'Küləklər', 'Nocturne', 'Ürək', 'yol'];
const DEVICES = [
  { deviceType: 'PHONE', deviceModel: 'Redmi Note 13 Pro' },
  { deviceType: 'PHONE', deviceModel: 'Xiaomi 14' },
  { deviceType: 'TABLET', deviceModel: 'Xiaomi Pad 6' },
  { deviceType: 'SPEAKER', deviceModel: 'Xiaomi Smart Speaker Pro' },
  { deviceType: 'TV', deviceModel: 'Xiaomi TV A Pro 55' },
  { deviceType: 'CAR', deviceModel: 'Xiaomi SU7 infotainment' },
  { deviceType: 'WEB', deviceModel: 'Web player (Chrome 129)' },
];
const SEARCHES = ['rəşid behbudov', 'sevgi mahnıları', 'xəzər', 'lo-fi gecə', 'müslüm maqomayev "Azərbaycan"', ...TRICKY_TEXT];
const CATALOGUE_SIZE = 60;

/** The catalogue: the same 60 tracks in every store, whatever people are seeded. */
export function catalogue(): MusicTrackRow[] {
  const rng = new Rng('music:catalogue');
  return Array.from({ length: CATALOGUE_SIZE }, (_, i) => ({
    id: i + 1,
    title: `${rng.pick(WORDS)} ${rng.pick(WORDS).toLowerCase()}`,
    artist: rng.pick(ARTISTS),
    album: rng.bool(0.8) ? `${rng.pick(WORDS)} (${rng.int(1958, 2025)})` : null,
    durationSeconds: rng.int(95, 420),
  }));
}

/**
 * Deterministic music data per target: `scale` × 6 plays on the person's own
 * one to three devices, oldest first, and `scale` × 2 searches, some of which
 * led to a play.
 */
export async function seed(store: Store<MusicDB>, targets: SeedTarget[]): Promise<void> {
  const tracks = catalogue();
  // Seeding may run again over a store (new people); the catalogue is written once.
  if (!(await store.db.selectFrom('track').select('id').limit(1).executeTakeFirst())) await store.db.insertInto('track').values(tracks).execute();
  for (const t of targets) {
    const { rng } = t;
    const devices = Array.from({ length: rng.int(1, 3) }, () => rng.pick(DEVICES));
    const plays = Array.from({ length: 6 * t.scale }, () => {
      const track = rng.pick(tracks);
      const at = rng.date();
      const completed = rng.bool(0.6);
      return {
        ...recordBase(t, at),
        trackId: track.id,
        startedAt: at,
        listenedSeconds: completed ? track.durationSeconds : rng.int(5, track.durationSeconds - 1),
        completed: completed ? 1 : 0,
        ...rng.pick(devices),
      };
    }).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const searches = Array.from({ length: 2 * t.scale }, () => {
      const at = rng.date();
      const resultCount = rng.int(0, 80);
      return { ...recordBase(t, at), text: rng.pick(SEARCHES), searchedAt: at, resultCount, playedTrackId: resultCount > 0 && rng.bool(0.6) ? rng.pick(tracks).id : null };
    }).sort((a, b) => a.searchedAt.localeCompare(b.searchedAt));
    await store.db.transaction().execute(async (trx) => {
      await insertChunked(trx, 'playback', plays);
      await insertChunked(trx, 'searchQuery', searches);
    });
  }
}
