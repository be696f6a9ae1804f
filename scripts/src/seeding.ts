import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { listSubgraphs } from '@footprint/schema';
import {
  DEMO_PERSON,
  DISCOVERY_SUMMARY_TABLE,
  HEAVY_PERSON,
  isPostgresUrl,
  loadConfig,
  OTHER_PERSON,
  personProfile,
  Rng,
  storeUrl,
  type SecretsConfig,
  type SeedTarget,
  type Store,
  type Subgraph,
} from '@footprint/kit';

/** Records per many-record kind for the heavy person: with every domain it passes 50,000 records. */
export const HEAVY_SCALE = 1000;

export interface SeedOptions {
  dataDir: string;
  heavy?: boolean;
  /** Benchmarks only: the heavy person's scale instead of HEAVY_SCALE (about 60 records per unit over all domains). */
  heavyScale?: number;
  /** Benchmarks only: the heavy person's scale in named domains (a domain whose seed cannot grow that far, e.g. messaging's distinct masked numbers). */
  heavyScaleByDomain?: Record<string, number>;
  /** Bulk users 20000001… at light scale. */
  users?: number;
  only?: string[];
  onProgress?: (msg: string) => void;
}

/** A domain's dist/subgraph.js: its defineSubgraph declaration. */
interface SubgraphModule {
  subgraph: { createServer(config: SecretsConfig): Promise<Subgraph & { store: Store<unknown> }> };
}
interface SeedModule {
  seed(store: Store<unknown>, targets: SeedTarget[]): Promise<void>;
}

export function seedPeople(opts: Pick<SeedOptions, 'heavy' | 'users' | 'heavyScale'>): { id: string; scale: number }[] {
  const people = [
    { id: DEMO_PERSON, scale: 3 },
    { id: OTHER_PERSON, scale: 2 },
  ];
  if (opts.heavy) people.push({ id: HEAVY_PERSON, scale: opts.heavyScale ?? HEAVY_SCALE });
  for (let i = 1; i <= (opts.users ?? 0); i++) people.push({ id: String(20000000 + i), scale: 1 });
  return people;
}

/** Runs `fn` on one connection to the PostgreSQL database at `url`, closed after. */
async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Empties a domain's store: the SQLite file, or the domain's PostgreSQL schema, and the files it keeps beside it (<data>/<domain>-blobs). */
export async function resetStore(domain: string, dataDir: string): Promise<void> {
  rmSync(join(dataDir, `${domain}-blobs`), { recursive: true, force: true });
  const url = storeUrl(domain, dataDir);
  if (isPostgresUrl(url)) {
    await withPostgres(url, (client) => client.query(`drop schema if exists "${domain}" cascade`));
    return;
  }
  const file = url.replace(/^sqlite:/, '');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
}

/**
 * Writes the deterministic demo data into every domain's store, replacing what
 * was there: each domain seeds itself through its own seed.ts.
 */
export async function seedAll(opts: SeedOptions): Promise<{ people: number; domains: string[] }> {
  const config = { ...loadConfig({ ...process.env, FOOTPRINT_DATA_DIR: opts.dataDir }), logLevel: 'warn' as const };
  const people = seedPeople(opts);
  const domains = listSubgraphs()
    .map((s) => s.name)
    .filter((n) => !opts.only || opts.only.includes(n));
  for (const name of domains) {
    const started = Date.now();
    await resetStore(name, opts.dataDir);
    // Each domain's workspace package: its declaration (".") and its seed ("./seed"); the name is only known at run time.
    const { subgraph } = (await import(`@footprint/subgraph-${name}`)) as SubgraphModule;
    const { seed } = (await import(`@footprint/subgraph-${name}/seed`)) as SeedModule;
    const sg = await subgraph.createServer(config);
    try {
      await seed(
        sg.store,
        people.map((p) => ({
          profile: personProfile(p.id),
          scale: p.id === HEAVY_PERSON && opts.heavyScaleByDomain?.[name] ? opts.heavyScaleByDomain[name] : p.scale,
          rng: new Rng(`${name}:${p.id}`),
        })),
      );
    } finally {
      await sg.store.close();
    }
    opts.onProgress?.(`seeded ${name} (${Date.now() - started} ms)`);
  }
  return { people: people.length, domains };
}

/**
 * What shows a store has held people: their records (the discovery summary its triggers keep, one row per person
 * and table) or an erasure receipt (a store whose people were all erased is not a new one, and stays empty).
 */
const HELD_PEOPLE = [DISCOVERY_SUMMARY_TABLE, 'erasure_receipt'];

/**
 * Whether a domain's store, on whichever engine it is configured, has never held anyone. The store itself is
 * asked, not a marker beside it: a marker in the data folder said nothing about a store moved to PostgreSQL, and
 * `npm run seed` (with the heavy person or bulk users) wrote none, so a later `npm start` seeded over its data.
 */
export async function storeIsNew(domain: string, dataDir: string): Promise<boolean> {
  const url = storeUrl(domain, dataDir);
  if (isPostgresUrl(url)) {
    return withPostgres(url, async (client) => {
      for (const table of HELD_PEOPLE) {
        const { rows } = await client.query<{ found: boolean }>(`select to_regclass($1) is not null as found`, [`"${domain}".${table}`]);
        if (!rows[0]?.found) continue;
        if ((await client.query(`select 1 from "${domain}".${table} limit 1`)).rowCount) return false;
      }
      return true;
    });
  }
  const file = url.replace(/^sqlite:/, '');
  if (!existsSync(file)) return true;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    for (const table of HELD_PEOPLE) {
      if (!db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(table)) continue;
      if (db.prepare(`select 1 from ${table} limit 1`).get()) return false;
    }
    return true;
  } finally {
    db.close();
  }
}

/** Seeds the demo people into every store that has never held anyone (a first run, a domain added since); returns those domains. */
export async function seedNewStores(opts: Pick<SeedOptions, 'dataDir' | 'onProgress'> & { announce?: (domains: string[]) => void }): Promise<string[]> {
  const fresh: string[] = [];
  for (const { name } of listSubgraphs()) {
    const isNew = await storeIsNew(name, opts.dataDir).catch((err: unknown) => {
      throw new Error(`Could not tell whether the ${name} store holds anyone (${storeUrl(name, opts.dataDir).replace(/\/\/[^@/]*@/, '//…@')}): ${err instanceof Error ? err.message : String(err)}`);
    });
    if (isNew) fresh.push(name);
  }
  if (fresh.length > 0) {
    opts.announce?.(fresh);
    await seedAll({ dataDir: opts.dataDir, only: fresh, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  }
  return fresh;
}
