import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql, type Generated, type Kysely, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordTable, openStore, scanTables, summariseTables, summaryQuery, type Store } from '@footprint/kit';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../support/engine.js';

/**
 * The discovery summary the database keeps by triggers equals, after every
 * kind of change a record table sees (inserts, erasures by delete and by
 * anonymising update, corrections, bulk changes), the full scan of the
 * records it replaced; a store made before the summary is filled once at
 * migrate. On SQLite by default, on PostgreSQL in `npm run test:pg`.
 */

// As the kit names tables (the store's CamelCasePlugin makes them dsum_note, dsum_visit).
const TABLES = ['dsumNote', 'dsumVisit'];
const SQL_TABLES = ['dsum_note', 'dsum_visit'];
const PEOPLE = ['p1', 'p2', 'p3'];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const SOURCES = [null, '', 'gift', 'import'];

const migrations: Record<string, Migration> = {
  '001_records': {
    up: async (db: Kysely<unknown>) => {
      for (const t of SQL_TABLES) await createRecordTable(db, t, (b) => b.addColumn('body', 'text'));
    },
  },
};

type Db = Record<string, { id: Generated<number>; personId: string; collectedAt: string; region: string; source: string | null; body: string | null }>;

let database: TestDatabase | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'footprint-dsum-'));
let store: Store<Db>;

const open = () =>
  openStore<Db>({
    domain: 'dsum',
    dataDir,
    url: database?.url,
    migrations,
    env: {},
  });

beforeAll(async () => {
  if (TEST_ENGINE === 'postgres') database = await createTestDatabase('dsum');
  store = open();
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A statement as the tables' owner (the service's role on PostgreSQL may neither drop triggers nor truncate). */
async function asOwner(text: string) {
  if (!database) return void (await sql.raw(text).execute(store.db));
  const client = new pg.Client({ connectionString: database.url, options: '-c search_path=dsum' });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

// A deterministic stream of values, so a failure replays.
let seedValue = 7;
const next = (n: number) => {
  seedValue = (seedValue * 1103515245 + 12345) % 2147483648;
  return seedValue % n;
};
const day = () => `2024-0${1 + next(9)}-1${next(10)}T0${next(10)}:00:00.000Z`;
const row = (person = PEOPLE[next(PEOPLE.length)]!) => ({ personId: person, collectedAt: day(), region: REGIONS[next(REGIONS.length)]!, source: SOURCES[next(SOURCES.length)]!, body: 'x' });

async function insert(n: number, table = TABLES[0]!, person?: string) {
  const rows = Array.from({ length: n }, () => row(person));
  await store.db.insertInto(table).values(rows).execute();
}

/** Every person's summary (and one who has none) against the scan of their records. */
async function expectExact() {
  for (const person of [...PEOPLE, 'erased', 'nobody']) {
    const fast = await summariseTables(store, TABLES, person);
    const scan = await scanTables(store.db, TABLES, person);
    expect(fast, person).toEqual(scan);
    // The store's prepared statement (SQLite) and Kysely's read the same rows.
    expect(await summariseTables({ db: store.db, reads: null }, TABLES, person), person).toEqual(scan);
  }
}

const ends = async (table: string, person: string, fn: 'min' | 'max') =>
  (await store.db.selectFrom(table).select('id').where('personId', '=', person).orderBy('collectedAt', fn === 'min' ? 'asc' : 'desc').orderBy('id').limit(1).executeTakeFirstOrThrow()).id;

describe(`the discovery summary on ${TEST_ENGINE}`, () => {
  it('is exact after inserts, one by one and in bulk', async () => {
    for (let i = 0; i < 20; i++) await store.db.insertInto(TABLES[1]!).values(row()).execute();
    await insert(300);
    await insert(50, TABLES[1]);
    await expectExact();
    const summed = await summariseTables(store, TABLES, 'p1');
    expect(summed.get(TABLES[0]!)!.count).toBeGreaterThan(50);
  });

  it('is exact after deletes of a group’s earliest and latest record, of whole groups and of a person (erasure)', async () => {
    for (const t of TABLES) {
      await store.db.deleteFrom(t).where('id', '=', await ends(t, 'p1', 'min')).execute();
      await store.db.deleteFrom(t).where('id', '=', await ends(t, 'p1', 'max')).execute();
    }
    await expectExact();
    await store.db.deleteFrom(TABLES[0]!).where('personId', '=', 'p2').where('region', '=', 'eu-west').execute();
    await store.db.deleteFrom(TABLES[0]!).where('personId', '=', 'p2').where('source', 'is', null).execute();
    await expectExact();
    // The erasure of records collected before a date, then of everything of a person.
    await store.db.deleteFrom(TABLES[1]!).where('personId', '=', 'p3').where('collectedAt', '<', '2024-05-01').execute();
    await expectExact();
    await store.db.deleteFrom(TABLES[1]!).where('personId', '=', 'p3').execute();
    await expectExact();
    expect((await summariseTables(store, TABLES, 'p3')).get(TABLES[1]!)).toEqual({ table: TABLES[1], count: 0, earliest: null, latest: null, regions: [], sources: [] });
  });

  it('is exact after anonymising updates and corrections (region, source, date), one record or many at once', async () => {
    // Anonymising: the records move to another person key and lose their source.
    await store.db.updateTable(TABLES[0]!).set({ personId: 'erased', source: null }).where('personId', '=', 'p2').where('region', '=', 'us-east').execute();
    await expectExact();
    // Corrections of one record: its date (to the group's new earliest and away from its latest), region, source.
    const t = TABLES[0]!;
    await store.db.updateTable(t).set({ collectedAt: '2023-01-01T00:00:00.000Z' }).where('id', '=', await ends(t, 'p1', 'max')).execute();
    await store.db.updateTable(t).set({ collectedAt: '2025-01-01T00:00:00.000Z' }).where('id', '=', await ends(t, 'p1', 'min')).execute();
    await store.db.updateTable(t).set({ region: 'sa-east' }).where('id', '=', await ends(t, 'p1', 'min')).execute();
    await store.db.updateTable(t).set({ source: 'corrected' }).where('id', '=', await ends(t, 'p1', 'max')).execute();
    await store.db.updateTable(t).set({ source: '' }).where('id', '=', await ends(t, 'p3', 'max')).execute();
    await expectExact();
    // Many at once, moving records between groups in both directions; and an update of no discovery column.
    await store.db.updateTable(t).set({ region: sql<string>`case when region = 'eu-west' then 'us-east' else 'eu-west' end` }).where('personId', '=', 'p1').execute();
    await store.db.updateTable(t).set({ collectedAt: sql<string>`case when source is null then '2022-06-06T00:00:00.000Z' else collected_at end` }).execute();
    await store.db.updateTable(t).set({ body: 'corrected' }).execute();
    await expectExact();
  });

  it('reads only the person’s own rows of the summary, a few per table', async () => {
    const rows = await summaryQuery(store.db, TABLES, 'p1').execute();
    expect(rows.length).toBeLessThanOrEqual(TABLES.length * (REGIONS.length + 1) * SOURCES.length);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('is filled once at migrate for a store (or a table) that had records before it', async () => {
    // A store from before the summary: its record tables have no triggers and the summary knows nothing of them.
    for (const t of SQL_TABLES) {
      for (const name of ['ins', 'del', 'upd', 'trunc']) {
        await asOwner(TEST_ENGINE === 'postgres' ? `drop trigger if exists ${t}_discovery_${name} on ${t}` : `drop trigger if exists ${t}_discovery_${name}`);
      }
    }
    await sql`delete from discovery_summary`.execute(store.db);
    await insert(40, TABLES[1], 'p3');
    await store.close();
    store = open();
    await store.migrate();
    await expectExact();
    // And the triggers are back: later changes keep it exact; migrating again changes nothing.
    await insert(25);
    await store.db.deleteFrom(TABLES[1]!).where('id', '=', await ends(TABLES[1]!, 'p3', 'min')).execute();
    await store.migrate();
    await expectExact();
  });

  it('forgets, at migrate, the rows of a table that is no longer a record table (dropped or renamed)', async () => {
    await asOwner(`insert into discovery_summary (person_id, tbl, region, source_is_null, source, count, earliest, latest) values ('p1', 'gone_table', 'eu-west', 0, 'web', 3, null, null)`);
    const gone = async () => (await sql<{ n: number | string }>`select count(*) as n from discovery_summary where tbl = 'gone_table'`.execute(store.db)).rows[0]?.n;
    expect(Number(await gone())).toBe(1);
    await store.migrate();
    expect(Number(await gone())).toBe(0);
    await expectExact();
  });

  it('is emptied with its table (delete of every row; truncate on PostgreSQL)', async () => {
    await store.db.deleteFrom(TABLES[0]!).execute();
    await expectExact();
    if (TEST_ENGINE === 'postgres') {
      await asOwner(`truncate ${SQL_TABLES[1]}`);
      await expectExact();
      expect((await summaryQuery(store.db, TABLES, 'p3').execute()).length).toBe(0);
    }
  });
});
