import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Which engine the stores of this test run use: SQLite files (the default),
 * or PostgreSQL with FOOTPRINT_TEST_ENGINE=postgres (`npm run test:pg`).
 * On PostgreSQL each run gets a database of its own, dropped afterwards, so
 * runs in parallel (other worktrees, other test files) never meet.
 */
export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.FOOTPRINT_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** The server the per-run databases are made on (trust auth on CI). */
export const TEST_POSTGRES_URL = process.env.FOOTPRINT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named for `label` and this run; drop() removes it, connections and all. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `fp_${label.replace(/[^a-z0-9]/g, '_').slice(0, 20)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/**
 * For a test file that seeds and launches its own stores: on PostgreSQL,
 * points every store of this process (and the services it launches, which
 * inherit the environment) at a database of its own. Returns the cleanup.
 */
export async function isolateStores(label: string): Promise<() => Promise<void>> {
  if (TEST_ENGINE !== 'postgres') return async () => {};
  const db = await createTestDatabase(label);
  const before = process.env.FOOTPRINT_DATABASE_URL;
  process.env.FOOTPRINT_DATABASE_URL = db.url;
  return async () => {
    if (before === undefined) delete process.env.FOOTPRINT_DATABASE_URL;
    else process.env.FOOTPRINT_DATABASE_URL = before;
    await db.drop();
  };
}
