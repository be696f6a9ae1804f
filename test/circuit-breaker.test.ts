import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REFUSED_RETRY_MS } from '@footprint/gateway/circuit';
import { bearer, gql, subjectToken } from './support/client.js';
import { startGateway, startSubgraph, type Proc } from './support/exports.js';

/**
 * Per-domain circuit breaking at the gateway, against a music subgraph process
 * of its own that the test stops with SIGSTOP (hung: it accepts connections
 * and never answers) and resumes with SIGCONT. The federation, discovery and
 * corrections paths all go through the same breaker.
 */
const subgraphUrls = inject('subgraphUrls');
const sharedData = inject('dataDir');
const dir = mkdtempSync(join(tmpdir(), 'footprint-breaker-'));
const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGCONT');
    await p.kill();
  }
  rmSync(dir, { recursive: true, force: true });
});

type Err = { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> };
const FEDERATION = '{ me { account { profile { nodes { name } } } music { discovery { kinds { kind count } } } } }';
const DISCOVERY = '{ me { discovery { domains { domain kinds { kind count } } } } }';
const HISTORY = '{ me { corrections { history(first: 5) { totalCount } } } }';
type Health = { status: string; down: string[]; subgraphs: Record<string, { ok: boolean; circuit: { state: string; failures: number; lastError: string | null; retryAt: string | null } }> };

const musicErrors = (errors: Err[] | undefined) => (errors ?? []).filter((e) => e.extensions?.domain === 'music');

describe('a hung domain', () => {
  it('opens its circuit: every path fails fast naming it, /health shows it, and a probe closes it once it answers', async () => {
    const music = await startSubgraph('music', sharedData);
    procs.push(music);
    // Short timeouts so the test does not wait 30 s per call; the breaker opens after 2 failures in a row.
    const gateway = await startGateway(dir, { ...subgraphUrls, music: music.url }, {
      FOOTPRINT_SUBGRAPH_TIMEOUT_MS: '1500',
      FOOTPRINT_BREAKER_FAILURES: '2',
      FOOTPRINT_BREAKER_OPEN_MS: '1000',
      FOOTPRINT_BREAKER_MAX_OPEN_MS: '2000',
      FOOTPRINT_BREAKER_PROBE_TIMEOUT_MS: '500',
    });
    procs.push(gateway);
    const headers = bearer(await subjectToken('10000001'));
    const health = async () => (await (await fetch(`http://127.0.0.1:${gateway.port}/health`)).json()) as Health;

    const ok = await gql<{ me: { music: unknown } }>(gateway.url, FEDERATION, {}, headers);
    expect(ok.errors).toBeUndefined();
    expect((await health()).subgraphs.music!.circuit).toMatchObject({ state: 'closed', failures: 0 });

    music.child.kill('SIGSTOP');
    // Two calls wait out the timeout; each names music and the timeout, and the other domains still answer.
    for (let i = 0; i < 2; i++) {
      const res = await gql<{ me: { account: { profile: { nodes: unknown[] } } | null } }>(gateway.url, FEDERATION, {}, headers);
      expect(res.status).toBe(200);
      expect(res.data!.me.account!.profile.nodes.length).toBeGreaterThan(0);
      expect(musicErrors(res.errors)[0]).toMatchObject({ message: expect.stringMatching(/The music domain is unavailable: it did not answer within 1500 ms/), extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    }

    // Now the circuit is open: music is not called — the error says so — on the federation path …
    const fed = await gql<{ me: { account: unknown } }>(gateway.url, FEDERATION, {}, headers);
    expect(fed.data!.me.account).not.toBeNull();
    const fedErr = musicErrors(fed.errors)[0]!;
    expect(fedErr.message).toMatch(/The music domain is unavailable: it failed \d+ call\(s\) in a row \(last: .*\), so the gateway does not call it until .* \(circuit open\)/);
    expect(fedErr.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'music', circuit: 'open' });

    // … on discovery (music is null in the list, with an error naming it) …
    const disc = await gql<{ me: { discovery: { domains: ({ domain: string } | null)[] } } }>(gateway.url, DISCOVERY, {}, headers);
    expect(disc.data!.me.discovery.domains.filter((d) => d !== null).map((d) => d!.domain)).toContain('account');
    expect(disc.data!.me.discovery.domains.some((d) => d?.domain === 'music')).toBe(false);
    expect(musicErrors(disc.errors)[0]?.message).toMatch(/The music domain is unavailable: .*\(circuit open\)/);

    // … and on corrections (the history reads every domain, so it fails as a whole, naming music).
    const hist = await gql(gateway.url, HISTORY, {}, headers);
    const histErr = musicErrors(hist.errors)[0];
    expect(histErr?.message).toMatch(/The correction history cannot be read completely: The music domain is unavailable: .*\(circuit open\)/);
    expect(histErr?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'music' });

    const down = await health();
    expect(down.status).toBe('degraded');
    expect(down.down).toEqual(['music']);
    expect(down.subgraphs.music!.circuit.state).toBe('open');
    expect(down.subgraphs.music!.circuit.lastError).toMatch(/did not answer/);
    expect(down.subgraphs.account!.circuit.state).toBe('closed');

    // Resumed: once its cool-down is over a health probe passes, the next call goes through and closes the circuit.
    music.child.kill('SIGCONT');
    let back: Awaited<ReturnType<typeof gql>> | null = null;
    for (let i = 0; i < 100 && !back; i++) {
      const res = await gql(gateway.url, FEDERATION, {}, headers);
      if (!res.errors) back = res;
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(back, 'music never answered again').not.toBeNull();
    const after = await health();
    expect(after.subgraphs.music!.circuit).toMatchObject({ state: 'closed', failures: 0 });
    expect(after.down).toEqual([]);
    expect((await gql(gateway.url, HISTORY, {}, headers)).errors).toBeUndefined();
  }, 180_000);
});

describe('a restarted domain', () => {
  it('is answered again within about a second of listening, however long it was down (a refused probe is retried soon)', async () => {
    const music = await startSubgraph('music', sharedData);
    procs.push(music);
    // A short first cool-down that doubles: before, each probe refused while the process was down doubled it, so a
    // domain restarted after a few probes stayed out of answers for the rest of a cool-down of several seconds.
    const gateway = await startGateway(dir, { ...subgraphUrls, music: music.url }, {
      FOOTPRINT_BREAKER_FAILURES: '2',
      FOOTPRINT_BREAKER_OPEN_MS: '1000',
      FOOTPRINT_BREAKER_MAX_OPEN_MS: '30000',
    });
    procs.push(gateway);
    const headers = bearer(await subjectToken('10000001'));
    const health = async () => (await (await fetch(`http://127.0.0.1:${gateway.port}/health`)).json()) as Health;
    expect((await gql(gateway.url, FEDERATION, {}, headers)).errors).toBeUndefined();

    await music.kill();
    // Calls go on while it is down (as a person's would): refused, the circuit opens, and probes find nothing listening.
    const downUntil = Date.now() + 7500;
    while (Date.now() < downUntil) {
      const res = await gql<{ me: { account: unknown } }>(gateway.url, FEDERATION, {}, headers);
      expect(res.data!.me.account).not.toBeNull();
      expect(musicErrors(res.errors)[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'music' });
      await new Promise((r) => setTimeout(r, 100));
    }
    const down = await health();
    expect(down.subgraphs.music!.circuit.state).toBe('open');
    expect(down.subgraphs.music!.circuit.lastError).toMatch(/ECONNREFUSED/);
    // Never further ahead than the short retry of a refused connection.
    expect(Date.parse(down.subgraphs.music!.circuit.retryAt!) - Date.now()).toBeLessThanOrEqual(REFUSED_RETRY_MS);

    // Restarted on the same port; from the moment it listens, the next calls reach it within about a second.
    procs.push(await startSubgraph('music', sharedData, {}, music.port));
    const listening = Date.now();
    let answeredAfter: number | null = null;
    while (answeredAfter === null && Date.now() - listening < 15_000) {
      const res = await gql(gateway.url, FEDERATION, {}, headers);
      if (!res.errors) answeredAfter = Date.now() - listening;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(answeredAfter, 'music never answered again').not.toBeNull();
    // REFUSED_RETRY_MS (500) and one call; the margin is for a loaded machine. Before: up to the rest of an 8 s cool-down.
    expect(answeredAfter!).toBeLessThan(2000);
    expect((await health()).subgraphs.music!.circuit).toMatchObject({ state: 'closed', failures: 0 });
  }, 120_000);
});
