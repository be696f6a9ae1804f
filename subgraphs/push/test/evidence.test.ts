import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE } from '@footprint/kit';
import { postGraphQL, startTestSubgraph } from '@footprint/kit/testing';
import { checkEvidence } from '@footprint/scripts/evidence';
import { seed } from '../src/seed.js';
import { subgraph } from '../src/subgraph.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/engine.js';
import { requires } from '../../../test/support/requires.js';

await requires('postgres');

/** Raw SQL as the owner of the tables: what someone with the file or the owning login would use. */
interface Owner {
  run(sql: string, params?: unknown[]): Promise<void>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A domain's own erasure receipts (the kit's), on the domain's store: refused rewrites, chained, verified by the same command. */
describe.each(['SQLite', 'PostgreSQL'] as const)('a domain’s erasure receipts on %s', (engine) => {
  it('refuses REPLACE, upsert and TRUNCATE, and the verifier names a receipt edited behind the triggers', async () => {
    const env: NodeJS.ProcessEnv = {};
    let database: TestDatabase | null = null;
    if (engine === 'PostgreSQL') {
      database = await createTestDatabase('evidence_push');
      env.FOOTPRINT_PUSH_DATABASE_URL = database.url;
    }
    const sg = await withEnvAsync(env, () => startTestSubgraph(subgraph.createServer, seed, [{ id: '37000011', scale: 2 }]));
    const pool = database ? new pg.Pool({ connectionString: database.url, max: 1, options: '-c search_path=push' }) : null;
    const file = database ? null : new SQLite(join(sg.dataDir, 'push.db'));
    const owner: Owner = pool
      ? { run: async (q, p = []) => void (await pool.query(q, p)), rows: async <T>(q: string, p: unknown[] = []) => (await pool.query(q, p)).rows as T[] }
      : { run: async (q, p = []) => void file!.prepare(q).run(...p), rows: async <T>(q: string, p: unknown[] = []) => file!.prepare(q).all(...p) as T[] };
    try {
      const res = await postGraphQL<{ _erase: { kinds: { kind: string }[] } }>(sg.url, 'mutation { _erase(requestId: "ev-1") { kinds { kind } } }', {}, {
        [CREDENTIAL_HEADER]: await sg.credential('37000011', { scopes: [ERASE_SCOPE] }),
      });
      expect(res.errors).toBeUndefined();
      const kinds = res.data!._erase.kinds.length;
      // What npm run verify-evidence finds in the domain's store (the SQLite file in the data folder, or PostgreSQL).
      const chain = async () => {
        const found = (await checkEvidence({ dataDir: sg.dataDir, env })).filter((c) => c.store === 'push');
        expect(found).toHaveLength(1);
        return found[0]!.report;
      };
      expect(await chain()).toMatchObject({ table: 'erasure_receipt', count: kinds, broken: null });

      const [first] = await owner.rows<Record<string, unknown>>('select * from erasure_receipt order by id limit 1');
      const columns = Object.keys(first!);
      const values = columns.map((c) => (c === 'actor' ? 'nobody' : first![c]));
      const marks = columns.map((_, i) => (pool ? `$${i + 1}` : '?'));
      const attempts = [`insert into erasure_receipt (${columns}) values (${marks}) on conflict (id) do update set actor = excluded.actor`];
      if (pool) attempts.push('truncate erasure_receipt', 'truncate correction_history cascade');
      else attempts.push(`insert or replace into erasure_receipt (${columns}) values (${marks})`, `replace into erasure_receipt (${columns}) values (${marks})`);
      for (const attempt of attempts) await expect(owner.run(attempt, attempt.startsWith('truncate') ? [] : values), attempt).rejects.toThrow(/append-only/);
      expect((await owner.rows<{ actor: string }>('select actor from erasure_receipt order by id limit 1'))[0]!.actor).toBe(first!.actor);

      if (pool) await owner.run('alter table erasure_receipt disable trigger user');
      else for (const { name } of await owner.rows<{ name: string }>(`select name from sqlite_master where type = 'trigger' and tbl_name = 'erasure_receipt'`)) await owner.run(`drop trigger ${name}`);
      await owner.run(`update erasure_receipt set deleted = 0 where id = ${Number(first!.id)}`);
      expect((await chain()).broken).toMatchObject({ seq: 1, key: `["${first!.id}"]`, problem: 'ROW_CHANGED' });
    } finally {
      file?.close();
      await pool?.end();
      await sg.close();
      await database?.drop();
    }
  });
});

async function withEnvAsync<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const before = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(env)) if (before[k] === undefined) delete process.env[k];
  }
}
