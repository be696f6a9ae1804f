import { sql } from 'kysely';
import { z } from 'zod';
import type { GatewayStore } from './audit.js';

/**
 * Access transparency: who accessed one person's data, when and why — read
 * from the append-only audit log (every operator read, correction, erasure,
 * export and download, with the reason the operator stated) and from the job
 * and request stores (the person's own and operators' exports, erasures and
 * privacy requests, earlier ones included). Newest first, paged with a cursor:
 * each source is asked for at most one page past the cursor, so memory holds a
 * page whatever the person's history.
 *
 * Who is shown as a role, never an operator's identity (OPERATOR_SHOWN_AS):
 * the person learns that the privacy team read their data, when, what and
 * why; the colleague's name or login is that colleague's personal data, and
 * the CJEU (C-579/21, Pankki S) holds that Art. 15 gives the dates and
 * purposes of such consultations, not the employees' identities. The audit
 * log keeps the identity for the controller's own accountability.
 *
 * Imported by the export thread: kysely and zod only, no kit barrel.
 */
export const OPERATOR_SHOWN_AS = 'ROLE' as const;

export const ACCESS_SOURCES = ['AUDIT', 'ERASURE', 'EXPORT', 'REQUEST'] as const;
export type AccessSource = (typeof ACCESS_SOURCES)[number];
/** Who acted: the person themselves, the privacy team (an operator, by role), or Footprint itself (a scheduled job). */
export type AccessActor = 'YOU' | 'PRIVACY_TEAM' | 'SYSTEM';
export type AccessAction = 'READ' | 'CORRECTION' | 'ERASURE' | 'RESTRICTION' | 'OBJECTION' | 'CONSENT' | 'EXPORT' | 'DOWNLOAD' | 'REQUEST' | 'CHANGE';

export interface AccessLogEntry {
  /** `<source>:<id>`: stable, the cursor's tie-break. */
  id: string;
  at: string;
  source: AccessSource;
  actor: AccessActor;
  action: AccessAction;
  /** What was done, as recorded: the API fields an operator used, the request type, the kinds an erasure covered. */
  what: string;
  /** Why: the reason the operator stated (X-Footprint-Reason), or what a job was started for. */
  reason: string | null;
  /** A job's or request's state (SUCCEEDED, FAILED, CLOSED …); null for a single read. */
  state: string | null;
}

export interface AccessLogPage {
  entries: AccessLogEntry[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const Cursor = z.object({ at: z.string().min(1).max(40), src: z.enum(ACCESS_SOURCES), id: z.string().min(1).max(128) });
type Cursor = z.infer<typeof Cursor>;

export const encodeAccessCursor = (e: AccessLogEntry): string =>
  Buffer.from(JSON.stringify({ at: e.at, src: e.source, id: e.id.slice(e.source.length + 1) }), 'utf8').toString('base64url');

/** The cursor a page ended at, or null when it is not one this log handed out. */
export function decodeAccessCursor(cursor: string): Cursor | null {
  try {
    const r = Cursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

type Tables = {
  auditLog: { id: number; at: string; actor: string; actorType: string; person: string | null; operation: string; reason: string | null; outcome: string };
  exportJob: { id: string; personId: string; requestedBy: string; requesterType: string; reason: string | null; state: string; createdAt: string };
  erasureJob: { id: string; personId: string; requestedBy: string; requesterType: string; reason: string | null; kinds: string | null; state: string; createdAt: string };
  privacyRequest: { id: string; personId: string; type: string; channel: string; state: string; receivedAt: string; createdByType: string };
};

/** A read or change an operator made, from its audit operation ("<type> <name> [root fields]", "download export <job>"). */
function auditAction(operation: string): { action: AccessAction; what: string } {
  const fields = /\[([^\]]*)\]/.exec(operation)?.[1] ?? '';
  if (operation.startsWith('download export')) return { action: 'DOWNLOAD', what: 'export archive' };
  if (operation.startsWith('query')) return { action: /exportJob|exportJobs/.test(fields) ? 'EXPORT' : 'READ', what: fields || operation };
  const rules: [RegExp, AccessAction][] = [
    [/correct/i, 'CORRECTION'],
    [/erase|erasure/i, 'ERASURE'],
    [/restrict/i, 'RESTRICTION'],
    [/object/i, 'OBJECTION'],
    [/consent/i, 'CONSENT'],
    [/export/i, 'EXPORT'],
    [/request/i, 'REQUEST'],
  ];
  const hit = rules.find(([re]) => re.test(fields || operation));
  return { action: hit ? hit[1] : 'CHANGE', what: fields || operation };
}

const actorOf = (type: string): AccessActor => (type === 'operator' ? 'PRIVACY_TEAM' : type === 'subject' ? 'YOU' : 'SYSTEM');

/** True when the table is not there (a store some feature never migrated): that source has nothing. */
const missingTable = (err: unknown) => /no such table|does not exist/i.test(err instanceof Error ? err.message : String(err));

/**
 * One page of the person's access log, newest first. The cursor is
 * (time, source, id); each source contributes its rows strictly after it.
 */
export async function readAccessLog(store: GatewayStore, person: string, opts: { first: number; after?: string | null }): Promise<AccessLogPage> {
  const first = opts.first;
  const cursor = opts.after ? decodeAccessCursor(opts.after) : null;
  if (opts.after && !cursor) throw new AccessCursorError();
  const db = store.db.withTables<Tables>();
  const limit = first + 1;
  /** Rows of source `src` after the cursor, in the log's order: its time column and id against the cursor's. */
  const after = (src: AccessSource, atCol: string) => {
    if (!cursor) return sql<boolean>`1 = 1`;
    const at = sql.ref(atCol);
    if (src < cursor.src) return sql<boolean>`${at} <= ${cursor.at}`;
    if (src > cursor.src) return sql<boolean>`${at} < ${cursor.at}`;
    const id = src === 'AUDIT' ? Number(cursor.id) : cursor.id;
    return sql<boolean>`(${at} < ${cursor.at} or (${at} = ${cursor.at} and ${sql.ref('id')} < ${id}))`;
  };
  const safely = async <R>(read: () => Promise<R[]>): Promise<R[]> => {
    try {
      return await read();
    } catch (err) {
      if (missingTable(err)) return [];
      throw err;
    }
  };
  const [audit, exports, erasures, requests] = await Promise.all([
    safely(() =>
      db
        .selectFrom('auditLog')
        .select(['id', 'at', 'actorType', 'operation', 'reason', 'outcome'])
        .where('person', '=', person)
        .where('actorType', '=', 'operator')
        .where('outcome', 'not like', 'refused%')
        .where(after('AUDIT', 'at'))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    ),
    safely(() =>
      db
        .selectFrom('exportJob')
        .select(['id', 'createdAt', 'requesterType', 'reason', 'state'])
        .where('personId', '=', person)
        .where(after('EXPORT', 'createdAt'))
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    ),
    safely(() =>
      db
        .selectFrom('erasureJob')
        .select(['id', 'createdAt', 'requesterType', 'reason', 'kinds', 'state'])
        .where('personId', '=', person)
        .where(after('ERASURE', 'createdAt'))
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    ),
    safely(() =>
      db
        .selectFrom('privacyRequest')
        .select(['id', 'receivedAt', 'type', 'channel', 'state', 'createdByType'])
        .where('personId', '=', person)
        .where(after('REQUEST', 'receivedAt'))
        .orderBy('receivedAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    ),
  ]);
  const entries: AccessLogEntry[] = [
    ...audit.map((r): AccessLogEntry => ({ id: `AUDIT:${r.id}`, at: r.at, source: 'AUDIT', actor: 'PRIVACY_TEAM', ...auditAction(r.operation), reason: r.reason, state: null })),
    ...exports.map((r): AccessLogEntry => ({ id: `EXPORT:${r.id}`, at: r.createdAt, source: 'EXPORT', actor: actorOf(r.requesterType), action: 'EXPORT', what: 'export', reason: r.reason, state: r.state })),
    ...erasures.map((r): AccessLogEntry => ({
      id: `ERASURE:${r.id}`,
      at: r.createdAt,
      source: 'ERASURE',
      actor: actorOf(r.requesterType),
      action: 'ERASURE',
      what: r.kinds ? kindsList(r.kinds) : 'account',
      reason: r.reason,
      state: r.state,
    })),
    ...requests.map((r): AccessLogEntry => ({ id: `REQUEST:${r.id}`, at: r.receivedAt, source: 'REQUEST', actor: actorOf(r.createdByType), action: 'REQUEST', what: r.type, reason: null, state: r.state })),
  ];
  entries.sort((a, b) => (a.at !== b.at ? (a.at < b.at ? 1 : -1) : a.source !== b.source ? (a.source < b.source ? 1 : -1) : compareIds(b, a)));
  const page = entries.slice(0, first);
  return { entries: page, hasNextPage: entries.length > first, endCursor: page.length ? encodeAccessCursor(page[page.length - 1]!) : null };
}

/** Ids within one source in the database's order (audit ids are numbers). */
function compareIds(a: AccessLogEntry, b: AccessLogEntry): number {
  const x = a.id.slice(a.source.length + 1);
  const y = b.id.slice(b.source.length + 1);
  if (a.source === 'AUDIT') return Number(x) - Number(y);
  return x < y ? -1 : x > y ? 1 : 0;
}

function kindsList(stored: string): string {
  try {
    const v: unknown = JSON.parse(stored);
    return Array.isArray(v) ? v.map(String).join(', ') : stored;
  } catch {
    return stored;
  }
}

/** An `after` cursor this log did not hand out. */
export class AccessCursorError extends Error {
  constructor() {
    super('after is not a cursor of this access log; pass the endCursor of the previous page');
  }
}

/**
 * Every entry, for the archive's access.json, page by page; at most `max`
 * (the newest) so the document stays bounded, with whether more were left out.
 */
export async function readWholeAccessLog(store: GatewayStore, person: string, max = 10_000): Promise<{ entries: AccessLogEntry[]; truncated: boolean }> {
  const out: AccessLogEntry[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AccessLogPage = await readAccessLog(store, person, { first: Math.min(500, max - out.length), after });
    out.push(...page.entries);
    if (!page.hasNextPage || !page.endCursor) return { entries: out, truncated: false };
    if (out.length >= max) return { entries: out, truncated: true };
    after = page.endCursor;
  }
}
