import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, ConfigError, CREDENTIAL_HEADER, executionSettings, HEAVY_PERSON, listen, loadConfig, personProfile, Rng, RESTRICT_SCOPE, signCredential, type InternalCredential, type SecretsConfig, type SeedTarget, type Store, type Subgraph } from '@footprint/kit';
import { subgraph as cloud } from '@footprint/subgraph-cloud';
import { seed as seedCloud } from '@footprint/subgraph-cloud/seed';
import { subgraph as messaging } from '@footprint/subgraph-messaging';
import { seed as seedMessaging } from '@footprint/subgraph-messaging/seed';

/**
 * Compiled execution (graphql-jit) must answer exactly as graphql-js does:
 * the same subgraph twice over one store, once per FOOTPRINT_SUBGRAPH_EXECUTION,
 * asked the same requests over real HTTP; the bodies must match byte for byte.
 */

const LIGHT = '10000001';
const OTHER = '10000002';
const META = `meta { kind domain category source purposes legalBasis retention region collectedAt correctable correctionNote recipients policySection
  erasure { action fields note retainFor retainFrom } restricted restriction { since reason until ground } }`;

interface Domain {
  name: string;
  create: (config: SecretsConfig) => Promise<Subgraph & { store: Store<unknown> }>;
  seed: (store: Store<unknown>, targets: SeedTarget[]) => Promise<void>;
  /** A page of its biggest kind with every field, metadata included, through a fragment and aliases. */
  page: string;
  restrict: string;
}

const domains: Domain[] = [
  {
    name: 'cloud',
    create: cloud.createServer as Domain['create'],
    seed: seedCloud as Domain['seed'],
    page: `locations(first: $first) { totalCount pageInfo { hasNextPage endCursor } nodes { ...Loc } }
      contacts(first: 7) { totalCount edges { cursor node { id ${META} displayName starred phones { number type preferred } emails { address type preferred } } } }
      devs: devices { totalCount nodes { id imei imei2 findDeviceEnabled ${META} } }`,
    restrict: 'cloud.location',
  },
  {
    name: 'messaging',
    create: messaging.createServer as Domain['create'],
    seed: seedMessaging as Domain['seed'],
    page: `messages(first: $first) { totalCount pageInfo { hasNextPage endCursor } nodes { ...Msg } }
      conversations { totalCount nodes { id title participants { own phoneNumber } ${META} } }`,
    restrict: 'messaging.message',
  },
];

const FRAGMENTS: Record<string, string> = {
  cloud: `fragment Loc on DeviceLocation { id ${META} deviceId device { id model imei } latitude longitude accuracyMeters method at }`,
  messaging: `fragment Msg on MessagingMessage { id ${META} conversationId messageId direction body sentAt state deliveredAt readAt sender { own phoneNumber } recipients { own phoneNumber } }`,
};

interface Pair {
  dir: string;
  config: SecretsConfig;
  graphqlJs: Subgraph & { store: Store<unknown> };
  jit: Subgraph & { store: Store<unknown> };
  urls: { graphqlJs: string; jit: string };
}

/** Builds the subgraph with FOOTPRINT_SUBGRAPH_EXECUTION set to `mode` (read when it is created). */
async function createWith(mode: string, d: Domain, config: SecretsConfig) {
  const before = process.env.FOOTPRINT_SUBGRAPH_EXECUTION;
  process.env.FOOTPRINT_SUBGRAPH_EXECUTION = mode;
  try {
    return await d.create(config);
  } finally {
    if (before === undefined) delete process.env.FOOTPRINT_SUBGRAPH_EXECUTION;
    else process.env.FOOTPRINT_SUBGRAPH_EXECUTION = before;
  }
}

async function post(url: string, query: string, variables: Record<string, unknown>, credential: string | null): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(credential ? { [CREDENTIAL_HEADER]: credential } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.text() };
}

async function metrics(url: string): Promise<{ execution: { mode: string; compiledRuns?: number; referenceRuns?: number } }> {
  return (await (await fetch(new URL('/metrics', url))).json()) as { execution: { mode: string; compiledRuns?: number; referenceRuns?: number } };
}

describe('the execution switch', () => {
  it('is jit by default, graphql-js on request, and refuses anything else at startup', () => {
    expect(executionSettings({}).mode).toBe('jit');
    expect(executionSettings({ FOOTPRINT_SUBGRAPH_EXECUTION: 'graphql-js' }).mode).toBe('graphql-js');
    expect(() => executionSettings({ FOOTPRINT_SUBGRAPH_EXECUTION: 'fast' })).toThrow(ConfigError);
    expect(() => executionSettings({ FOOTPRINT_SUBGRAPH_JIT_CACHE: '0' })).toThrow(/FOOTPRINT_SUBGRAPH_JIT_CACHE/);
  });
});

for (const d of domains) {
  describe(`${d.name}: compiled execution answers as graphql-js does`, () => {
    let p: Pair;
    const cred = (person: string | null, over: Partial<InternalCredential> = {}) =>
      signCredential({ actor: person ?? 'test', actorType: 'subject', person, scopes: [], requestId: 'test', ...over }, p.config.internalSecret);
    /** The same request to both; the bodies (and statuses) must be identical. Returns the parsed body. */
    const both = async (query: string, variables: Record<string, unknown>, credential: string | null) => {
      const [a, b] = await Promise.all([post(p.urls.graphqlJs, query, variables, credential), post(p.urls.jit, query, variables, credential)]);
      expect(b.status).toBe(a.status);
      expect(b.body).toBe(a.body);
      return JSON.parse(a.body) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    };
    const entities = (selection: string, fragment = '') =>
      `query Page($r: [_Any!]!${selection.includes('$first') ? ', $first: Int' : ''}) { _entities(representations: $r) { __typename ... on Person { id ${d.name} { ${selection} } } } } ${fragment}`;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), `footprint-exec-${d.name}-`));
      const config = loadConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dir });
      const graphqlJs = await createWith('graphql-js', d, config);
      await d.seed(
        graphqlJs.store,
        [
          { id: LIGHT, scale: 2 },
          { id: OTHER, scale: 1 },
          { id: HEAVY_PERSON, scale: 120 },
        ].map((x) => ({ profile: personProfile(x.id), scale: x.scale, rng: new Rng(`seed:${x.id}`) })),
      );
      // The second one opens the same store: both read the same rows.
      const jit = await createWith('jit', d, config);
      for (const sg of [graphqlJs, jit]) await sg.prepare?.();
      const ports = [await listen(graphqlJs.http, 0), await listen(jit.http, 0)];
      p = { dir, config, graphqlJs, jit, urls: { graphqlJs: `http://127.0.0.1:${ports[0]}/graphql`, jit: `http://127.0.0.1:${ports[1]}/graphql` } };
    });
    afterAll(async () => {
      if (!p) return;
      for (const sg of [p.graphqlJs, p.jit]) {
        await closeServer(sg.http);
        await sg.store.close();
      }
      rmSync(p.dir, { recursive: true, force: true });
    });

    it('runs queries compiled on the jit side only', async () => {
      expect((await metrics(p.urls.graphqlJs)).execution).toEqual({ mode: 'graphql-js' });
      const before = (await metrics(p.urls.jit)).execution;
      expect(before.mode).toBe('jit');
      await both(entities('discovery { domain }'), { r: [{ __typename: 'Person', id: LIGHT }] }, await cred(LIGHT));
      expect((await metrics(p.urls.jit)).execution.compiledRuns).toBe((before.compiledRuns ?? 0) + 1);
    });

    it('a page of thousands of records with full metadata, lazy counts and nested lookups, byte for byte', async () => {
      const body = await both(entities(d.page, FRAGMENTS[d.name]), { r: [{ __typename: 'Person', id: HEAVY_PERSON }], first: 5000 }, await cred(HEAVY_PERSON));
      expect(body.errors).toBeUndefined();
      const text = JSON.stringify(body);
      expect(text.split('"meta":').length - 1).toBeGreaterThan(500);
      expect(text).toMatch(/"totalCount":[1-9]/);
    });

    it('restricted records carry their restriction in both (the mutation itself runs on graphql-js)', async () => {
      const before = (await metrics(p.urls.jit)).execution;
      const restricted = await post(
        p.urls.jit,
        'mutation($k: [String!]!) { _restrict(kinds: $k, reason: "execution test") { domain restrictions { kind } } }',
        { k: [d.restrict] },
        await cred(LIGHT, { scopes: [RESTRICT_SCOPE], actorType: 'job', actor: 'test' }),
      );
      expect(JSON.parse(restricted.body).errors).toBeUndefined();
      expect((await metrics(p.urls.jit)).execution.referenceRuns).toBe((before.referenceRuns ?? 0) + 1);
      const body = await both(entities(d.page, FRAGMENTS[d.name]), { r: [{ __typename: 'Person', id: LIGHT }], first: 50 }, await cred(LIGHT));
      expect(body.errors).toBeUndefined();
      expect(JSON.stringify(body)).toContain('"reason":"execution test"');
    });

    it('_entities with several Person representations, discovery and _service', async () => {
      const r = [{ __typename: 'Person', id: LIGHT }, { __typename: 'Person', id: LIGHT }];
      const body = await both(
        entities('discovery { domain kinds { kind title count earliest latest regions sources } }'),
        { r },
        await cred(LIGHT),
      );
      expect((body.data?._entities as unknown[] | undefined)?.length).toBe(2);
      const sdl = await both('{ _service { sdl } }', {}, await cred(null));
      expect(JSON.stringify(sdl.data)).toContain('PersonalData');
    });

    it('errors: bad arguments, a bad cursor, another person, a non-null field failing — same messages, paths and codes', async () => {
      const mine = { r: [{ __typename: 'Person', id: LIGHT }] };
      const tooMany = await both(entities(d.page, FRAGMENTS[d.name]), { ...mine, first: 0 }, await cred(LIGHT));
      expect(tooMany.errors?.map((e) => e.extensions?.code)).toContain('BAD_USER_INPUT');
      const field = d.page.split('(')[0]!.trim();
      const cursor = await both(entities(`${field}(after: "nonsense") { totalCount nodes { id } }`), mine, await cred(LIGHT));
      expect(cursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const theirs = await both(entities('discovery { domain }'), { r: [{ __typename: 'Person', id: OTHER }, ...mine.r] }, await cred(LIGHT));
      expect(theirs.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
      const noPerson = await both(entities(`${field}(first: 1) { totalCount }`), mine, await cred(null));
      expect(noPerson.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const unauthenticated = await both(entities('discovery { domain }'), mine, null);
      expect(unauthenticated.errors?.[0]?.extensions?.code).toBeDefined();
    });
  });
}
