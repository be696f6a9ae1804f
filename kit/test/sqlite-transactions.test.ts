import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../src/sqlite.js';
import { openStore } from '../src/store.js';

/**
 * A transaction that reads and then writes (at most one active job per person, the next number in a sequence)
 * must not be undone by another connection to the same SQLite file committing in between, as the gateway's
 * export worker thread or a second gateway does. With a deferred BEGIN, WAL mode fails that write at once with
 * SQLITE_BUSY_SNAPSHOT, whatever busy_timeout says.
 */
const dir = mkdtempSync(join(tmpdir(), 'footprint-sqlite-tx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite transactions of a store', () => {
  it('hold the write lock from their first statement, so a read-then-write is never refused half-way', async () => {
    const file = join(dir, 'tx.db');
    const store = openStore<unknown>({ domain: 'tx', url: file, dataDir: dir, migrations: {} });
    const db = store.db as Kysely<unknown>;
    await sql`create table job (person_id text not null, state text not null)`.execute(db);
    // Another connection, as a second process or thread has; no waiting, so a held lock shows at once.
    const other = new SQLite(file);
    other.pragma('busy_timeout = 0');
    try {
      let otherWrite: string | null = null;
      await db.transaction().execute(async (trx) => {
        const active = await sql<{ n: number }>`select count(*) as n from job where person_id = '1' and state = 'QUEUED'`.execute(trx);
        expect(active.rows[0]!.n).toBe(0);
        try {
          other.prepare(`insert into job values ('2', 'QUEUED')`).run();
          otherWrite = 'committed';
        } catch (err) {
          otherWrite = (err as { code?: string }).code ?? String(err);
        }
        await sql`insert into job values ('1', 'QUEUED')`.execute(trx);
      });
      // The other connection had to wait for the lock (here: was refused, not having waited); ours committed.
      expect(otherWrite).toBe('SQLITE_BUSY');
      const rows = await sql<{ personId: string }>`select person_id from job order by person_id`.execute(db);
      expect(rows.rows.map((r) => r.personId)).toEqual(['1']);
      // Once ours is done the other connection writes as usual.
      other.prepare(`insert into job values ('2', 'QUEUED')`).run();
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe('opening a new SQLite file while another process writes to it', () => {
  it('waits for the other process and switches the file to WAL (no "database is locked")', async () => {
    // Another process creates the file and holds a write transaction on it for a moment, as a second gateway
    // starting over the same fresh data folder does. SQLite refuses the switch to WAL at once meanwhile, whatever
    // busy_timeout says.
    const file = join(dir, 'fresh.db');
    const holder = spawn(
      process.execPath,
      ['-e', `const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('begin immediate'); db.exec('create table opened (pid integer)'); console.log('locked'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); db.exec('commit'); db.close();`, file],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (c: Buffer) => c.toString().includes('locked') && resolve());
      holder.on('exit', () => reject(new Error('the holder exited before it held the lock')));
    });
    const db = openSqlite(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.prepare('insert into opened values (?)').run(process.pid);
      expect((db.prepare('select count(*) as n from opened').get() as { n: number }).n).toBe(1);
    } finally {
      db.close();
    }
    expect(await exited).toBe(0);
  });
});
