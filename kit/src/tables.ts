import { PostgresAdapter, sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Generated, type Kysely, type Migration, type Selectable } from 'kysely';
import { createRecordTable, type RecordRow } from './store.js';

/**
 * A domain's tables described once: the migration that creates them, their
 * Kysely row types (what seeds, loaders and resolvers are checked against) and
 * the record type → table map the kit pages through all come from the same
 * description, so a column is never written twice.
 */

type SqlType = 'text' | 'integer' | 'double precision' | 'bigint';

/** One column: its SQL type, whether it may be null, what it references. `T` is the value a row holds. */
export class Column<T> {
  declare readonly value: T;
  constructor(
    readonly sqlType: SqlType,
    readonly isNullable = false,
    readonly reference: { to: string; onDelete?: 'cascade' } | null = null,
    readonly checkSql: string | null = null,
  ) {}
  /** May be null (no NOT NULL). */
  nullable(): Column<T | null> {
    return new Column<T | null>(this.sqlType, true, this.reference, this.checkSql);
  }
  /** A foreign key, e.g. `references('device.id')`. */
  references(to: string, onDelete?: 'cascade'): Column<T> {
    return new Column<T>(this.sqlType, this.isNullable, onDelete ? { to, onDelete } : { to }, this.checkSql);
  }
  /** A CHECK constraint, in SQL over the store's (snake_case) column names. */
  check(condition: string): Column<T> {
    return new Column<T>(this.sqlType, this.isNullable, this.reference, condition);
  }
}

/** The column types the stores use (the same on SQLite and PostgreSQL). */
export const column = {
  /** `text<'A' | 'B'>()` types the column as an enum's values (what the GraphQL enum takes). */
  text: <T extends string = string>(): Column<T> => new Column('text'),
  /** Integers; also SQLite's booleans (1 or 0). */
  integer: (): Column<number> => new Column('integer'),
  double: (): Column<number> => new Column('double precision'),
  /** 64-bit integers: bigint on PostgreSQL (read back as a string), integer on SQLite. */
  bigint: (): Column<number | string> => new Column('bigint'),
};

type Columns = Record<string, Column<unknown>>;
/** The kit's record columns as Kysely sees them: the store generates the id, so inserts leave it out. */
type StoredRecord = Omit<RecordRow, 'id'> & { id: Generated<number> };
type RowOf<C extends Columns> = { [K in keyof C]: C[K]['value'] };

export interface IndexSpec {
  /** Defaults to `<table>_<first column>_idx`. */
  name: string;
  columns: string[];
  unique?: boolean;
}

/**
 * How a plain table is keyed: `serial` an id the store assigns (the default),
 * `integer`/`text` an id the domain gives, or the columns of a composite key
 * (no id column; the constraint is `<table>_pk`).
 */
export type TableKey = 'serial' | 'integer' | 'text' | string[];

/** A table's description; `Row` is its row type, `Type` the GraphQL record type it holds (null: not a record table). */
export interface TableSpec<Row, Type extends string | null = string | null> {
  readonly type: Type;
  readonly record: boolean;
  readonly key: TableKey;
  readonly columns: Columns;
  readonly indexes: IndexSpec[];
  /** Type-level only: the row. */
  readonly row?: Row;
}

/**
 * A table of records of one GraphQL type (`implements PersonalData`): the
 * kit's record columns (id, personId, collectedAt, region, source) and the
 * person index come with it, `columns` are the kind's own.
 */
export function recordTable<Type extends string, C extends Columns>(
  type: Type,
  columns: C,
  indexes: IndexSpec[] = [],
): TableSpec<StoredRecord & RowOf<C>, Type> {
  return { type, record: true, key: 'serial', columns, indexes };
}

type KeyRow<K extends TableKey> = K extends 'serial' ? { id: Generated<number> } : K extends 'integer' ? { id: number } : K extends 'text' ? { id: string } : unknown;

/**
 * Any other table (a child of records, a catalogue): its key (see TableKey)
 * and `columns`; a person column and indexes are the domain's to give.
 */
export function plainTable<C extends Columns, const K extends TableKey = 'serial'>(
  columns: C,
  opts: { key?: K; indexes?: IndexSpec[] } = {},
): TableSpec<KeyRow<K> & RowOf<C>, null> {
  return { type: null, record: false, key: opts.key ?? 'serial', columns, indexes: opts.indexes ?? [] };
}

type Specs = Record<string, TableSpec<unknown>>;
/** The Kysely database type of a set of tables. */
export type DatabaseOf<S extends Specs> = { [T in keyof S]: S[T] extends TableSpec<infer Row> ? Row : never };
/** The record type → row as read (codegen's mappers: what a resolver receives). */
export type KindRowsOf<S extends Specs> = {
  [T in keyof S as S[T] extends TableSpec<unknown, infer Type extends string> ? Type : never]: S[T] extends TableSpec<infer Row> ? Selectable<Row> : never;
};

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function addColumns(t: CreateTableBuilder<string, string>, columns: Columns, isPg: boolean): CreateTableBuilder<string, string> {
  let out = t;
  for (const [name, col] of Object.entries(columns)) {
    out = out.addColumn(snake(name), col.sqlType === 'bigint' && !isPg ? 'integer' : col.sqlType, (c: ColumnDefinitionBuilder) => {
      let b = col.isNullable ? c : c.notNull();
      if (col.reference) {
        const [table, column] = col.reference.to.split('.');
        b = b.references(`${snake(table!)}.${column}`);
        if (col.reference.onDelete) b = b.onDelete(col.reference.onDelete);
      }
      if (col.checkSql) b = b.check(sql.raw(col.checkSql));
      return b;
    });
  }
  return out;
}

async function createTable(db: Kysely<unknown>, name: string, spec: TableSpec<unknown>): Promise<void> {
  const table = snake(name);
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  if (spec.record) {
    await createRecordTable(db, table, (t) => addColumns(t, spec.columns, isPg) as CreateTableBuilder<string, 'id'>);
  } else {
    const key = spec.key;
    let t: CreateTableBuilder<string, string> = db.schema.createTable(table);
    if (key === 'serial') t = t.addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()));
    else if (key === 'integer' || key === 'text') t = t.addColumn('id', key, (c) => c.primaryKey());
    t = addColumns(t, spec.columns, isPg);
    if (Array.isArray(key)) t = t.addPrimaryKeyConstraint(`${table}_pk`, key.map(snake));
    await t.execute();
  }
  for (const ix of spec.indexes) {
    let b = db.schema.createIndex(ix.name).on(table).columns(ix.columns.map(snake));
    if (ix.unique) b = b.unique();
    await b.execute();
  }
}

/** Record type → its table. */
export type KindTablesOf<S extends Specs> = {
  [T in keyof S as S[T] extends TableSpec<unknown, infer Type extends string> ? Type : never]: T & string;
};

export interface Tables<S extends Specs> {
  readonly specs: S;
  /** Record type → table (camelCase, as Kysely's queries name it); the kit pages, counts and discovers these. */
  readonly kinds: KindTablesOf<S>;
  /** The migrations that create them, by name; a change appends one with `migration` (not `then`: that would make the object a thenable, which `await` would call), shipped ones never change. */
  readonly migrations: Record<string, Migration>;
  /** Adds tables in a new migration named `name` (the row types grow with it). */
  migration<N extends Specs>(name: string, added: N): Tables<S & N>;
}

/**
 * Describes a domain's tables (keys are the camelCase table names queries
 * use; the store's are snake_case). The description is the first migration
 * (`001_initial`); later ones come from `migration`.
 */
export function defineTables<S extends Specs>(specs: S, first = '001_initial'): Tables<S> {
  return build(specs, { [first]: migrationOf(specs) });
}

function migrationOf(specs: Specs): Migration {
  return {
    async up(db) {
      for (const [name, spec] of Object.entries(specs)) await createTable(db, name, spec);
    },
  };
}

function build<S extends Specs>(specs: S, migrations: Record<string, Migration>): Tables<S> {
  const kinds: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) if (spec.type) kinds[spec.type] = name;
  return {
    specs,
    // Built from the same specs the type maps over.
    kinds: kinds as KindTablesOf<S>,
    migrations,
    migration: <N extends Specs>(name: string, added: N) => {
      for (const t of Object.keys(added)) if (t in specs) throw new Error(`migration ${name}: table ${t} exists already`);
      return build<S & N>({ ...specs, ...added }, { ...migrations, [name]: migrationOf(added) });
    },
  };
}
