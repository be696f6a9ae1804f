import type { KindPlan, FootprintPlan } from './plan.js';
import { firstPageOperation, nextPageOperation } from './plan.js';

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; domain?: string } & Record<string, unknown>;
}

/** A GraphQL answer: data and errors, as JSON. */
export interface Answer {
  data?: unknown;
  errors?: GraphQLErrorShape[];
}

/** Sends one operation to the gateway and returns its JSON body. */
export type Execute = (query: string, variables: Record<string, unknown>) => Promise<Answer>;

/**
 * Where the traversal gets its pages, always in the gateway's shape
 * (`data.person.<domain>.<field>`, errors naming their domain): the gateway
 * itself (`gatewaySource`), or each kind's own subgraph (`DirectSource`, direct.ts).
 */
export interface PageSource {
  /** The first page of every kind of `plan`, `first` records each. */
  firstPages(plan: FootprintPlan, personId: string, first: number): Promise<Answer>;
  /** The page of one kind after `after`. */
  nextPage(kind: KindPlan, personId: string, first: number, after: string | null): Promise<Answer>;
}

/**
 * Pages read through the gateway's GraphQL endpoint with `execute` (its
 * authorization applies to every page). The first pages are asked one domain
 * per request, all at once: a request that reads one domain is a plain person
 * read the gateway answers without re-shaping it (its fast path), where one
 * request across every domain, the gateway's own among them, is not.
 */
export function gatewaySource(execute: Execute): PageSource {
  return {
    firstPages: async (plan, id, first) => {
      const domains = [...new Set(plan.kinds.map((k) => k.domain))];
      const answers = await Promise.all(domains.map((d) => execute(firstPageOperation({ domains: [d], kinds: plan.kinds.filter((k) => k.domain === d) }), { id, first })));
      const person: Record<string, unknown> = {};
      const errors: GraphQLErrorShape[] = [];
      for (const a of answers) {
        const p = (a.data as { person?: Record<string, unknown> | null } | null | undefined)?.person;
        // A refusal of the person (not one domain's error) is the answer, as it was for the one request.
        if (!p) return a;
        Object.assign(person, p);
        errors.push(...(a.errors ?? []));
      }
      return errors.length ? { data: { person }, errors } : { data: { person } };
    },
    nextPage: (k, id, first, after) => execute(nextPageOperation(k), { id, first, after }),
  };
}

export interface KindPage {
  kind: KindPlan;
  records: Record<string, unknown>[];
  totalCount: number;
}

export interface TraverseCallbacks {
  /** Called for every page of records, in order; awaited (back-pressure for streaming writers). */
  onPage(page: KindPage): Promise<void> | void;
  /** A domain that failed; the traversal goes on with the others. */
  onDomainError?(domain: string, error: GraphQLErrorShape): Promise<void> | void;
}

export interface TraverseResult {
  failedDomains: Map<string, GraphQLErrorShape>;
  records: number;
}

/**
 * The first pages of every kind are asked at once, so together they read at most this many
 * records (spread over the kinds, never more per kind than a page):
 * with 50 kinds at 5,000 a page it would otherwise be one 40 MB answer that the
 * gateway holds several copies of while it builds it (its peak memory).
 */
export const FIRST_REQUEST_RECORDS = 5000;

type Connection = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Record<string, unknown>[] };

function domainOfError(e: GraphQLErrorShape, plan: FootprintPlan): string | undefined {
  if (e.extensions?.domain && plan.domains.includes(e.extensions.domain)) return e.extensions.domain;
  const seg = e.path?.[1];
  return typeof seg === 'string' && plan.domains.includes(seg) ? seg : undefined;
}

/**
 * Reads a person's whole footprint — through the gateway (an Execute), or
 * from each kind's subgraph (a PageSource such as DirectSource): the first page of
 * every kind at once (bounded: FIRST_REQUEST_RECORDS), then each kind's
 * remaining pages of `pageSize` by cursor. Pages
 * are handed to `onPage` one at a time, so memory holds one page, not the person.
 */
export async function traverseFootprint(
  plan: FootprintPlan,
  personId: string,
  read: Execute | PageSource,
  cb: TraverseCallbacks,
  pageSize = 1000,
  opts: { concurrency?: number } = {},
): Promise<TraverseResult> {
  const source = typeof read === 'function' ? gatewaySource(read) : read;
  const failed = new Map<string, GraphQLErrorShape>();
  let records = 0;
  const firstPage = Math.max(1, Math.min(pageSize, Math.floor(FIRST_REQUEST_RECORDS / Math.max(1, plan.kinds.length))));
  const first = await source.firstPages(plan, personId, firstPage);
  for (const e of first.errors ?? []) {
    const d = domainOfError(e, plan);
    if (!d) throw Object.assign(new Error(e.message), { graphql: e });
    if (!failed.has(d)) {
      failed.set(d, e);
      await cb.onDomainError?.(d, e);
    }
  }
  const person = (first.data as { person?: Record<string, Record<string, Connection> | null> | null } | undefined)?.person;
  if (!person) throw new Error(`No data for person ${personId}`);
  // Kinds are read one after another by default, so a writer sees each kind's pages contiguously;
  // with `concurrency` > 1 several kinds (often in different subgraphs) are read at once.
  const readKind = async (k: KindPlan) => {
    if (failed.has(k.domain)) return;
    let conn = person[k.domain]?.[k.field];
    if (!conn) return;
    for (;;) {
      records += conn.nodes.length;
      await cb.onPage({ kind: k, records: conn.nodes, totalCount: conn.totalCount });
      if (!conn.pageInfo.hasNextPage) break;
      const next = await source.nextPage(k, personId, pageSize, conn.pageInfo.endCursor);
      const err = next.errors?.[0];
      const page = (next.data as { person?: Record<string, Record<string, Connection> | null> } | undefined)?.person?.[k.domain]?.[k.field];
      if (err || !page) {
        const e = err ?? { message: `No page returned for ${k.domain}.${k.field}` };
        if (!failed.has(k.domain)) {
          failed.set(k.domain, e);
          await cb.onDomainError?.(k.domain, e);
        }
        break;
      }
      conn = page;
    }
  };
  const queue = [...plan.kinds];
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, async () => {
    for (let k = queue.shift(); k; k = queue.shift()) await readKind(k);
  });
  await Promise.all(workers);
  return { failedDomains: failed, records };
}
