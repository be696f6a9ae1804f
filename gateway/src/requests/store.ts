import { randomUUID } from 'node:crypto';
import { sql, type Generated, type Kysely, type Migration, type Transaction } from 'kysely';
import { fail } from '@footprint/schema';
import { appendEvidence, chainEvidenceTable, chainPositions, makeAppendOnly, makePurgeable, purgeEvidence, viewTables, type ChainPosition, type EvidenceTable } from '@footprint/kit';
import type { GatewayStore } from '../auth/audit.js';
import {
  OPEN_STATES,
  STATES,
  type Action,
  type Actor,
  type Representative,
  type Channel,
  type PrivacyRequest,
  type RefusalGround,
  type RequestEvent,
  type RequestEvidence,
  type RequestFailure,
  type RequestScope,
  type RequestState,
  type RequestType,
  type RequestWork,
  type VerificationMethod,
} from './model.js';

export interface PrivacyRequestTable {
  id: string;
  personId: string;
  type: string;
  channel: string;
  originalText: string | null;
  details: string | null;
  /** JSON RequestScope. */
  scope: string;
  /** JSON Representative, when made on the person's behalf (added by 910: rows written without it have none). */
  representative?: string | null;
  receivedAt: string;
  dueAt: string;
  extendedTo: string | null;
  extensionReason: string | null;
  deadline: string;
  state: string;
  heldFrom: string | null;
  verificationMethod: string | null;
  verifiedAt: string | null;
  verifiedBy: string | null;
  assignee: string | null;
  possiblyExcessive: number;
  excessiveOf: string | null;
  excessiveDecidedBy: string | null;
  work: string;
  evidence: string;
  failure: string | null;
  answer: string | null;
  refusalGround: string | null;
  refusalReason: string | null;
  createdBy: string;
  createdByType: string;
  closedAt: string | null;
  /** The legal hold after the account's erasure (added by 915: rows written without it are not held). */
  heldSince?: string | null;
  heldUntil?: string | null;
  /** Milliseconds from receipt to the answer (COMPLETED or REFUSED): the median is read from its index. */
  answeredMs: number | null;
  updatedAt: string;
}

export interface PrivacyRequestEventTable {
  id: Generated<number>;
  requestId: string;
  at: string;
  actor: string;
  actorType: string;
  action: string;
  fromState: string | null;
  toState: string;
  reason: string | null;
  detail: string | null;
}

/** The one-time code that verifies an operator-entered request (only its HMAC is kept). */
export interface PrivacyRequestCodeTable {
  requestId: string;
  codeHash: string;
  channel: string;
  sentTo: string;
  expiresAt: string;
  attemptsLeft: number;
}

export type RequestsDB = {
  privacyRequest: PrivacyRequestTable;
  privacyRequestEvent: PrivacyRequestEventTable;
  privacyRequestCode: PrivacyRequestCodeTable;
};

const isPostgres = (db: Pick<Kysely<unknown>, 'getExecutor'>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

export const requestMigrations: Record<string, Migration> = {
  '501_privacy_request': {
    async up(db) {
      const pg = isPostgres(db);
      await db.schema
        .createTable('privacy_request')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('original_text', 'text')
        .addColumn('details', 'text')
        .addColumn('scope', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('extended_to', 'text')
        .addColumn('extension_reason', 'text')
        .addColumn('deadline', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('held_from', 'text')
        .addColumn('verification_method', 'text')
        .addColumn('verified_at', 'text')
        .addColumn('verified_by', 'text')
        .addColumn('assignee', 'text')
        .addColumn('possibly_excessive', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('excessive_of', 'text')
        .addColumn('excessive_decided_by', 'text')
        .addColumn('work', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('failure', 'text')
        .addColumn('answer', 'text')
        .addColumn('refusal_ground', 'text')
        .addColumn('refusal_reason', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_by_type', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('answered_ms', 'bigint')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // The queue: ordered by the deadline in force, filtered by state and type (id breaks ties for the cursor).
      await db.schema.createIndex('privacy_request_deadline_idx').on('privacy_request').columns(['deadline', 'id']).execute();
      await db.schema.createIndex('privacy_request_state_deadline_idx').on('privacy_request').columns(['state', 'deadline', 'id']).execute();
      await db.schema.createIndex('privacy_request_type_state_idx').on('privacy_request').columns(['type', 'state', 'deadline']).execute();
      // A person's requests (privacy centre, footprint) and the repeat check (same person, same type, recent).
      await db.schema.createIndex('privacy_request_person_idx').on('privacy_request').columns(['person_id', 'type', 'received_at']).execute();
      await db.schema.createIndex('privacy_request_answered_idx').on('privacy_request').columns(['answered_ms']).execute();

      await db.schema
        .createTable('privacy_request_event')
        .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('privacy_request_event_request_idx').on('privacy_request_event').columns(['request_id', 'id']).execute();
      // The timeline is evidence: append-only, enforced by the database itself.
      await makeAppendOnly(db, 'privacy_request_event');

      await db.schema
        .createTable('privacy_request_code')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('sent_to', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts_left', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  // After every feature's shipped migrations (Kysely runs new ones only after the last applied).
  '903_privacy_request_event_chain': {
    up: (db) => chainEvidenceTable(db, EVENT_EVIDENCE),
  },
  // Sorts after every shipped migration (901–903), so an existing store takes it.
  '910_privacy_request_representative': {
    async up(db) {
      await db.schema.alterTable('privacy_request').addColumn('representative', 'text').execute();
    },
  },
  // Sorts after every shipped migration (up to 910), so an existing store takes it.
  '915_privacy_request_hold': {
    async up(db) {
      await db.schema.alterTable('privacy_request').addColumn('held_since', 'text').execute();
      await db.schema.alterTable('privacy_request').addColumn('held_until', 'text').execute();
      // The purge reads the requests whose hold has ended.
      await db.schema.createIndex('privacy_request_held_until_idx').on('privacy_request').column('held_until').execute();
    },
  },
  // A held person's timelines may be purged when the hold ends, each row named first by a chained purge record.
  '916_privacy_request_event_purgeable': {
    up: (db) => makePurgeable(db, EVENT_EVIDENCE),
  },
};

/** The request timelines' hash chain (kit/src/evidence-chain.ts): every request's events in one chain, in id order. */
export const EVENT_EVIDENCE: EvidenceTable = { table: 'privacy_request_event', key: ['id'], order: ['id'] };

const json = <T>(s: string | null, fallback: T): T => (s ? (JSON.parse(s) as T) : fallback);

export function parseRequest(r: PrivacyRequestTable): PrivacyRequest {
  return {
    id: r.id,
    personId: r.personId,
    type: r.type as RequestType,
    channel: r.channel as Channel,
    originalText: r.originalText,
    details: r.details,
    scope: json<RequestScope>(r.scope, {}),
    representative: json<Representative | null>(r.representative ?? null, null),
    receivedAt: r.receivedAt,
    dueAt: r.dueAt,
    extendedTo: r.extendedTo,
    extensionReason: r.extensionReason,
    deadline: r.deadline,
    state: r.state as RequestState,
    heldFrom: r.heldFrom as RequestState | null,
    verificationMethod: r.verificationMethod as VerificationMethod | null,
    verifiedAt: r.verifiedAt,
    verifiedBy: r.verifiedBy,
    assignee: r.assignee,
    possiblyExcessive: Boolean(Number(r.possiblyExcessive)),
    excessiveOf: r.excessiveOf,
    excessiveDecidedBy: r.excessiveDecidedBy,
    work: json<RequestWork>(r.work, {}),
    evidence: json<RequestEvidence>(r.evidence, {}),
    failure: json<RequestFailure | null>(r.failure, null),
    answer: r.answer,
    refusalGround: r.refusalGround as RefusalGround | null,
    refusalReason: r.refusalReason,
    createdBy: r.createdBy,
    createdByType: r.createdByType === 'operator' ? 'operator' : 'subject',
    closedAt: r.closedAt,
    heldSince: r.heldSince ?? null,
    heldUntil: r.heldUntil ?? null,
    updatedAt: r.updatedAt,
  };
}

function parseEvent(e: Omit<PrivacyRequestEventTable, 'id'> & { id: number }): RequestEvent {
  return { ...e, id: Number(e.id), action: e.action as Action, fromState: e.fromState as RequestState | null, toState: e.toState as RequestState, detail: json<Record<string, unknown> | null>(e.detail, null) };
}

/** Columns of a request a transition may change. */
export type RequestChanges = Partial<Omit<PrivacyRequestTable, 'id' | 'personId' | 'type' | 'channel' | 'receivedAt' | 'dueAt' | 'createdBy' | 'createdByType'>>;

export interface NewEvent {
  action: Action;
  fromState: RequestState | null;
  toState: RequestState;
  reason?: string | null;
  detail?: Record<string, unknown> | null;
}

/**
 * The queue's filter as the store reads it. Every field is present (null for
 * "any"), so whatever builds it — the API's zod schema, a test — must name
 * each one: a filter field spelled differently at the edge cannot be silently
 * dropped (the API's `person` once reached this as nothing, and the queue
 * showed everyone).
 */
export interface QueueFilter {
  states: RequestState[] | null;
  types: RequestType[] | null;
  /** Deadline in force at most this many days from now. */
  dueWithinDays: number | null;
  /** Open and past its deadline. */
  overdue: boolean | null;
  assignee: string | null;
  possiblyExcessive: boolean | null;
  personId: string | null;
}

/** No condition: the open queue. */
export const ANY_REQUEST: QueueFilter = { states: null, types: null, dueWithinDays: null, overdue: null, assignee: null, possiblyExcessive: null, personId: null };

export interface QueueCursor {
  deadline: string;
  id: string;
}

export interface QueuePage {
  nodes: PrivacyRequest[];
  hasNextPage: boolean;
  totalCount: number;
}

type Db = Kysely<RequestsDB>;

/** The privacy requests, their append-only timelines and verification codes, in the gateway's store. */
export class PrivacyRequestStore {
  readonly db: Db;

  constructor(store: GatewayStore) {
    this.db = viewTables<RequestsDB>(store.db);
  }

  async get(id: string, trx: Db | Transaction<RequestsDB> = this.db): Promise<PrivacyRequest | null> {
    const row = await trx.selectFrom('privacyRequest').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? parseRequest(row) : null;
  }

  async getMany(ids: string[]): Promise<PrivacyRequest[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('privacyRequest').selectAll().where('id', 'in', ids).execute();
    return rows.map(parseRequest);
  }

  /** Inserts a request with its first timeline entries, in one transaction. */
  async insert(row: Omit<PrivacyRequestTable, 'id'> & { id?: string }, events: NewEvent[], actor: Actor, at: string): Promise<PrivacyRequest> {
    const id = row.id ?? randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('privacyRequest').values({ ...row, id }).execute();
      if (events.length) await appendEvents(trx, events.map((e) => eventRow(id, e, actor, at)));
    });
    return (await this.get(id))!;
  }

  /**
   * Applies a transition: the update holds only if the request is still in
   * the state it was read in (another operator acting at the same moment
   * makes this one fail with CONFLICT), and the timeline entry is written in
   * the same transaction. Nothing is written when it does not hold.
   */
  async transition(req: PrivacyRequest, changes: RequestChanges, events: NewEvent[], actor: Actor, at: string, extra?: (trx: Transaction<RequestsDB>) => Promise<void>): Promise<PrivacyRequest> {
    await this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('privacyRequest')
        .set({ ...changes, updatedAt: at })
        .where('id', '=', req.id)
        .where('state', '=', req.state)
        .where('updatedAt', '=', req.updatedAt)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) fail('CONFLICT', `Privacy request ${req.id} changed while this action was being taken; reload it and try again`, { reason: 'CHANGED_MEANWHILE' });
      if (events.length) await appendEvents(trx, events.map((e) => eventRow(req.id, e, actor, at)));
      await extra?.(trx);
    });
    return (await this.get(req.id))!;
  }

  /** Appends a fact to a timeline without changing the request (a failed notification, a rejected code). */
  async note(req: PrivacyRequest, event: NewEvent, actor: Actor, at: string, extra?: (trx: Transaction<RequestsDB>) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await appendEvents(trx, [eventRow(req.id, event, actor, at)]);
      await extra?.(trx);
    });
  }

  /** Where each of these timeline entries sits in the timelines' hash chain. */
  chainPositions(events: readonly RequestEvent[]): Promise<(ChainPosition | null)[]> {
    return chainPositions(this.db, EVENT_EVIDENCE, events);
  }

  async timeline(requestId: string): Promise<RequestEvent[]> {
    const rows = await this.db.selectFrom('privacyRequestEvent').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
    return rows.map(parseEvent);
  }

  /** The timelines of several requests in one statement (a page of the queue, a page of the footprint). */
  async timelines(requestIds: string[]): Promise<Map<string, RequestEvent[]>> {
    const out = new Map<string, RequestEvent[]>(requestIds.map((id) => [id, []]));
    if (requestIds.length === 0) return out;
    const rows = await this.db.selectFrom('privacyRequestEvent').selectAll().where('requestId', 'in', requestIds).orderBy('requestId').orderBy('id').execute();
    for (const r of rows) out.get(r.requestId)?.push(parseEvent(r));
    return out;
  }

  /** The person's open requests (an erasure of the whole account closes them). */
  async openForPerson(personId: string): Promise<PrivacyRequest[]> {
    const rows = await this.db.selectFrom('privacyRequest').selectAll().where('personId', '=', personId).where('state', 'in', OPEN_STATES).orderBy('receivedAt').execute();
    return rows.map(parseRequest);
  }

  /**
   * Puts every request of the person under the legal hold. A request already
   * held keeps its hold: it runs from the first erasure, and erasing again
   * does not restart it. Returns how many requests the hold newly covers.
   */
  async hold(personId: string, since: string, until: string): Promise<number> {
    const res = await this.db.updateTable('privacyRequest').set({ heldSince: since, heldUntil: until }).where('personId', '=', personId).where('heldUntil', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * Purges up to `limit` requests whose hold ended before `now`: their
   * timeline rows (each named by a purge record in the evidence chain, whose
   * links stay), their codes, and the requests, in one transaction each.
   */
  async purgeHeld(now: string, limit = 100): Promise<{ requests: number; events: number }> {
    const due = await this.db.selectFrom('privacyRequest').select(['id', 'heldUntil']).where('heldUntil', '<=', now).orderBy('heldUntil').limit(limit).execute();
    let events = 0;
    for (const r of due) {
      await this.db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('privacyRequestEvent').selectAll().where('requestId', '=', r.id).execute();
        events += await purgeEvidence(trx, EVENT_EVIDENCE, rows, `privacy request ${r.id}: held after the account's erasure until ${r.heldUntil} (gateway.privacy_request, RETAIN from the first erasure); the hold ended`, now);
        await trx.deleteFrom('privacyRequestCode').where('requestId', '=', r.id).execute();
        await trx.deleteFrom('privacyRequest').where('id', '=', r.id).execute();
      });
    }
    return { requests: due.length, events };
  }

  /** The latest request of the same person, type and scope received between `since` and `until` (the repeat check). */
  async latestSimilar(personId: string, type: RequestType, scope: string, since: string, until: string): Promise<{ id: string; receivedAt: string } | null> {
    const row = await this.db
      .selectFrom('privacyRequest')
      .select(['id', 'receivedAt'])
      .where('personId', '=', personId)
      .where('type', '=', type)
      .where('scope', '=', scope)
      .where('receivedAt', '>=', since)
      .where('receivedAt', '<=', until)
      // Refused, withdrawn or failed requests were never answered: asking again (corrected) is not a repeat.
      .where('state', 'not in', ['REFUSED', 'WITHDRAWN', 'CLOSED'])
      .where('failure', 'is', null)
      .orderBy('receivedAt', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ?? null;
  }

  /** A person's requests, newest first, by (receivedAt, id) cursor. */
  async forPerson(personId: string, first: number, after: { receivedAt: string; id: string } | null): Promise<{ nodes: PrivacyRequest[]; hasNextPage: boolean; totalCount: number }> {
    let q = this.db.selectFrom('privacyRequest').selectAll().where('personId', '=', personId);
    if (after) q = q.where((eb) => eb.or([eb('receivedAt', '<', after.receivedAt), eb.and([eb('receivedAt', '=', after.receivedAt), eb('id', '<', after.id)])]));
    const [rows, count] = await Promise.all([
      q.orderBy('receivedAt', 'desc').orderBy('id', 'desc').limit(first + 1).execute(),
      this.db.selectFrom('privacyRequest').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', personId).executeTakeFirstOrThrow(),
    ]);
    return { nodes: rows.slice(0, first).map(parseRequest), hasNextPage: rows.length > first, totalCount: Number(count.n) };
  }

  /** The operators' queue: filtered, ordered by the deadline in force (then id), one page after the cursor. */
  async queue(filter: QueueFilter, first: number, after: QueueCursor | null, now: Date): Promise<QueuePage> {
    const nowIso = now.toISOString();
    const filtered = () => {
      let q = this.db.selectFrom('privacyRequest');
      const overdue = filter.overdue === true;
      // Overdue means open and past the deadline; without a state filter the queue shows open requests.
      const states = filter.states?.length ? filter.states : OPEN_STATES;
      const effective = [...new Set(overdue ? states.filter((s) => OPEN_STATES.includes(s)) : states)];
      // Every state asked for: no state condition, so the (deadline, id) index gives the order without a sort.
      if (effective.length < STATES.length) q = q.where('state', 'in', effective.length ? effective : ['__none__']);
      if (filter.types?.length) q = q.where('type', 'in', filter.types);
      if (overdue) q = q.where('deadline', '<', nowIso);
      if (filter.overdue === false) q = q.where('deadline', '>=', nowIso);
      if (filter.dueWithinDays !== null && filter.dueWithinDays !== undefined) q = q.where('deadline', '<=', new Date(now.getTime() + filter.dueWithinDays * 86_400_000).toISOString());
      if (filter.assignee) q = q.where('assignee', '=', filter.assignee);
      if (filter.possiblyExcessive !== null && filter.possiblyExcessive !== undefined) q = q.where('possiblyExcessive', '=', filter.possiblyExcessive ? 1 : 0);
      if (filter.personId) q = q.where('personId', '=', filter.personId);
      return q;
    };
    let page = filtered().selectAll();
    // A row-value comparison, so SQLite and PostgreSQL seek straight into the (…, deadline, id) index.
    if (after) page = page.where((eb) => eb(eb.refTuple('deadline', 'id'), '>', eb.tuple(after.deadline, after.id)));
    const [rows, count] = await Promise.all([
      page.orderBy('deadline').orderBy('id').limit(first + 1).execute(),
      filtered().select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { nodes: rows.slice(0, first).map(parseRequest), hasNextPage: rows.length > first, totalCount: Number(count.n) };
  }

  /** Open requests per state and type, overdue open requests, and the median time to an answer. */
  async stats(now: Date): Promise<{ open: { state: RequestState; type: RequestType; count: number }[]; overdue: number; answered: number; medianAnswerMs: number | null }> {
    const [open, overdue, answered] = await Promise.all([
      this.db
        .selectFrom('privacyRequest')
        .select(['state', 'type', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', 'in', OPEN_STATES)
        .groupBy(['state', 'type'])
        .execute(),
      this.db
        .selectFrom('privacyRequest')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', 'in', OPEN_STATES)
        .where('deadline', '<', now.toISOString())
        .executeTakeFirstOrThrow(),
      this.db.selectFrom('privacyRequest').select((eb) => eb.fn.countAll<number>().as('n')).where('answeredMs', 'is not', null).executeTakeFirstOrThrow(),
    ]);
    const n = Number(answered.n);
    let medianAnswerMs: number | null = null;
    if (n > 0) {
      // The middle one or two values, read through the index on answered_ms.
      const mid = await this.db
        .selectFrom('privacyRequest')
        .select('answeredMs')
        .where('answeredMs', 'is not', null)
        .orderBy('answeredMs')
        .limit(n % 2 === 0 ? 2 : 1)
        .offset(Math.floor((n - 1) / 2))
        .execute();
      const values = mid.map((m) => Number(m.answeredMs));
      medianAnswerMs = values.reduce((a, b) => a + b, 0) / values.length;
    }
    return {
      open: open.map((o) => ({ state: o.state as RequestState, type: o.type as RequestType, count: Number(o.n) })),
      overdue: Number(overdue.n),
      answered: n,
      medianAnswerMs,
    };
  }

  /**
   * IN_PROGRESS requests following a job (export, erasure) whose failure is
   * not yet recorded: the drivers say where each job stands. Requests without
   * a tracked job (done by hand) are never read here.
   */
  async trackedWork(limit = 200): Promise<PrivacyRequest[]> {
    const tracked = this.jsonField('work', 'trackedJobId');
    const failedJob = this.jsonField('failure', 'jobId');
    const rows = await this.db
      .selectFrom('privacyRequest')
      .selectAll()
      .where('state', '=', 'IN_PROGRESS')
      .where(sql<boolean>`${sql.raw(tracked)} is not null and (failure is null or ${sql.raw(failedJob)} is null or ${sql.raw(failedJob)} <> ${sql.raw(tracked)})`)
      .orderBy('updatedAt')
      .limit(limit)
      .execute();
    return rows.map(parseRequest);
  }

  private jsonField(column: string, field: string): string {
    return this.dialect() === 'postgres' ? `(${column}::json ->> '${field}')` : `json_extract(${column}, '$.${field}')`;
  }

  private dialect(): 'postgres' | 'sqlite' {
    return isPostgres(this.db) ? 'postgres' : 'sqlite';
  }

  // Verification codes

  async putCode(row: PrivacyRequestCodeTable, trx: Transaction<RequestsDB>): Promise<void> {
    await trx.deleteFrom('privacyRequestCode').where('requestId', '=', row.requestId).execute();
    await trx.insertInto('privacyRequestCode').values(row).execute();
  }

  async getCode(requestId: string): Promise<PrivacyRequestCodeTable | null> {
    return (await this.db.selectFrom('privacyRequestCode').selectAll().where('requestId', '=', requestId).executeTakeFirst()) ?? null;
  }

  /** Uses up one attempt; false when none was left (or another attempt took the last). */
  async spendAttempt(requestId: string, attemptsLeft: number): Promise<boolean> {
    const res = await this.db
      .updateTable('privacyRequestCode')
      .set({ attemptsLeft: attemptsLeft - 1 })
      .where('requestId', '=', requestId)
      .where('attemptsLeft', '=', attemptsLeft)
      .where('attemptsLeft', '>', 0)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async dropCode(requestId: string, trx: Transaction<RequestsDB>): Promise<void> {
    await trx.deleteFrom('privacyRequestCode').where('requestId', '=', requestId).execute();
  }

  /** Bulk insert for the seed and the benchmark: batched statements, never row by row. */
  async insertBulk(rows: PrivacyRequestTable[], events: Omit<PrivacyRequestEventTable, 'id'>[]): Promise<void> {
    const BATCH = 400;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += BATCH) await trx.insertInto('privacyRequest').values(rows.slice(i, i + BATCH)).execute();
      for (let i = 0; i < events.length; i += BATCH) await appendEvents(trx, events.slice(i, i + BATCH));
    });
  }
}

/** Every timeline entry goes through here: it is written with its link in the chain, in the caller's transaction. */
function appendEvents(trx: Transaction<RequestsDB>, rows: Omit<PrivacyRequestEventTable, 'id'>[]): Promise<unknown[]> {
  return appendEvidence(trx, EVENT_EVIDENCE, (t) => t.insertInto('privacyRequestEvent').values(rows).returningAll().execute());
}

function eventRow(requestId: string, e: NewEvent, actor: Actor, at: string): Omit<PrivacyRequestEventTable, 'id'> {
  return { requestId, at, actor: actor.id, actorType: actor.type, action: e.action, fromState: e.fromState, toState: e.toState, reason: e.reason ?? null, detail: e.detail ? JSON.stringify(e.detail) : null };
}
