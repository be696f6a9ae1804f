import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { listSubgraphs, type DataMap } from '@footprint/schema';
import { REPO_ROOT } from '@footprint/kit';
import { gatewayExecutor, readDiscovery, readFootprint } from '@footprint/gateway/footprint';
import { bearer, gql, subjectToken } from './support/client.js';

/**
 * The eighth domain, added with `npm run new-subgraph -- music` as a product
 * team would: it appears in the data map, the discovery summary and the
 * schema-driven footprint, and nothing in the gateway names it.
 */
const url = inject('gatewayUrl');
const ME = '10000001';

describe('music, a domain added by the scaffold', () => {
  it('is registered like the others, and no gateway or tooling code names it', () => {
    expect(listSubgraphs().find((s) => s.name === 'music')).toEqual({ name: 'music', port: 4008 });
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'gateway/src', 'gateway/schema', 'scripts/src'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(tracked.length).toBeGreaterThan(10);
    // The benchmark's floor is the one exception, on purpose: it is a hand-written reader of every domain's tables
    // (what the same answer costs without Footprint), so it names each domain's derived fields; its equality check
    // with the gateway's answer, printed by every bench run, is what keeps it in step when a domain changes.
    const HAND_WRITTEN_FLOOR = 'scripts/src/bench-floor.ts';
    const naming = tracked.filter((f) => f !== HAND_WRITTEN_FLOOR && /\bmusic\b/i.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(naming).toEqual([]);
  });

  it('appears in the data map the gateway serves', async () => {
    const res = await gql<{ dataMap: Pick<DataMap, 'domains' | 'entries'> }>(url, '{ dataMap { domains { name kinds } entries { domain kind typename inventoryItem category policySection } } }', {}, bearer(await subjectToken(ME)));
    expect(res.errors).toBeUndefined();
    expect(res.data!.dataMap.domains).toContainEqual({ name: 'music', kinds: 2 });
    expect(res.data!.dataMap.entries.filter((e) => e.domain === 'music')).toEqual([
      { domain: 'music', kind: 'music.playback', typename: 'MusicPlayback', inventoryItem: 'music.playback', category: 'USAGE', policySection: '§3.1.2' },
      { domain: 'music', kind: 'music.search_query', typename: 'MusicSearchQuery', inventoryItem: 'music.search', category: 'USAGE', policySection: '§3.1.2' },
    ]);
  });

  it('appears in the person’s discovery summary and in their schema-driven footprint, with the same counts', async () => {
    const execute = gatewayExecutor(url, bearer(await subjectToken(ME)));
    const { domains } = await readDiscovery(ME, execute);
    const music = domains.find((d) => d.domain === 'music')!;
    expect(music.kinds.map((k) => k.kind)).toEqual(['music.playback', 'music.search_query']);

    const read = new Map<string, { ids: string[]; totalCount: number }>();
    const result = await readFootprint(
      readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8'),
      ME,
      execute,
      {
        onPage: ({ kind, records, totalCount }) => {
          if (kind.domain !== 'music') return;
          const seen = read.get(kind.field) ?? { ids: [], totalCount };
          seen.ids.push(...records.map((r) => r.id as string));
          read.set(kind.field, seen);
        },
      },
      3,
    );
    expect(result.failedDomains.size).toBe(0);
    expect(result.plan.kinds.filter((k) => k.domain === 'music').map((k) => `${k.field}:${k.typename}`)).toEqual(['playbacks:MusicPlayback', 'searchQueries:MusicSearchQuery']);
    for (const [field, kind] of [['playbacks', 'music.playback'], ['searchQueries', 'music.search_query']] as const) {
      const r = read.get(field)!;
      const count = music.kinds.find((k) => k.kind === kind)!.count;
      expect(count).toBeGreaterThan(3);
      expect(r.totalCount).toBe(count);
      expect(new Set(r.ids).size).toBe(count);
      for (const id of r.ids) expect(id).toMatch(new RegExp(`^${kind}:\\d+$`));
    }
  });
});
