import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger, CREDENTIAL_HEADER, HEAVY_PERSON, REPO_ROOT, signCredential } from '@footprint/kit';
import {
  callSubgraph,
  DirectSource,
  entitiesOperation,
  gatewaySource,
  kindOwners,
  planFootprint,
  schemaFromSupergraph,
  traverseFootprint,
  type DomainFetch,
  type FootprintPlan,
  type KindPage,
  type PageSource,
} from '@footprint/gateway/footprint';
import { DomainCircuits } from '@footprint/gateway/circuit';
import { bearer, gql, subjectToken } from './support/client.js';
import { download, internalSecret, readZip, requestExport, startGateway, waitForJob, type Proc } from './support/exports.js';

const url = inject('gatewayUrl');
const subgraphUrls = inject('subgraphUrls');
const schema = schemaFromSupergraph(readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8'));
const plan = planFootprint(schema);
/** The gateway's own data (corrections log, privacy requests, server pushes, portability grants, language preference): read through the gateway either way. */
const GATEWAY_DOMAINS = ['corrections', 'privacyRequests', 'serverPushes', 'portability', 'preferences'];

const plainFetch =
  (timeoutMs: number): DomainFetch =>
  (u, init) =>
    fetch(u, { method: init.method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });

const viaGateway = async (person: string) => {
  const t = await subjectToken(person);
  return gatewaySource((query, variables) => gql(url, query, variables, bearer(t)));
};

function direct(person: string, fallback: PageSource, opts: { urls?: Record<string, string>; fetchFor?: (s: string) => DomainFetch } = {}) {
  const calls: string[] = [];
  const fetchFor = opts.fetchFor ?? (() => plainFetch(30_000));
  const source = new DirectSource({
    owners: kindOwners(schema, plan, opts.urls ?? subgraphUrls),
    fallback,
    credential: { actor: person, actorType: 'subject', person, scopes: [], requestId: 'direct-readers-test' },
    internalSecret,
    fetchFor: (s) => {
      const f = fetchFor(s);
      return (u, init) => {
        calls.push(s);
        return f(u, init);
      };
    },
    timeoutMs: 30_000,
  });
  return { source, calls };
}

/** Every kind's records as the traversal hands them over: count and a hash of their JSON, in order. */
async function collect(p: FootprintPlan, person: string, read: PageSource, pageSize: number) {
  const byKind = new Map<string, { records: number; hash: ReturnType<typeof createHash>; totalCount: number }>();
  const result = await traverseFootprint(
    p,
    person,
    read,
    {
      onPage: ({ kind, records, totalCount }: KindPage) => {
        const key = `${kind.domain}.${kind.field}`;
        const k = byKind.get(key) ?? { records: 0, hash: createHash('sha256'), totalCount };
        for (const r of records) k.hash.update(`${JSON.stringify(r)}\n`);
        k.records += records.length;
        k.totalCount = totalCount;
        byKind.set(key, k);
      },
    },
    pageSize,
  );
  const kinds = Object.fromEntries([...byKind].map(([k, v]) => [k, { records: v.records, totalCount: v.totalCount, sha256: v.hash.digest('hex') }]));
  return { kinds, failed: result.failedDomains, records: result.records };
}

describe('the direct footprint reader', () => {
  it('knows from the supergraph which subgraph serves each kind alone; the gateway’s own data has none', () => {
    const owners = kindOwners(schema, plan, subgraphUrls);
    for (const k of plan.kinds) {
      const owner = owners.get(`${k.domain}.${k.field}`);
      if (GATEWAY_DOMAINS.includes(k.domain)) expect(owner, k.domain).toBeUndefined();
      else expect(owner, `${k.domain}.${k.field}`).toEqual({ subgraph: k.domain, url: subgraphUrls[k.domain] });
    }
  });

  it('reads the heavy person’s footprint with exactly the records the gateway gives, in the same order', async () => {
    const fallback = await viaGateway(HEAVY_PERSON);
    const through = await collect(plan, HEAVY_PERSON, fallback, 5000);
    const { source, calls } = direct(HEAVY_PERSON, fallback);
    const straight = await collect(plan, HEAVY_PERSON, source, 5000);
    expect(through.failed.size).toBe(0);
    expect(straight.failed.size).toBe(0);
    expect(through.records).toBeGreaterThan(50_000);
    expect(straight.kinds).toEqual(through.kinds);
    // Every subgraph's kinds went straight to it; only the gateway's own data went through the gateway.
    expect(new Set(calls)).toEqual(new Set(plan.domains.filter((d) => !GATEWAY_DOMAINS.includes(d))));
  }, 240_000);

  it('pages a kind by cursor exactly as the gateway does (small pages)', async () => {
    const fallback = await viaGateway('10000001');
    const small = { kinds: plan.kinds.filter((k) => ['account', 'cloud', 'corrections'].includes(k.domain)), domains: plan.domains };
    const through = await collect(small, '10000001', fallback, 2);
    const straight = await collect(small, '10000001', direct('10000001', fallback).source, 2);
    expect(straight.kinds).toEqual(through.kinds);
    expect(Object.keys(straight.kinds).length).toBeGreaterThan(5);
  }, 120_000);

  it('marks a domain that cannot be reached SUBGRAPH_UNAVAILABLE, naming it, and reads the others', async () => {
    const fallback = await viaGateway('10000001');
    const urls = { ...subgraphUrls, music: 'http://127.0.0.1:9/graphql' };
    const p = { kinds: plan.kinds.filter((k) => ['music', 'themes'].includes(k.domain)), domains: plan.domains };
    const got = await collect(p, '10000001', direct('10000001', fallback, { urls }).source, 100);
    expect([...got.failed.keys()]).toEqual(['music']);
    expect(got.failed.get('music')).toMatchObject({ message: expect.stringMatching(/^The music domain is unavailable: it could not be reached \(/), extensions: { code: 'SUBGRAPH_UNAVAILABLE', domain: 'music' } });
    expect(Object.keys(got.kinds).every((k) => k.startsWith('themes.'))).toBe(true);
  });

  it('goes through the domain’s circuit breaker: once open, calls fail fast naming the domain', async () => {
    const circuits = new DomainCircuits({ music: 'http://127.0.0.1:9/graphql' }, { failureThreshold: 1, openMs: 60_000, maxOpenMs: 60_000, probeTimeoutMs: 500 }, createLogger('test', 'silent'));
    const fallback = await viaGateway('10000001');
    const { source } = direct('10000001', fallback, { urls: { ...subgraphUrls, music: 'http://127.0.0.1:9/graphql' }, fetchFor: (s) => circuits.fetcher(s, 5000) });
    const p = { kinds: plan.kinds.filter((k) => k.domain === 'music'), domains: plan.domains };
    const first = await source.firstPages(p, '10000001', 10);
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'music' });
    expect(circuits.status().music!.state).toBe('open');
    const second = await source.firstPages(p, '10000001', 10);
    expect(second.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^The music domain is unavailable: .*circuit open/), extensions: { code: 'SUBGRAPH_UNAVAILABLE', domain: 'music', circuit: 'open' } });
  });

  it('is held by the subgraph to the one person its credential names', async () => {
    const k = plan.kinds.find((x) => x.domain === 'account')!;
    const credential = await signCredential({ actor: '10000001', actorType: 'subject', person: '10000001', scopes: [], requestId: 'direct-readers-test' }, internalSecret);
    const call = (person: string, headers: Record<string, string>) =>
      callSubgraph({ domain: 'account', url: subgraphUrls.account!, query: entitiesOperation([k], false), variables: { r: [{ __typename: 'Person', id: person }], first: 5 }, headers, fetch: plainFetch(10_000), timeoutMs: 10_000 });
    const other = await call('10000002', { [CREDENTIAL_HEADER]: credential });
    expect(other.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', domain: 'account' } });
    expect(other.errors?.[0]?.path?.[0]).toBe('person');
    expect(other.data).toEqual({ person: { account: null } });
    const none = await call('10000001', {});
    expect(none.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED', domain: 'account' } });
    const own = await call('10000001', { [CREDENTIAL_HEADER]: credential });
    expect(own.errors).toBeUndefined();
    expect((own.data as { person: { account: { profile: { nodes: unknown[] } } } }).person.account.profile.nodes).toHaveLength(1);
  });
});

describe('an export read directly from the subgraphs', () => {
  const dirs: string[] = [];
  const procs: Proc[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** One export of `person` by a gateway of its own (fresh store), reading as `read` says; the archive's entries. */
  async function exportWith(read: 'direct' | 'gateway', person: string) {
    const dir = mkdtempSync(join(tmpdir(), `footprint-direct-${read}-`));
    dirs.push(dir);
    const gateway = await startGateway(dir, subgraphUrls, { FOOTPRINT_EXPORT_READ: read });
    procs.push(gateway);
    const headers = bearer(await subjectToken(person));
    const requested = await requestExport(gateway.url, headers);
    expect(requested.errors, JSON.stringify(requested.errors)).toBeUndefined();
    const job = await waitForJob(gateway.url, headers, requested.data!.requestExport.id, undefined, 200_000);
    expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
    const zip = join(dir, 'archive.zip');
    expect((await download(job.archive!.url, headers, zip)).status).toBe(200);
    return readZip(zip);
  }

  let viaDirect: Map<string, Buffer>;
  let viaGatewayZip: Map<string, Buffer>;
  beforeAll(async () => {
    [viaDirect, viaGatewayZip] = await Promise.all([exportWith('direct', '10000001'), exportWith('gateway', '10000001')]);
  }, 240_000);

  /**
   * A data file of a subgraph's domain, as JSON/CSV/… (`<domain>/…`) or as the viewer's pages (`viewer/data/<domain>/…`).
   * The viewer's index (viewer/data/index.js) is left out like the manifest: it carries the job's own times.
   */
  const subgraphDataFile = (n: string) => {
    if (!n.includes('/') || n === 'viewer/data/index.js') return false;
    const domain = n.startsWith('viewer/data/') ? n.split('/')[2]! : n.startsWith('viewer/') ? null : n.split('/')[0]!;
    return domain !== null && !GATEWAY_DOMAINS.includes(domain);
  };

  it('writes every data file byte for byte as an export read through the gateway', () => {
    // Data files of the subgraphs' domains; the gateway's own (privacy requests) differ between two fresh stores.
    const data = (m: Map<string, Buffer>) => [...m.keys()].filter(subgraphDataFile).sort();
    expect(data(viaDirect)).toEqual(data(viaGatewayZip));
    expect(data(viaDirect).length).toBeGreaterThan(40);
    for (const name of data(viaDirect)) expect(viaDirect.get(name)!.equals(viaGatewayZip.get(name)!), name).toBe(true);
  });

  it('lists the same files, records and hashes in its manifest', () => {
    type M = { files: { path: string; size: number; sha256: string; records: number | null }[]; totals: { records: number } };
    const m = (z: Map<string, Buffer>) => JSON.parse(z.get('manifest.json')!.toString('utf8')) as M;
    const subgraphFiles = (x: M) => x.files.filter((f) => subgraphDataFile(f.path));
    expect(subgraphFiles(m(viaDirect))).toEqual(subgraphFiles(m(viaGatewayZip)));
    expect(m(viaDirect).totals.records).toBe(m(viaGatewayZip).totals.records);
  });
});
