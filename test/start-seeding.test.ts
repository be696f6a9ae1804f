import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PERSON, REPO_ROOT } from '@footprint/kit';
import { freePort } from '@footprint/scripts/federation';
import { bearer, gql, subjectToken } from './support/client.js';
import { createTestDatabase, type TestDatabase } from './support/engine.js';
import { requires } from './support/requires.js';

/**
 * `npm start` seeds a store only when the store itself has never held anyone,
 * asked on whichever engine it is configured: `npm run seed` (here with bulk
 * users, as with the heavy person) is not seeded over by a later `npm start`,
 * and a run on PostgreSQL does not leave the SQLite stores of the same data
 * folder marked as seeded while they are empty.
 */
await requires('postgres');

const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await db.drop();
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'footprint-start-seed-'));
  dirs.push(d);
  return d;
};

type Answer = { me: { account: { profile: { nodes: { name: string }[] } } | null } };
const PROFILE = '{ me { account { profile { nodes { name } } } } }';

/**
 * Runs `npm start` (scripts/dist/start.js) over `env` until it serves, asks the account profile of `person`
 * through its gateway, stops it (Ctrl-C's SIGTERM) and returns what it printed and the profile's names.
 */
async function startOnce(env: Record<string, string>, person: string): Promise<{ output: string; names: string[] }> {
  const port = await freePort();
  const launcher = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'start.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port), FOOTPRINT_START_PORTS: 'free', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  launcher.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  launcher.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((r) => launcher.once('exit', () => r()));
  try {
    const deadline = Date.now() + 170_000;
    while (!output.includes('Footprint is running.')) {
      if (launcher.exitCode !== null) throw new Error(`npm start exited (${launcher.exitCode}):\n${output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`npm start did not serve in time:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await gql<Answer>(`http://127.0.0.1:${port}/graphql`, PROFILE, {}, bearer(await subjectToken(person)));
    expect(res.errors, output.slice(-3000)).toBeUndefined();
    return { output, names: res.data?.me.account?.profile.nodes.map((n) => n.name) ?? [] };
  } finally {
    if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGTERM');
    await exited;
  }
}

describe('npm start seeds from the stores themselves', () => {
  it('does not seed over what npm run seed wrote (a bulk user is still there)', async () => {
    const dataDir = tempDir();
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'seed.js'), '--users', '1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    });
    const run = await startOnce({ FOOTPRINT_DATA_DIR: dataDir }, '20000001');
    expect(run.output).not.toMatch(/Seeding demo data/);
    // Seeded over, the bulk user would have no account left.
    expect(run.names).toHaveLength(1);
  }, 300_000);

  it('seeds the SQLite stores of a data folder an earlier run on PostgreSQL left empty', async () => {
    const dataDir = tempDir();
    const db = await createTestDatabase('start_seed');
    databases.push(db);
    const onPostgres = await startOnce({ FOOTPRINT_DATA_DIR: dataDir, FOOTPRINT_DATABASE_URL: db.url }, DEMO_PERSON);
    expect(onPostgres.output).toMatch(/Seeding demo data for account,/);
    expect(onPostgres.names.length).toBeGreaterThan(0);
    const onSqlite = await startOnce({ FOOTPRINT_DATA_DIR: dataDir }, DEMO_PERSON);
    expect(onSqlite.output).toMatch(/Seeding demo data for account,/);
    expect(onSqlite.names).toEqual(onPostgres.names);
  }, 400_000);
});
