import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { z } from 'zod';
import { fail } from '@footprint/schema';
import type { PreparedReads, RecordRow, StoreReads } from './store.js';
import { readSummary, type SummaryRow } from './discovery-summary.js';
import { sqlNames as names } from './sql-names.js';
import { viewTables, type AnyKysely } from './view-tables.js';

export const DEFAULT_PAGE_SIZE = 100;
/** Large enough that an export reads a heavy person in few round trips, small enough to bound memory. */
export const MAX_PAGE_SIZE = 5000;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}

const Args = z.object({
  first: z
    .number()
    .int()
    .min(1, 'first must be at least 1')
    .max(MAX_PAGE_SIZE, `first may be at most ${MAX_PAGE_SIZE}`)
    .nullish()
    .transform((v) => v ?? DEFAULT_PAGE_SIZE),
  after: z.string().nullish(),
});

export interface Page<Row> {
  nodes: Row[];
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function encodeCursor(id: number): string {
  return Buffer.from(`c:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const m = /^c:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) fail('BAD_USER_INPUT', `Invalid cursor "${cursor.slice(0, 40)}": pass an endCursor returned by this field`);
  return Number(m[1]);
}

export function parseConnectionArgs(args: ConnectionArgs): { first: number; afterId: number } {
  const parsed = Args.safeParse(args);
  if (!parsed.success) fail('BAD_USER_INPUT', parsed.error.issues.map((i) => i.message).join('; '));
  return { first: parsed.data.first, afterId: parsed.data.after ? decodeCursor(parsed.data.after) : 0 };
}

/**
 * A page of rows. `edges` (an object and a cursor per row) is built only when
 * read and then kept: most readers ask for `nodes` alone, and a page holds up
 * to 5,000 rows. Copy it with {@link withPage}, not a spread (which reads every getter).
 */
export function toPage<Row extends { id: number }>(rows: Row[], first: number): Page<Row> {
  const nodes = rows.length > first ? rows.slice(0, first) : rows;
  const last = nodes[nodes.length - 1];
  let edges: Page<Row>['edges'] | null = null;
  return {
    nodes,
    get edges() {
      edges ??= nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
      return edges;
    },
    pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor(last.id) : null },
  };
}

/** A page with more fields (a connection's totalCount), its edges still built only when read. */
export function withPage<Row, Extra extends object>(page: Page<Row>, extra: Extra): Page<Row> & Extra {
  return Object.defineProperties({ nodes: page.nodes, pageInfo: page.pageInfo, ...extra }, { edges: { get: () => page.edges, enumerable: true } }) as Page<Row> & Extra;
}

/** The kit reads any record table through this shape; domain code keeps its precise types. */
type AnyRecordDb = Record<string, RecordRow & Record<string, unknown>>;

/** One page of one person's records of a table, keyset-paginated on id (one statement). */
export async function fetchRecordPage<Row extends RecordRow>(
  db: AnyKysely,
  table: string,
  personId: string,
  args: ConnectionArgs,
): Promise<Page<Row>> {
  const { first, afterId } = parseConnectionArgs(args);
  const rows = await viewTables<AnyRecordDb>(db)
    .selectFrom(table)
    .selectAll()
    .where('personId', '=', personId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(first + 1)
    .execute();
  return toPage(rows as Row[], first);
}

const pageSql = new WeakMap<PreparedReads, Map<string, string>>();

/**
 * The page statement of a table for prepared reads: `select *` with every
 * column aliased to the name Kysely's CamelCasePlugin would give it, in the
 * table's order, so rows come out keyed exactly as through Kysely.
 */
function recordPageSql(reads: PreparedReads, table: string): string {
  let byTable = pageSql.get(reads);
  if (!byTable) {
    byTable = new Map();
    pageSql.set(reads, byTable);
  }
  let sql = byTable.get(table);
  if (!sql) {
    const t = `"${names.toSnake(table)}"`;
    const cols = reads.columns(`select * from ${t}`).map((c) => `"${c}" as "${names.toCamel(c)}"`);
    sql = `select ${cols.join(', ')} from ${t} where "person_id" = ? and "id" > ? order by "id" limit ?`;
    byTable.set(table, sql);
  }
  return sql;
}

/**
 * {@link fetchRecordPage} on a store: on SQLite one statement prepared once
 * per table (the same rows, keys and order as through Kysely); on PostgreSQL through Kysely.
 */
export async function readRecordPage<Row extends RecordRow>(store: StoreReads, table: string, personId: string, args: ConnectionArgs): Promise<Page<Row>> {
  if (!store.reads) return fetchRecordPage<Row>(store.db, table, personId, args);
  const { first, afterId } = parseConnectionArgs(args);
  return toPage(store.reads.all<Row>(recordPageSql(store.reads, table), [personId, afterId, first + 1]), first);
}

export interface TableSummary {
  table: string;
  count: number;
  earliest: string | null;
  latest: string | null;
  regions: string[];
  sources: string[];
}

/**
 * Counts, date range, regions and sources of a person's records in several
 * tables, in one statement: the person's rows of the discovery summary the
 * database keeps (discovery-summary.ts), a handful whatever the person holds.
 */
export async function summariseTables(store: StoreReads, tables: string[], personId: string): Promise<Map<string, TableSummary>> {
  if (tables.length === 0) return new Map();
  return addUp(tables, await readSummary(store, tables, personId));
}

/**
 * The same from the records themselves: per table one pass over the person's
 * entries of its discovery index. What the summary must always equal (tests).
 */
export async function scanTables(db: AnyKysely, tables: string[], personId: string): Promise<Map<string, TableSummary>> {
  if (tables.length === 0) return new Map();
  const rows = await discoveryQuery(db, tables, personId).execute();
  // Kysely types the columns of a table named at run time loosely (an index signature); these are RecordRow's.
  return addUp(
    tables,
    rows.map((r) => ({ table: r.table, region: r.region as string, source: r.source as string | null, count: r.count, earliest: r.earliest, latest: r.latest })),
  );
}

/** Adds up a person's groups (table × region × source) into one summary per table. */
function addUp(tables: string[], rows: SummaryRow[]): Map<string, TableSummary> {
  const out = new Map<string, TableSummary>();
  // Regions and sources in (region, source) order whatever the engine's grouping order: the answer is deterministic.
  const key = (v: string | null) => (v === null ? '' : `\u0001${v}`);
  rows.sort((a, b) => (a.region === b.region ? (key(a.source) < key(b.source) ? -1 : key(a.source) > key(b.source) ? 1 : 0) : a.region < b.region ? -1 : 1));
  for (const t of tables) out.set(t, { table: t, count: 0, earliest: null, latest: null, regions: [], sources: [] });
  for (const r of rows) {
    const s = out.get(r.table)!;
    s.count += Number(r.count);
    if (r.earliest !== null && (s.earliest === null || r.earliest < s.earliest)) s.earliest = r.earliest;
    if (r.latest !== null && (s.latest === null || r.latest > s.latest)) s.latest = r.latest;
    if (r.region && !s.regions.includes(r.region)) s.regions.push(r.region);
    if (r.source !== '' && !s.sources.includes(r.source ?? '')) s.sources.push(r.source ?? '');
  }
  return out;
}

/** The full scan {@link scanTables} runs (`tables` not empty); tests read its plan. */
export function discoveryQuery(db: AnyKysely, tables: string[], personId: string) {
  const k = viewTables<AnyRecordDb>(db);
  const grouped = (table: string) =>
    k
      .selectFrom(table)
      .select((eb) => [
        eb.val(table).as('table'),
        'region',
        'source',
        eb.fn.countAll<number>().as('count'),
        eb.fn.min('collectedAt').as('earliest'),
        eb.fn.max('collectedAt').as('latest'),
      ])
      .where('personId', '=', personId)
      .groupBy(['region', 'source']);
  if (tables.length === 0) throw new Error('discoveryQuery needs at least one table');
  return tables.slice(1).reduce((q, t) => q.unionAll(grouped(t)), grouped(tables[0]!));
}

/** Counts a person's records in several tables in one statement. */
export async function countTables(db: AnyKysely, tables: readonly string[], personId: string): Promise<Map<string, number>> {
  const k = viewTables<AnyRecordDb>(db);
  const parts = tables.map((t) =>
    k
      .selectFrom(t)
      .select((eb) => [eb.val(t).as('table'), eb.fn.countAll<number>().as('count')])
      .where('personId', '=', personId),
  );
  const out = new Map<string, number>(tables.map((t) => [t, 0]));
  if (parts.length === 0) return out;
  const query = parts.slice(1).reduce((q, p) => q.unionAll(p), parts[0]!);
  for (const r of await query.execute()) out.set(r.table as string, Number(r.count));
  return out;
}

const selectsCache = new WeakMap<FieldNode, Map<string, boolean>>();

/**
 * Whether a connection field's selection asks for `field` of its records
 * (through `nodes` or `edges { node }`, fragments included), so a resolver
 * can load what that field needs together with the page. Directives are
 * ignored: at worst the answer is a needless yes. Cached per document node.
 */
export function connectionSelects(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, field: string): boolean {
  return selectsAny(info, field, [
    ['nodes', field],
    ['edges', 'node', field],
  ]);
}

/** Whether a connection field's selection asks for its own `field` (totalCount, say), fragments included. */
export function connectionAsks(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, field: string): boolean {
  return selectsAny(info, `.${field}`, [[field]]);
}

function selectsAny(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, key: string, paths: readonly (readonly string[])[]): boolean {
  const first = info.fieldNodes[0];
  const cacheable = info.fieldNodes.length === 1 && first !== undefined;
  const cached = cacheable ? selectsCache.get(first)?.get(key) : undefined;
  if (cached !== undefined) return cached;
  const within = (set: SelectionSetNode | undefined, names: readonly string[], seen: Set<string>): boolean => {
    if (!set) return false;
    const [name, ...rest] = names;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === name && (rest.length === 0 || within(sel.selectionSet, rest, seen))) return true;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (within(sel.selectionSet, names, seen)) return true;
      } else if (!seen.has(`${sel.name.value}:${names.length}`)) {
        seen.add(`${sel.name.value}:${names.length}`);
        if (within(info.fragments[sel.name.value]?.selectionSet, names, seen)) return true;
      }
    }
    return false;
  };
  const yes = info.fieldNodes.some((f) => paths.some((path) => within(f.selectionSet, path, new Set())));
  if (cacheable) {
    const m = selectsCache.get(first) ?? new Map<string, boolean>();
    m.set(key, yes);
    selectsCache.set(first, m);
  }
  return yes;
}
