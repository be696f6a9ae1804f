import type { Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/schema';

/** A catalogue entry: shared by everyone, no person's data. */
export interface MusicTrackRow {
  id: number;
  title: string;
  artist: string;
  album: string | null;
  durationSeconds: number;
}
export interface MusicPlaybackRow extends RecordRow {
  trackId: number;
  startedAt: string;
  listenedSeconds: number;
  /** 1 or 0: SQLite has no boolean. */
  completed: number;
  deviceType: string;
  deviceModel: string;
}
export interface MusicSearchQueryRow extends RecordRow {
  text: string;
  searchedAt: string;
  resultCount: number;
  playedTrackId: number | null;
}

export interface MusicDB {
  track: MusicTrackRow;
  playback: MusicPlaybackRow;
  searchQuery: MusicSearchQueryRow;
}

/** Record type → table; the kit pages, counts and discovers through it. */
export const TABLES = {
  MusicPlayback: 'playback',
  MusicSearchQuery: 'searchQuery',
} as const;

/** Append a migration for every change; never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await db.schema
        .createTable('track')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('artist', 'text', (c) => c.notNull())
        .addColumn('album', 'text')
        .addColumn('duration_seconds', 'integer', (c) => c.notNull())
        .execute();
      await createRecordTable(db, 'playback', (t) =>
        t
          .addColumn('track_id', 'integer', (c) => c.notNull().references('track.id'))
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('listened_seconds', 'integer', (c) => c.notNull())
          .addColumn('completed', 'integer', (c) => c.notNull())
          .addColumn('device_type', 'text', (c) => c.notNull())
          .addColumn('device_model', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'search_query', (t) =>
        t
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('searched_at', 'text', (c) => c.notNull())
          .addColumn('result_count', 'integer', (c) => c.notNull())
          .addColumn('played_track_id', 'integer', (c) => c.references('track.id')),
      );
    },
  },
};

export type MusicStore = Store<MusicDB>;

export function openMusicStore(url: string | undefined, dataDir: string): MusicStore {
  return openStore<MusicDB>({ domain: 'music', url, dataDir, migrations });
}
