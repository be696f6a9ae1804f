import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildDataMap, checkCoverage, INVENTORY, listSubgraphs, TAXONOMY, type DataMap } from '@footprint/schema';
import { REPO_ROOT } from '@footprint/kit';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');
const SUPERGRAPH = join(REPO_ROOT, 'gateway', 'supergraph.graphql');
const supergraph = readFileSync(SUPERGRAPH, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'footprint-datamap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string, args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', script), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
const DATA_MAP_QUERY = `{ dataMap { domains { name kinds } entries { typename domain kind title inventoryItem category source purposes legalBasis retention regions
  correctable correctionNote recipients sensitive policySection erasure erasureFields erasureNote retainFor retainFrom retainFields } } }`;

describe('the data map, from the composed supergraph', () => {
  const map = buildDataMap(supergraph);

  it('is served to a person and to an operator with footprint:read as the dataMap query, without a reason', async () => {
    const expected = { domains: map.domains, entries: map.entries };
    for (const token of [await subjectToken('10000002'), await operatorToken(['footprint:read'])]) {
      const res = await gql<{ dataMap: DataMap }>(url, DATA_MAP_QUERY, {}, bearer(token));
      expect(res.errors).toBeUndefined();
      expect(res.data!.dataMap).toEqual(expected);
    }
  });

  it('speaks plain words in the language asked for, or of Accept-Language, and refuses a language it has no catalogue for', async () => {
    const person = bearer(await subjectToken('10000002'));
    const q = 'query($l: String) { dataMap(language: $l) { language domains { name title } entries { kind title plain { domain legalBasis retention erasure } } } }';
    type Plain = { dataMap: { language: string; domains: { name: string; title: string }[]; entries: { kind: string; title: string; plain: { domain: string; legalBasis: string; retention: string; erasure: string | null } }[] } };
    const az = await gql<Plain>(url, q, { l: 'az' }, person);
    expect(az.errors).toBeUndefined();
    expect(az.data!.dataMap.language).toBe('az');
    expect(az.data!.dataMap.entries.find((e) => e.kind === 'gateway.correction')).toMatchObject({ title: 'Məlumatlarınıza edilən düzəlişlər', plain: { erasure: 'Qanunun tələbi ilə saxlanılır' } });
    expect(az.data!.dataMap.domains.find((d) => d.name === 'orders')!.title).toBe('Onlayn mağaza (mi.com)');
    const negotiated = await gql<Plain>(url, q, {}, { ...person, 'accept-language': 'az-AZ, en;q=0.5' });
    expect(negotiated.data!.dataMap.language).toBe('az');
    expect((await gql<Plain>(url, q, {}, person)).data!.dataMap.entries.find((e) => e.kind === 'orders.order')!.title).toBe('Orders');
    const bad = await gql(url, q, { l: 'xx' }, person);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/language must be one of/);
  });

  it('is refused to an operator without footprint:read and to a caller without a token', async () => {
    const res = await gql(url, DATA_MAP_QUERY, {}, bearer(await operatorToken(['footprint:export']), { 'x-footprint-reason': 'looking' }));
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.errors?.[0]?.message).toMatch(/footprint:read/);
    expect(res.data ?? null).toBeNull();
    const anon = await gql(url, DATA_MAP_QUERY);
    expect(anon.status).toBe(401);
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('npm run data-map writes data-map.json and a readable data-map.md', () => {
    const out = join(dir, 'out');
    const r = run('data-map.js', ['--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${map.entries.length} record types in ${map.domains.length} domains`));
    const json = JSON.parse(readFileSync(join(out, 'data-map.json'), 'utf8')) as DataMap & { supergraph: { file: string; sha256: string } };
    expect(json.supergraph.file).toBe('gateway/supergraph.graphql');
    expect(json.entries).toEqual(map.entries);
    const md = readFileSync(join(out, 'data-map.md'), 'utf8');
    for (const d of map.domains) expect(md).toContain(`## ${d.name}\n`);
    for (const e of map.entries) expect(md).toContain(`| \`${e.kind}\` | ${e.inventoryItem ? `\`${e.inventoryItem}\`` : '**none**'} | ${e.category} | ${e.source} |`);
    expect(md).toContain(TAXONOMY.RetentionRule.describe.ROLLING_12_MONTHS);
    const az = run('data-map.js', ['--out', join(dir, 'az'), '--language', 'az']);
    expect(az.status, az.stderr).toBe(0);
    const plain = (JSON.parse(readFileSync(join(dir, 'az', 'data-map.json'), 'utf8')) as { plain: { language: string; entries: { kind: string; title: string }[] } }).plain;
    expect(plain.language).toBe('az');
    expect(plain.entries.find((e) => e.kind === 'account.profile')!.title).toBe('Hesab profili');
  });
});

describe('the coverage gate (npm run check:coverage)', () => {
  const policy = join(REPO_ROOT, '..', 'shared', 'policy', 'DATA-INVENTORY.md');

  it('passes at 100% on the built supergraph', () => {
    const r = run('check-coverage.js', []);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`coverage: ${INVENTORY.length}/${INVENTORY.length} inventory items \\(100%\\)`));
    expect(r.stdout).toMatch(/coverage gate: PASS/);
  });

  it('fails naming the inventory item a domain no longer covers, and the kind no item lists', () => {
    const broken = join(dir, 'renamed.graphql');
    writeFileSync(broken, supergraph.replace('kind: "music.search_query"', 'kind: "music.searches"'));
    const r = run('check-coverage.js', ['--supergraph', broken]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/MISSING {2}music\.search \(Search queries in the music service\): no subgraph serves music\.search_query/);
    expect(r.stdout).toMatch(/UNLISTED music\.searches \(MusicSearchQuery in music\)/);
    expect(r.stdout).toMatch(new RegExp(`coverage: ${INVENTORY.length - 1}/${INVENTORY.length} inventory items \\(${Math.floor(((INVENTORY.length - 1) / INVENTORY.length) * 1000) / 10}%\\)`));
    expect(r.stdout).toMatch(/coverage gate: FAIL/);
  });

  it('fails when a type implementing PersonalData has no metadata, or incomplete metadata', () => {
    const stripped = join(dir, 'stripped.graphql');
    writeFileSync(stripped, supergraph.replace(/\n {2}@personalData\(kind: "music\.playback"[^\n]*/, ''));
    const r = run('check-coverage.js', ['--supergraph', stripped]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/METADATA MusicPlayback \(music\): implements PersonalData but has no @personalData metadata/);
    expect(r.stdout).toMatch(/MISSING {2}music\.playback/);

    const noReason = join(dir, 'no-reason.graphql');
    writeFileSync(noReason, supergraph.replace(/(@personalData\(kind: "music\.playback"[^\n]*?), reason: "[^"]*"/, '$1'));
    const r2 = run('check-coverage.js', ['--supergraph', noReason]);
    expect(r2.status).toBe(1);
    expect(r2.stdout).toMatch(/METADATA MusicPlayback \(music\): cannot be corrected but gives no reason/);
  });

  it('checks the policy’s own DATA-INVENTORY.md: every bullet needs an inventory item', () => {
    const md = join(dir, 'DATA-INVENTORY.md');
    writeFileSync(
      md,
      [
        '# Data inventory',
        '## Per domain',
        '### music — music service',
        '- Playback history: track, when, how long, on which device (§3.1.2).',
        '- Search queries in the music service (§3.1.2).',
        '- Lyrics viewed while listening (§3.1.2).',
        '## Rights',
        '- Access: not a data item (§9).',
      ].join('\n'),
    );
    const r = run('check-coverage.js', ['--policy', md]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/POLICY {3}music: "Lyrics viewed while listening \(§3\.1\.2\)\." has no item in schema\/src\/inventory\.ts/);
    // The typed inventory's other domains are not in this file: each is named too.
    expect(r.stdout).toMatch(/POLICY {3}inventory item account\.profile matches no bullet/);
    expect(r.stdout).not.toMatch(/Access/);
    expect(r.stdout).toMatch(/2\/3 policy bullets mapped/);
  });

  it.runIf(readFileSafe(policy) !== null)('maps every bullet of the shared DATA-INVENTORY.md to an inventory item', () => {
    const report = checkCoverage(buildDataMap(supergraph), { domains: listSubgraphs().map((s) => s.name), policy: { file: policy, markdown: readFileSafe(policy)! } });
    expect(report.policy?.unmatchedBullets).toEqual([]);
    expect(report.policy?.unmatchedItems).toEqual([]);
    expect(report.policy?.bullets).toBeGreaterThan(INVENTORY.length - 1);
    expect(report.ok).toBe(true);
  });

  it('refuses a supergraph file that is not there, saying how to make one', () => {
    const r = run('check-coverage.js', ['--supergraph', join(dir, 'nope.graphql')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/No supergraph at .*nope\.graphql: run "npm run build"/);
  });
});

function readFileSafe(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
