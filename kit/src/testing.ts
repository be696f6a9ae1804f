import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type SecretsConfig } from './config.js';
import { CREDENTIAL_HEADER, signCredential, type InternalCredential } from './credential.js';
import { closeServer, listen } from './http.js';
import { personProfile, Rng, type SeedTarget } from './seed.js';
import type { Subgraph } from './subgraph.js';
import type { Store } from './store.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** POSTs one GraphQL request and returns status and body. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: res.status, ...body };
}

export interface TestSubgraph<DB> {
  url: string;
  store: Store<DB>;
  /** The subgraph itself (its rights engine drives the domain's processing functions in tests). */
  subgraph: Subgraph & { store: Store<DB> };
  config: SecretsConfig;
  dataDir: string;
  /** A gateway credential for `person` (what the gateway would send). */
  credential(person: string | null, over?: Partial<InternalCredential>): Promise<string>;
  /** Calls `_entities` for Person `id` with `selection` (the fields inside `... on Person`). */
  entities<T = Record<string, unknown>>(id: string, selection: string, opts?: { as?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse<{ _entities: T[] }>>;
  close(): Promise<void>;
}

/** The demo people every domain test seeds (light). */
export const TEST_PEOPLE = ['10000001', '10000002'];

/**
 * Starts a subgraph on a free port over a fresh SQLite directory, seeded for
 * the demo people: real HTTP, real store, no gateway.
 */
export async function startTestSubgraph<DB>(
  create: (config: SecretsConfig) => Promise<Subgraph & { store: Store<DB> }>,
  seed: (store: Store<DB>, targets: SeedTarget[]) => Promise<void>,
  people: { id: string; scale: number }[] = TEST_PEOPLE.map((id) => ({ id, scale: 1 })),
): Promise<TestSubgraph<DB>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-test-'));
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir });
  const sg = await create(config);
  await seed(sg.store, people.map((p) => ({ profile: personProfile(p.id), scale: p.scale, rng: new Rng(`seed:${p.id}`) })));
  const port = await listen(sg.http, 0);
  const url = `http://127.0.0.1:${port}/graphql`;
  const credential = (person: string | null, over: Partial<InternalCredential> = {}) =>
    signCredential({ actor: person ?? 'test', actorType: 'subject', person, scopes: [], requestId: 'test', ...over }, config.internalSecret);
  return {
    url,
    store: sg.store,
    subgraph: sg,
    config,
    dataDir,
    credential,
    async entities(id, selection, opts = {}) {
      const as = opts.as === undefined ? id : opts.as;
      const headers = { ...(as === null ? {} : { [CREDENTIAL_HEADER]: await credential(as) }), ...opts.headers };
      return postGraphQL(url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${selection} } } }`, { r: [{ __typename: 'Person', id }] }, headers);
    },
    async close() {
      await closeServer(sg.http);
      await sg.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
