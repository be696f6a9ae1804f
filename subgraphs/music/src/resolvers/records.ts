import { whenLoaded } from '@footprint/kit';
import { fail } from '@footprint/schema';
import type { Resolvers } from '../generated/resolvers.js';

const DEVICE_TYPES = ['PHONE', 'TABLET', 'SPEAKER', 'TV', 'CAR', 'WEB'] as const;

/**
 * Field resolvers that turn stored rows into the schema's shape; the kit
 * resolves ids, metadata, Person.music, the connections and discovery. Tracks
 * come from the request's loader: one statement per page, not per record.
 */
export const recordResolvers: Resolvers = {
  MusicPlayback: {
    track: (row, _, ctx) =>
      whenLoaded(ctx.loaders.trackById.get(row.trackId), (track) => track ?? fail('INTERNAL_SERVER_ERROR', `Playback ${row.id} names a track that is not in the catalogue`)),
    completed: (row) => row.completed === 1,
    deviceType: (row) => DEVICE_TYPES.find((t) => t === row.deviceType) ?? fail('INTERNAL_SERVER_ERROR', `Unknown device type ${row.deviceType}`),
  },
  MusicSearchQuery: {
    playedTrack: (row, _, ctx) => (row.playedTrackId === null ? null : whenLoaded(ctx.loaders.trackById.get(row.playedTrackId), (track) => track ?? null)),
  },
};
