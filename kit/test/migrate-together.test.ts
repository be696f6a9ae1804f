import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Migration } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createRecordTable, openStore } from '../src/store.js';
import { migrateRightsTables } from '../src/rights/store.js';
import { migrateCorrectionTables } from '../src/corrections/store.js';

/**
 * Services that open one SQLite file start together (two gateways over one data folder, a gateway and its export
 * worker, a second process of a subgraph): their migrations must take turns, not each create what the other just
 * made ("table already exists"). Each store here is its own connection to the file, as a process would have.
 */
const dir = mkdtempSync(join(tmpdir(), 'footprint-migrate-together-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const migrations: Record<string, Migration> = {
  '001_things': { up: (db: Kysely<unknown>) => createRecordTable(db, 'thing', (t) => t.addColumn('name', 'text', (c) => c.notNull())) },
  '002_other_things': { up: (db: Kysely<unknown>) => createRecordTable(db, 'other_thing', (t) => t.addColumn('size', 'integer')) },
  '003_thing_index': { up: (db: Kysely<unknown>) => db.schema.createIndex('thing_name_idx').on('thing').column('name').execute() },
};

const open = (file: string, m = migrations) => openStore<unknown>({ domain: 'together', url: join(dir, file), dataDir: dir, migrations: m });

describe('migrating one SQLite file from several connections at once', () => {
  it('runs each migration once, and every store ends migrated', async () => {
    const stores = Array.from({ length: 4 }, () => open('a.db'));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const db = stores[0]!.db as Kysely<unknown>;
      const done = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
      expect(done.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
      const triggers = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'trigger' and tbl_name in ('thing', 'other_thing')`.execute(db);
      expect(triggers.rows[0]!.n).toBeGreaterThan(0);
      // Every connection sees the finished schema.
      for (const s of stores) await sql`insert into thing (person_id, collected_at, region, name) values ('1', '2026-01-01T00:00:00.000Z', 'EU', 'x')`.execute(s.db as Kysely<unknown>);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("runs the kit's own tables' migrations once from several connections at once", async () => {
    const stores = Array.from({ length: 3 }, () => open('b.db'));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.flatMap((s) => [migrateRightsTables(s.db as Kysely<unknown>, 'together'), migrateCorrectionTables(s.db as Kysely<unknown>, 'together')]));
      const db = stores[0]!.db as Kysely<unknown>;
      for (const table of ['kit_rights_migration', 'kit_correction_migration']) {
        const rows = await sql<{ name: string; n: number }>`select name, count(*) as n from ${sql.table(table)} group by name`.execute(db);
        expect(rows.rows.length, table).toBeGreaterThan(0);
        expect(rows.rows.every((r) => r.n === 1), table).toBe(true);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('leaves nothing of a migration that fails: the next start runs it whole', async () => {
    const failing: Record<string, Migration> = {
      ...migrations,
      '004_broken': {
        up: async (db: Kysely<unknown>) => {
          await createRecordTable(db, 'half_made', (t) => t.addColumn('x', 'text'));
          throw new Error('the migration broke after its first statement');
        },
      },
    };
    const broken = open('c.db', failing);
    await expect(broken.migrate()).rejects.toThrow(/Migration of the together store failed at 004_broken: .*broke after its first statement/);
    const db = broken.db as Kysely<unknown>;
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name in ('thing', 'half_made')`.execute(db);
    expect(tables.rows).toEqual([]);
    await broken.close();
    const fixed = open('c.db');
    await fixed.migrate();
    const done = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(fixed.db as Kysely<unknown>);
    expect(done.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
    await fixed.close();
  });
});
