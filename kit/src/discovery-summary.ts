import { sql, type Kysely } from 'kysely';
import type { Dialect, StoreReads } from './store.js';
import { viewTables, type AnyKysely } from './view-tables.js';
import { sqlNames } from './sql-names.js';

/**
 * The table the database keeps a person's discovery in: per person × record
 * table × region × source, the number of records and their earliest and
 * latest collected_at. Triggers on every record table keep it exact on each
 * insert, delete and update, so a person's discovery reads a handful of rows
 * however many records they hold. A null source and an empty one are kept
 * apart (source_is_null), as the full scan keeps them.
 */
export const DISCOVERY_SUMMARY_TABLE = 'discovery_summary';

const S = DISCOVERY_SUMMARY_TABLE;
const KEY = 'person_id, tbl, region, source_is_null, source';

/** Names a table in SQL text; record tables' names are the domain's own identifiers. */
const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Not a plain SQL identifier: ${JSON.stringify(name)}`);
  return name;
};

const insertTrigger = (t: string) => `${t}_discovery_ins`;

async function createSummaryTable(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `create table if not exists ${S} (person_id text not null, tbl text not null, region text not null, source_is_null integer not null, source text not null, count integer not null, earliest text, latest text, primary key (${KEY}))`,
    )
    .execute(db);
}

/** The triggers of one record table on SQLite: an update is the removal of the old row then the insertion of the new. */
function sqliteTriggers(t: string): string[] {
  const add = (r: 'NEW') =>
    `insert into ${S} (${KEY}, count, earliest, latest) values (${r}.person_id, '${t}', ${r}.region, ${r}.source is null, coalesce(${r}.source, ''), 1, ${r}.collected_at, ${r}.collected_at)
     on conflict (${KEY}) do update set count = count + 1, earliest = min(earliest, excluded.earliest), latest = max(latest, excluded.latest);`;
  const group = `person_id = OLD.person_id and tbl = '${t}' and region = OLD.region and source_is_null = (OLD.source is null) and source = coalesce(OLD.source, '')`;
  // The group's new bounds are sought in the discovery index only when the removed row held one of them.
  const seek = (fn: 'min' | 'max') => `(select ${fn}(collected_at) from ${t} where person_id = OLD.person_id and region = OLD.region and source is OLD.source)`;
  const remove = `update ${S} set count = count - 1,
       earliest = case when earliest = OLD.collected_at then ${seek('min')} else earliest end,
       latest = case when latest = OLD.collected_at then ${seek('max')} else latest end
     where ${group};
     delete from ${S} where ${group} and count <= 0;`;
  const changed = 'OLD.person_id is not NEW.person_id or OLD.region is not NEW.region or OLD.source is not NEW.source or OLD.collected_at is not NEW.collected_at';
  return [
    `create trigger ${insertTrigger(t)} after insert on ${t} begin ${add('NEW')} end`,
    `create trigger ${t}_discovery_del after delete on ${t} begin ${remove} end`,
    `create trigger ${t}_discovery_upd after update of person_id, region, source, collected_at on ${t} when ${changed} begin ${remove} ${add('NEW')} end`,
  ];
}

/** The trigger functions of a PostgreSQL schema, shared by its record tables (the table is TG_TABLE_NAME). */
function postgresFunctions(schema: string): string[] {
  const s = `${schema}.${S}`;
  return [
    `create or replace function ${schema}.discovery_summary_track() returns trigger language plpgsql as $fn$
declare
  r record;
  lo text;
  hi text;
begin
  if tg_op in ('DELETE', 'UPDATE') then
    update ${s} set count = count - 1
      where person_id = old.person_id and tbl = tg_table_name and region = old.region and source_is_null = (old.source is null)::int and source = coalesce(old.source, '')
      returning count, earliest, latest into r;
    if not found then
      null; -- a row the summary never held (none: every row is counted from its insertion or the fill)
    elsif r.count <= 0 then
      delete from ${s} where person_id = old.person_id and tbl = tg_table_name and region = old.region and source_is_null = (old.source is null)::int and source = coalesce(old.source, '');
    elsif old.collected_at = r.earliest or old.collected_at = r.latest then
      -- The removed row held a bound: seek the group's new ones in the discovery index.
      execute format('select min(collected_at), max(collected_at) from %I.%I where person_id = $1 and region = $2 and '
          || case when old.source is null then 'source is null' else 'source = $3' end, tg_table_schema, tg_table_name)
        into lo, hi using old.person_id, old.region, old.source;
      update ${s} set earliest = lo, latest = hi
        where person_id = old.person_id and tbl = tg_table_name and region = old.region and source_is_null = (old.source is null)::int and source = coalesce(old.source, '');
    end if;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into ${s} as d (${KEY}, count, earliest, latest)
      values (new.person_id, tg_table_name, new.region, (new.source is null)::int, coalesce(new.source, ''), 1, new.collected_at, new.collected_at)
      on conflict (${KEY}) do update set count = d.count + 1, earliest = least(d.earliest, excluded.earliest), latest = greatest(d.latest, excluded.latest);
  end if;
  return null;
end $fn$`,
    `create or replace function ${schema}.discovery_summary_truncated() returns trigger language plpgsql as $fn$
begin
  delete from ${s} where tbl = tg_table_name;
  return null;
end $fn$`,
  ];
}

function postgresTriggers(schema: string, t: string): string[] {
  const changed =
    'old.person_id is distinct from new.person_id or old.region is distinct from new.region or old.source is distinct from new.source or old.collected_at is distinct from new.collected_at';
  return [
    `create trigger ${insertTrigger(t)} after insert or delete on ${schema}.${t} for each row execute function ${schema}.discovery_summary_track()`,
    `create trigger ${t}_discovery_upd after update of person_id, region, source, collected_at on ${schema}.${t} for each row when (${changed}) execute function ${schema}.discovery_summary_track()`,
    `create trigger ${t}_discovery_trunc after truncate on ${schema}.${t} for each statement execute function ${schema}.discovery_summary_truncated()`,
  ];
}

/**
 * Gives the record tables `tables` their summary triggers where missing and
 * fills the summary from each such table once (a store that existed before
 * the summary, or a table a later migration made). Run by the owning login
 * inside migrate's transaction: on PostgreSQL creating the trigger locks the
 * table against writes until the fill is committed, so none is missed.
 */
export async function ensureDiscoverySummary(db: Kysely<unknown>, dialect: Dialect, schema: string, tables: readonly string[]): Promise<void> {
  await createSummaryTable(db);
  if (dialect === 'postgres') for (const f of postgresFunctions(ident(schema))) await sql.raw(f).execute(db);
  for (const table of tables) {
    const t = ident(table);
    const installed =
      dialect === 'postgres'
        ? (
            await sql<{ n: number }>`select count(*)::int as n from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relname = ${t} and g.tgname = ${insertTrigger(t)}`.execute(db)
          ).rows[0]?.n === 1
        : (await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'trigger' and tbl_name = ${t} and name = ${insertTrigger(t)}`.execute(db)).rows[0]?.n === 1;
    if (installed) continue;
    for (const statement of dialect === 'postgres' ? postgresTriggers(schema, t) : sqliteTriggers(t)) await sql.raw(statement).execute(db);
    await sql.raw(`delete from ${S} where tbl = '${t}'`).execute(db);
    await sql
      .raw(
        `insert into ${S} (${KEY}, count, earliest, latest) select person_id, '${t}', region, case when source is null then 1 else 0 end, coalesce(source, ''), count(*), min(collected_at), max(collected_at) from ${t} group by person_id, region, source`,
      )
      .execute(db);
  }
  // Rows of a table that is no longer a record table (a later migration dropped or renamed it) count nothing any more.
  const kept = tables.map((t) => `'${ident(t)}'`).join(', ');
  await sql.raw(kept ? `delete from ${S} where tbl not in (${kept})` : `delete from ${S}`).execute(db);
}

/** A row of the summary as {@link summaryQuery} reads it: the shape the full scan gives. */
export interface SummaryRow {
  table: string;
  region: string;
  source: string | null;
  count: number | string;
  earliest: string | null;
  latest: string | null;
}

interface SummaryDb {
  discoverySummary: { personId: string; tbl: string; region: string; sourceIsNull: number; source: string; count: number; earliest: string | null; latest: string | null };
}

/** A person's summary rows of `tables` (as the kit names them): one index range of the summary's primary key. */
export function summaryQuery(db: AnyKysely, tables: readonly string[], personId: string) {
  return viewTables<SummaryDb>(db)
    .selectFrom('discoverySummary')
    .select(['tbl', 'region', 'sourceIsNull', 'source', 'count', 'earliest', 'latest'])
    .where('personId', '=', personId)
    .where(
      'tbl',
      'in',
      tables.map((t) => sqlName(t)),
    );
}

/**
 * A table's name as the summary keeps it (the SQL name): the kit names tables
 * as the store's CamelCasePlugin does (galleryItem for gallery_item), and a
 * value, unlike an identifier, does not go through the plugin.
 */
const sqlName = (table: string) => sqlNames.toSnake(table);

/** The summary's statement on SQLite for `n` tables (the same rows and keys as summaryQuery through Kysely), built once per `n`. */
const summarySql = new Map<number, string>();
function sqliteSummarySql(n: number): string {
  let s = summarySql.get(n);
  if (!s) {
    s = `select "tbl", "region", "source_is_null" as "sourceIsNull", "source", "count", "earliest", "latest" from "${S}" where "person_id" = ? and "tbl" in (${Array(n).fill('?').join(', ')})`;
    summarySql.set(n, s);
  }
  return s;
}

/**
 * A person's summary rows of `tables`: on SQLite through the store's prepared
 * reads (a discovery is answered per call, so Kysely's building and compiling
 * of the statement and SQLite's prepare were most of its cost), on PostgreSQL through Kysely.
 */
export async function readSummary(store: StoreReads, tables: readonly string[], personId: string): Promise<SummaryRow[]> {
  const byName = new Map(tables.map((t) => [sqlName(t), t]));
  const rows = store.reads
    ? store.reads.all<SummaryDb['discoverySummary']>(sqliteSummarySql(tables.length), [personId, ...byName.keys()])
    : await summaryQuery(store.db, tables, personId).execute();
  return rows.map((r) => ({
    table: byName.get(r.tbl) ?? r.tbl,
    region: r.region,
    source: Number(r.sourceIsNull) ? null : r.source,
    count: r.count,
    earliest: r.earliest,
    latest: r.latest,
  }));
}
