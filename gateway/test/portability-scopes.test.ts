import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataMap } from '@footprint/schema';
import { GATEWAY_ROOT } from '../src/package-root.js';
import { kindsOf, resourceGroups } from '../src/portability/scopes.js';

/** The portability scopes, generated from the composed supergraph's data map (nothing is listed in the gateway). */
const supergraph = readFileSync(join(GATEWAY_ROOT, 'supergraph.graphql'), 'utf8');

describe('portability resource groups', () => {
  it('are one scope per domain, holding exactly the kinds the person provided or that were observed', () => {
    const groups = resourceGroups(supergraph);
    const map = buildDataMap(supergraph);
    const portable = map.entries.filter((e) => e.domain !== 'gateway' && (e.source === 'PROVIDED' || e.source === 'COLLECTED'));
    expect(groups.flatMap((g) => g.kinds.map((k) => k.kind)).sort()).toEqual(portable.map((e) => e.kind).sort());
    for (const g of groups) {
      expect(g.scope).toBe(`portability.${g.domain}`);
      for (const k of g.kinds) expect(k.kind.startsWith(`${g.domain}.`)).toBe(true);
    }
    // Inferred and received kinds are in no group; neither are the gateway's own records.
    const left = map.entries.filter((e) => !portable.includes(e)).map((e) => e.kind);
    expect(left).toEqual(expect.arrayContaining(['push.ad_segment', 'gateway.correction', 'gateway.portability_grant']));
    expect(kindsOf(groups, ['portability.orders', 'portability.nothing'])).toEqual(groups.find((g) => g.scope === 'portability.orders')!.kinds.map((k) => k.kind));
  });

  it('follow a group a product team names in @personalData(portabilityGroup:), and refuse a malformed one', () => {
    const named = supergraph.replace('kind: "music.playback"', 'kind: "music.playback", portabilityGroup: "listening"');
    expect(named).not.toBe(supergraph);
    const groups = resourceGroups(named);
    expect(groups.find((g) => g.scope === 'portability.music.listening')?.kinds.map((k) => k.kind)).toEqual(['music.playback']);
    expect(groups.find((g) => g.scope === 'portability.music')?.kinds.map((k) => k.kind)).not.toContain('music.playback');
    expect(() => resourceGroups(supergraph.replace('kind: "music.playback"', 'kind: "music.playback", portabilityGroup: "Listening Now"'))).toThrow(/music.playback: portabilityGroup/);
  });
});
