import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, personProfile, Rng, TRICKY_TEXT, type Store } from '@footprint/kit';
import { startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { catalogue, seed } from '../src/seed.js';
import { tables, type MusicDB } from '../src/store.js';

// The shared conformance suite (contract, metadata, connections, credential,
// isolation, batching, composition) runs for music from test/unit/conformance.test.ts,
// because music is listed in schema/subgraphs.json. These tests are the domain's own.

const ME = `3${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const BUSY = `4${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

let sg: TestSubgraph<MusicDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [
    { id: ME, scale: 1 },
    { id: BUSY, scale: 40 },
  ]);
});
afterAll(() => sg.close());

interface Track {
  title: string;
  artist: string;
  album: string | null;
  durationSeconds: number;
}
interface Playback {
  id: string;
  track: Track;
  startedAt: string;
  listenedSeconds: number;
  completed: boolean;
  deviceType: string;
  deviceModel: string;
  meta: { kind: string; domain: string; category: string; correctable: boolean; correctionNote: string | null; policySection: string };
}
interface Search {
  id: string;
  text: string;
  searchedAt: string;
  resultCount: number;
  playedTrack: Track | null;
}
interface Conn<N> {
  totalCount: number;
  nodes: N[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const TRACK = 'title artist album durationSeconds';
const PLAYBACK = `id track { ${TRACK} } startedAt listenedSeconds completed deviceType deviceModel meta { kind domain category correctable correctionNote policySection }`;

async function music<T>(person: string, selection: string): Promise<T> {
  const res = await sg.entities(person, `music { ${selection} }`);
  expect(res.errors).toBeUndefined();
  return (res.data!._entities[0] as { music: T }).music;
}
const track = (id: number) => catalogue().find((t) => t.id === id)!;
const asTrack = (t: ReturnType<typeof track>): Track => ({ title: t.title, artist: t.artist, album: t.album, durationSeconds: t.durationSeconds });

describe('music subgraph', () => {
  it('returns every play with its track, time, listening time and device, exactly as stored, oldest first', async () => {
    const { playbacks } = await music<{ playbacks: Conn<Playback> }>(ME, `playbacks(first: 100) { totalCount nodes { ${PLAYBACK} } }`);
    const stored = await sg.store.db.selectFrom('playback').selectAll().where('personId', '=', ME).orderBy('id').execute();
    expect(stored.length).toBeGreaterThan(0);
    expect(playbacks.totalCount).toBe(stored.length);
    expect(playbacks.nodes).toEqual(
      stored.map((r) => ({
        id: `music.playback:${r.id}`,
        track: asTrack(track(r.trackId)),
        startedAt: r.startedAt,
        listenedSeconds: r.listenedSeconds,
        completed: r.completed === 1,
        deviceType: r.deviceType,
        deviceModel: r.deviceModel,
        meta: expect.objectContaining({ kind: 'music.playback', domain: 'music', category: 'USAGE', correctable: false, policySection: '§3.1.2' }),
      })),
    );
    expect(playbacks.nodes[0]!.meta.correctionNote).toMatch(/observed log/);
    const times = playbacks.nodes.map((n) => n.startedAt);
    expect(times).toEqual([...times].sort());
  });

  it('never reports more listening than the track lasts; a completed play lasted the whole track', async () => {
    const { playbacks } = await music<{ playbacks: Conn<Playback> }>(BUSY, `playbacks(first: 1000) { nodes { track { durationSeconds } listenedSeconds completed } }`);
    expect(playbacks.nodes.length).toBe(240);
    for (const p of playbacks.nodes) {
      expect(p.listenedSeconds).toBeGreaterThan(0);
      if (p.completed) expect(p.listenedSeconds).toBe(p.track.durationSeconds);
      else expect(p.listenedSeconds).toBeLessThan(p.track.durationSeconds);
    }
    expect(new Set(playbacks.nodes.map((p) => p.completed))).toEqual(new Set([true, false]));
  });

  it('returns searches as typed, with the track played from their results when there was one', async () => {
    const { searchQueries } = await music<{ searchQueries: Conn<Search> }>(BUSY, 'searchQueries(first: 1000) { totalCount nodes { id text searchedAt resultCount playedTrack { title artist album durationSeconds } } }');
    const stored = await sg.store.db.selectFrom('searchQuery').selectAll().where('personId', '=', BUSY).orderBy('id').execute();
    expect(searchQueries.totalCount).toBe(80);
    expect(searchQueries.nodes).toEqual(
      stored.map((r) => ({
        id: `music.search_query:${r.id}`,
        text: r.text,
        searchedAt: r.searchedAt,
        resultCount: r.resultCount,
        playedTrack: r.playedTrackId === null ? null : asTrack(track(r.playedTrackId)),
      })),
    );
    expect(searchQueries.nodes.some((n) => TRICKY_TEXT.includes(n.text))).toBe(true);
    expect(searchQueries.nodes.some((n) => n.playedTrack === null)).toBe(true);
    expect(searchQueries.nodes.some((n) => n.playedTrack !== null)).toBe(true);
  });

  it('loads the tracks of a whole page in one statement, whether the page holds 5 plays or 240', async () => {
    const cost = async (first: number) => {
      const before = sg.store.statements;
      await music(BUSY, `playbacks(first: ${first}) { nodes { track { title } } } searchQueries(first: ${first}) { nodes { playedTrack { title } } }`);
      return sg.store.statements - before;
    };
    const small = await cost(5);
    const large = await cost(1000);
    expect(large).toBe(small);
    // One page per connection and one catalogue lookup for both: nothing per record.
    expect(large).toBe(3);
  });

  it('counts plays and searches in discovery without reading them, the same as the store holds', async () => {
    const { discovery } = await music<{ discovery: { kinds: { kind: string; count: number; earliest: string; latest: string }[] } }>(BUSY, 'discovery { kinds { kind count earliest latest } }');
    const plays = await sg.store.db.selectFrom('playback').select('startedAt').where('personId', '=', BUSY).orderBy('startedAt').execute();
    expect(discovery.kinds).toEqual([
      { kind: 'music.playback', count: 240, earliest: plays[0]!.startedAt, latest: plays.at(-1)!.startedAt },
      expect.objectContaining({ kind: 'music.search_query', count: 80 }),
    ]);
  });

  it('seeds the same rows for the same person in another store, and writes the catalogue once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'footprint-music-'));
    const other = openStore<MusicDB>({ domain: 'music', dataDir, migrations: tables.migrations });
    try {
      await other.migrate();
      await seed(other, [{ profile: personProfile(ME), scale: 1, rng: new Rng(`seed:${ME}`) }]);
      await seed(other, [{ profile: personProfile('10000077'), scale: 1, rng: new Rng('seed:10000077') }]);
      const rows = async (s: Store<MusicDB>) => s.db.selectFrom('playback').selectAll().where('personId', '=', ME).orderBy('id').execute();
      expect(await rows(other)).toEqual(await rows(sg.store));
      expect(await other.db.selectFrom('track').selectAll().orderBy('id').execute()).toEqual(catalogue());
    } finally {
      await other.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
