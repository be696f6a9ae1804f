import type { Selectable } from 'kysely';
import { column, defineTables, plainTable, recordTable, type DatabaseOf, type KindRowsOf } from '@footprint/kit';

const { text, integer } = column;

/**
 * The music domain's tables, described once: migrations, row types and the
 * record type → table map come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  /** A catalogue entry: shared by everyone, no person's data (ids are the catalogue's). */
  track: plainTable({ title: text(), artist: text(), album: text().nullable(), durationSeconds: integer() }, { key: 'integer' }),
  playback: recordTable('MusicPlayback', {
    trackId: integer().references('track.id'),
    startedAt: text(),
    listenedSeconds: integer(),
    /** 1 or 0: SQLite has no boolean. */
    completed: integer(),
    deviceType: text(),
    deviceModel: text(),
  }),
  searchQuery: recordTable('MusicSearchQuery', {
    text: text(),
    searchedAt: text(),
    resultCount: integer(),
    playedTrackId: integer().nullable().references('track.id'),
  }),
});

export interface MusicDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** A catalogue entry as read (MusicTrack's mapper). */
export type MusicTrackRow = Selectable<MusicDB['track']>;
