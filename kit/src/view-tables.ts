import type { Kysely } from 'kysely';

/**
 * A connection of any domain, whatever its table map. Kysely's DB parameter is invariant: Kysely<A> is
 * assignable neither to Kysely<B> nor to Kysely<unknown>, so code shared by every domain takes this.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one type-erasure boundary of the kit (see viewTables)
export type AnyKysely = Kysely<any>;

/**
 * `db` seen through the table map `View`. The kit's shared code (record pages, corrections, rights, outbox)
 * reads tables a domain declares in its own DB type, or its own tables beside them that the type does not
 * list; the DB parameter is only a compile-time view of the one connection, so this re-views it. It is the
 * one place the kit does: callers name only tables that exist (defineTables or their own migrations made them).
 */
export function viewTables<View>(db: AnyKysely): Kysely<View> {
  return db;
}
