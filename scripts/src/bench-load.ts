import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DEMO_PERSON, REPO_ROOT } from '@footprint/kit';
import { freePort } from './federation.js';
import { heavyFederation, postGraphQL, type HeavyFederation } from './bench-heavy.js';
import { DISCOVERY_QUERY, discoveryFacts } from './bench-discovery.js';
import { credentialHeaders, gatewayPage, kindPlan, personRepresentation, subgraphPage } from './bench-queries.js';
import { median, record } from './bench-table.js';
import { mintToken } from './tokens.js';

/**
 * Requests under load (autocannon, BENCH_LOAD_CONNECTIONS = 50 connections,
 * BENCH_LOAD_SECONDS = 10 s a run, BENCH_LOAD_ROUNDS = 3 rounds, interleaved,
 * medians printed) for one ordinary person (the demo person):
 *   - the footprint query (one footprint page of a kind, as the traversal sends it) through the Footprint
 *     gateway and through a bare @apollo/gateway over the same supergraph and subgraphs (bench-bare-gateway.ts):
 *     RPS of each (responses completed in the run ÷ its seconds), and the gateway process's CPU time (from
 *     /proc/<pid>/stat, counted until it is idle again) per request sent;
 *   - the same entities asked of the kind's subgraph directly (`_entities`, with the internal credential);
 *   - the discovery summary through the Footprint gateway: RPS and p99, and domain answers per second (RPS × the
 *     domains one discovery answers), with a check that its counts are live (bench-discovery.ts).
 * Which of those run: BENCH_ONLY=cpu (first two rows), subgraph, discovery; `load` for all.
 */
const CONNECTIONS = Number(process.env.BENCH_LOAD_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 3);
/** A request not answered within this many seconds counts as failed (autocannon's default, 10 s, is short for a loaded 2-core machine). */
const TIMEOUT_S = Number(process.env.BENCH_LOAD_TIMEOUT_S ?? 30);
/** The kind the footprint query reads, and how many records a page. */
const KIND = { domain: 'cloud', field: 'locations' } as const;
const FIRST = 20;

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** user + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The server process whose CPU is counted. */
  pid: number | undefined;
  /** Other processes, reported for information (the subgraphs). */
  others: (number | undefined)[];
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  failures: number;
  /** Of the failures, those not answered within TIMEOUT_S. */
  timeouts: number;
  /** Server CPU ms per request served. */
  cpuMs: number;
  othersCpuMs: number;
}

/**
 * Waits until the processes are idle (under 5% of a core over half a second, at most 60 s): requests a run
 * left in flight are still worked off after autocannon stops, and would count against the next run.
 */
async function settle(pids: (number | undefined)[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const before = pids.reduce<number>((n, p) => n + cpuSeconds(p), 0);
    await new Promise((r) => setTimeout(r, 500));
    if (pids.reduce<number>((n, p) => n + cpuSeconds(p), 0) - before < 0.025) return;
  }
}

async function load(t: Target, seconds: number): Promise<LoadResult> {
  const all = [t.pid, ...t.others];
  await settle(all);
  const cpu0 = cpuSeconds(t.pid);
  const others0 = t.others.reduce<number>((n, p) => n + cpuSeconds(p), 0);
  const r = await autocannon({ url: t.url, method: 'POST', connections: CONNECTIONS, duration: seconds, timeout: TIMEOUT_S, headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
  // Every request sent is served, also those still in flight when the run ended: CPU is counted until the servers are idle again, per request sent.
  await settle(all);
  const cpu = cpuSeconds(t.pid) - cpu0;
  const others = t.others.reduce<number>((n, p) => n + cpuSeconds(p), 0) - others0;
  const sent = Math.max(1, r.requests.sent);
  if (process.env.BENCH_DEBUG) console.log(JSON.stringify({ target: t.name, sent: r.requests.sent, total: r.requests.total, codes: r.statusCodeStats, errors: r.errors, timeouts: r.timeouts }));
  return {
    rps: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    failures: r.non2xx + r.errors + r.timeouts,
    timeouts: r.timeouts,
    cpuMs: (cpu * 1000) / sent,
    othersCpuMs: (others * 1000) / sent,
  };
}

/** Starts the bare gateway as a process of its own; resolves once it listens. */
async function startBare(h: HeavyFederation, person: string): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const urls = Object.fromEntries([...h.fed.subgraphs.values()].map((s) => [s.name, s.url]));
  // The same heap bound as the Footprint gateway gets from launchFederation.
  const heap = process.env.FOOTPRINT_GATEWAY_HEAP_MB && process.env.FOOTPRINT_GATEWAY_HEAP_MB !== '0' ? process.env.FOOTPRINT_GATEWAY_HEAP_MB : '256';
  const child = spawn(process.execPath, [`--max-old-space-size=${heap}`, join(REPO_ROOT, 'scripts', 'dist', 'bench-bare-gateway.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', APOLLO_TELEMETRY_DISABLED: '1', PORT: String(port), FOOTPRINT_INTERNAL_SECRET: h.internalSecret, BENCH_PERSON: person, BENCH_SUBGRAPH_URLS: JSON.stringify(urls) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the bare gateway did not start within 60 s')), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /ready (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the bare gateway exited (code ${code})`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return { child, url, stop };
}

export type LoadPart = 'cpu' | 'subgraph' | 'discovery';

export async function benchLoad(parts: Set<LoadPart>): Promise<void> {
  const h = await heavyFederation();
  const person = DEMO_PERSON;
  const k = kindPlan(h.schema, KIND.domain, KIND.field, 'full');
  const token = { authorization: `Bearer ${await mintToken(h.jwtSecret, { sub: person, ttlSeconds: 24 * 3600 })}` };
  const sub = h.fed.subgraphs.get(KIND.domain)!;
  const subgraphPids = [...h.fed.subgraphs.values()].map((s) => s.child.pid);
  const gatewayBody = JSON.stringify({ query: gatewayPage(k), variables: { id: person, first: FIRST, after: null } });
  const targets: Target[] = [{ name: 'footprint gateway', url: h.fed.gatewayUrl, headers: token, body: gatewayBody, pid: h.fed.gateway.child.pid, others: subgraphPids }];
  const bare = parts.has('cpu') ? await startBare(h, person) : null;
  try {
    if (bare) targets.push({ name: 'bare @apollo/gateway', url: bare.url, headers: {}, body: gatewayBody, pid: bare.child.pid, others: subgraphPids });
    if (parts.has('subgraph')) {
      targets.push({
        name: `${KIND.domain} subgraph directly`,
        url: sub.url,
        headers: await credentialHeaders(person, h.internalSecret, 24 * 3600),
        body: JSON.stringify({ query: subgraphPage(k), variables: { representations: personRepresentation(person), first: FIRST } }),
        pid: sub.child.pid,
        others: [],
      });
    }
    if (parts.has('discovery')) {
      targets.push({ name: 'discovery summary', url: h.fed.gatewayUrl, headers: token, body: JSON.stringify({ query: DISCOVERY_QUERY, variables: { id: person } }), pid: h.fed.gateway.child.pid, others: subgraphPids });
    }
    // Each must answer without errors before it is loaded: autocannon counts HTTP statuses, not GraphQL errors.
    for (const t of targets) {
      const { query, variables } = JSON.parse(t.body) as { query: string; variables: Record<string, unknown> };
      await postGraphQL(t.url, t.headers, query, variables);
    }
    console.log(
      `\nrequests under load: ${CONNECTIONS} connections, ${SECONDS} s a run, ${ROUNDS} rounds interleaved after a 3 s warm-up each; the footprint query = one footprint page (${KIND.domain}.${KIND.field}, first ${FIRST}, every metadata field) of the demo person ${person}`,
    );
    for (const t of targets) await load(t, 3);
    const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        const r = await load(t, SECONDS);
        results.get(t.name)!.push(r);
        console.log(
          `  round ${round} ${t.name.padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(0)} ms  p99 ${r.p99.toFixed(0)} ms  CPU ${r.cpuMs.toFixed(2)} ms/req${t.others.length ? ` (+ subgraphs ${r.othersCpuMs.toFixed(2)})` : ''}${r.failures ? `  ${r.failures} FAILED (${r.timeouts} not answered within ${TIMEOUT_S} s)` : ''}`,
        );
      }
    }
    const med = (name: string) => {
      const rs = results.get(name)!;
      return { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), cpuMs: median(rs.map((r) => r.cpuMs)), othersCpuMs: median(rs.map((r) => r.othersCpuMs)), failures: rs.reduce((n, r) => n + r.failures, 0) };
    };
    const fp = med('footprint gateway');
    const failed = (n: number) => (n ? `; ${n} requests FAILED` : '');
    if (bare) {
      const b = med('bare @apollo/gateway');
      // How much cheaper per request the footprint gateway is than a bare @apollo/gateway answering the same query.
      const ratio = b.cpuMs / fp.cpuMs;
      record({
        measure: `per request, ${CONNECTIONS} connections: footprint gateway vs bare @apollo/gateway`,
        figure: `CPU ${fp.cpuMs.toFixed(2)} vs ${b.cpuMs.toFixed(2)} ms/request : bare ÷ footprint = ${ratio.toFixed(2)}×; ${fp.rps.toFixed(0)} vs ${b.rps.toFixed(0)} req/s${failed(fp.failures + b.failures)}`,
        target: 'bare CPU/request ≥ 1.2× footprint',
        pass: ratio >= 1.2 && fp.failures + b.failures === 0,
      });
    }
    if (parts.has('subgraph')) {
      const s = med(`${KIND.domain} subgraph directly`);
      const ratio = fp.rps / s.rps;
      record({
        measure: `gateway RPS / the ${KIND.domain} subgraph answering the same entities directly`,
        figure: `${fp.rps.toFixed(0)} / ${s.rps.toFixed(0)} req/s = ${ratio.toFixed(2)}${failed(fp.failures + s.failures)}`,
        target: '≥ 0.35',
        pass: ratio >= 0.35 && fp.failures + s.failures === 0,
      });
    }
    if (parts.has('discovery')) {
      const d = med('discovery summary');
      // Issue 24: compared per domain answered (a discovery asks every domain, the footprint query one), with live counts.
      const facts = await discoveryFacts(h, person, token);
      const answers = d.rps * facts.answered;
      // Context that a loaded machine moves less than RPS: CPU (gateway + subgraphs) per domain answer vs per footprint query.
      const cpuPerAnswer = (d.cpuMs + d.othersCpuMs) / Math.max(1, facts.answered);
      console.log(`  CPU per domain answer ${cpuPerAnswer.toFixed(2)} ms (discovery ${(d.cpuMs + d.othersCpuMs).toFixed(2)} ms ÷ ${facts.answered}) vs ${(fp.cpuMs + fp.othersCpuMs).toFixed(2)} ms per footprint query`);
      record({
        measure: `discovery summary, ${CONNECTIONS} connections: domain answers/s vs the footprint query's req/s`,
        figure: `${d.rps.toFixed(0)} req/s × ${facts.answered} domains = ${answers.toFixed(0)} domain answers/s vs ${fp.rps.toFixed(0)} req/s (p99 ${d.p99.toFixed(0)} vs ${fp.p99.toFixed(0)} ms); counts live: ${facts.live ? 'yes' : 'NO'} (${facts.counts})${failed(d.failures)}`,
        target: "domain answers/s ≥ the footprint query's req/s; counts live (no cross-request cache)",
        pass: answers >= fp.rps && facts.live && d.failures === 0,
      });
    }
  } finally {
    await bare?.stop();
  }
}
