import DataLoader from 'dataloader';
import { MAX_PAGE_SIZE } from './connection.js';
import type { RecordRow } from './store.js';

/**
 * A per-request loader that a page of records can fill ahead of its fields.
 *
 * Loaded one key at a time (DataLoader: batched per tick, one statement),
 * every record's field is a promise, and on a 5,000-record page those promises
 * cost more than the statement: about half of a message page's CPU went to
 * its sender and recipients. When the kit has read a page whose connection
 * asks for a field this loader serves (a {@link PagePrefetch}), `fill` loads
 * the page's keys in one batch and `get` then answers from memory.
 */
export class PageLoader<K, V> extends DataLoader<K, V> {
  readonly #filled = new Map<K, V>();

  constructor(batch: DataLoader.BatchLoadFn<K, V>, options: DataLoader.Options<K, V> = {}) {
    super(batch, { maxBatchSize: MAX_PAGE_SIZE, ...options });
  }

  /** The value at once when a page filled it; otherwise loaded (and batched) as DataLoader does. */
  get(key: K): V | Promise<V> {
    const v = this.#filled.get(key);
    return v !== undefined || this.#filled.has(key) ? (v as V) : this.load(key);
  }

  /**
   * Loads the values of `keys` for `get` to answer from memory. Through
   * DataLoader, so pages filling one loader at once (a person's locations and
   * commands, both naming devices) still share one statement.
   */
  async fill(keys: Iterable<K>): Promise<void> {
    const todo = [...new Set(keys)];
    const values = await this.loadMany(todo);
    // A key whose value is an Error stays unfilled: its field loads it again and reports the error itself.
    todo.forEach((k, i) => {
      const v = values[i];
      if (!(v instanceof Error)) this.#filled.set(k, v as V);
    });
  }
}

/** Applies `f` to a value that may still be loading, without a promise when it is already there. */
export function whenLoaded<T, R>(value: T | Promise<T>, f: (v: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/**
 * What a record type's page fills before its fields resolve: the fields that
 * need it (one of them selected under `nodes` or `edges.node` triggers it) and
 * how (usually PageLoader.fill over the rows' keys). The kit hands `fill` the
 * rows of that type's table only.
 */
export interface PagePrefetch<L> {
  fields: readonly string[];
  // A method, so a domain's prefetch may take its own row type (a RecordRow with its columns).
  fill(loaders: L, rows: readonly RecordRow[]): Promise<void>;
}

/**
 * The usual prefetch: the page's rows name their keys in `loader` (a row
 * naming none, a null, is left out), filled when one of `fields` is asked for.
 */
export function prefetchBy<L, Row extends RecordRow, K>(fields: readonly string[], loader: (loaders: L) => PageLoader<K, unknown>, key: (row: Row) => K | null): PagePrefetch<L> {
  return {
    fields,
    fill(loaders: L, rows: readonly Row[]) {
      const keys: K[] = [];
      for (const r of rows) {
        const k = key(r);
        if (k !== null) keys.push(k);
      }
      return loader(loaders).fill(keys);
    },
  };
}
