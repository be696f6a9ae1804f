import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { footprintError } from '@footprint/schema';
import { z } from 'zod';
import { viewTables } from '@footprint/kit/view-tables.js';
import type { GatewayStore } from '../auth/audit.js';
import { JobStore } from '../jobs/store.js';
import { JobError } from '../jobs/table.js';

/**
 * Pushes to servers the person names (gateway.server_push): one row per push —
 * the job the shared job store claims, heartbeats and fails, and afterwards the
 * record of who received what — and one checkpoint row per card, so a resumed
 * push sends only what has not been verified yet. No column holds the app
 * password: it is never given to this store.
 */

export const PUSH_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type PushState = (typeof PUSH_STATES)[number];
const ACTIVE: PushState[] = ['QUEUED', 'RUNNING'];
/** States a push is resumed from. */
export const RESUMABLE: PushState[] = ['FAILED', 'CANCELLED'];

export const PushProgress = z.object({
  cardsTotal: z.number().int().min(0).nullable(),
  cardsSent: z.number().int().min(0),
  cardsVerified: z.number().int().min(0),
  cardsSkipped: z.number().int().min(0),
  cardsFailed: z.number().int().min(0),
});
export type PushProgress = z.infer<typeof PushProgress>;
export const EMPTY_PROGRESS: PushProgress = { cardsTotal: null, cardsSent: 0, cardsVerified: 0, cardsSkipped: 0, cardsFailed: 0 };

export interface ServerPushTable {
  id: string;
  personId: string;
  protocol: string;
  /** JSON array of kinds. */
  kinds: string;
  recipientHost: string;
  serverUrl: string;
  username: string;
  addressBook: string | null;
  addressBookUrl: string | null;
  state: PushState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  progress: string;
  error: string | null;
}

export type CardState = 'SENT' | 'VERIFIED' | 'FAILED';

export interface ServerPushCardTable {
  pushId: string;
  recordId: string;
  uid: string | null;
  /** The card's name in the address book (UID-based, stable across runs). */
  name: string;
  /** SHA-256 of the vCard sent: a contact changed since is sent again (If-Match). */
  sha256: string;
  etag: string | null;
  state: CardState;
  problem: string | null;
  updatedAt: string;
}

interface PushDB {
  serverPush: ServerPushTable;
  serverPushCard: ServerPushCardTable;
}

export interface ServerPush {
  id: string;
  personId: string;
  protocol: 'CARDDAV';
  kinds: string[];
  recipientHost: string;
  serverUrl: string;
  username: string;
  addressBook: string | null;
  addressBookUrl: string | null;
  state: PushState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  progress: PushProgress;
  error: JobError | null;
}

export interface CardCheckpoint {
  recordId: string;
  uid: string | null;
  name: string;
  sha256: string;
  etag: string | null;
  state: CardState;
  problem: string | null;
}

export const pushMigrations: Record<string, Migration> = {
  // Gateway migrations sort after 920; 930–939 are this feature's.
  '930_server_push': {
    async up(db) {
      await db.schema
        .createTable('server_push')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('kinds', 'text', (c) => c.notNull())
        .addColumn('recipient_host', 'text', (c) => c.notNull())
        .addColumn('server_url', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('address_book', 'text')
        .addColumn('address_book_url', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('heartbeat_at', 'text')
        .addColumn('worker', 'text')
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('server_push_person_idx').on('server_push').columns(['person_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('server_push_state_idx').on('server_push').columns(['state', 'heartbeat_at']).execute();
      // One push per person at a time, in the database itself: two requests racing (on two gateways) cannot both start one.
      await sql`create unique index server_push_one_active on server_push (person_id) where state in ('QUEUED', 'RUNNING')`.execute(db);
      await db.schema
        .createTable('server_push_card')
        .addColumn('push_id', 'text', (c) => c.notNull().references('server_push.id'))
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('uid', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('etag', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('problem', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('server_push_card_pk', ['push_id', 'record_id'])
        .execute();
    },
  },
};

const Kinds = z.array(z.string());
const isUniqueViolation = (err: unknown) => /unique|duplicate key/i.test(err instanceof Error ? err.message : String(err));

function parse(row: ServerPushTable): ServerPush {
  return {
    ...row,
    protocol: 'CARDDAV',
    kinds: Kinds.parse(JSON.parse(row.kinds)),
    runs: Number(row.runs),
    progress: PushProgress.parse(JSON.parse(row.progress)),
    error: row.error ? JobError.parse(JSON.parse(row.error)) : null,
  };
}

export interface NewPush {
  personId: string;
  kinds: string[];
  serverUrl: string;
  recipientHost: string;
  username: string;
  addressBook: string | null;
}

export class ServerPushes extends JobStore<ServerPush, PushProgress, PushState> {
  private readonly db: Kysely<PushDB>;

  constructor(store: GatewayStore) {
    super(store, {
      table: 'serverPush',
      active: ACTIVE,
      interrupted: (runs, cause) => ({ code: 'INTERRUPTED', message: `The push stopped because ${cause} (run ${runs}); resume it with the app password` }),
    });
    this.db = viewTables<PushDB>(store.db);
  }

  async get(id: string): Promise<ServerPush | null> {
    const row = await this.db.selectFrom('serverPush').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? parse(row) : null;
  }

  /** The person's push still queued or running, if any (one at a time). */
  async active(personId: string): Promise<ServerPush | null> {
    const row = await this.db.selectFrom('serverPush').selectAll().where('personId', '=', personId).where('state', 'in', ACTIVE).executeTakeFirst();
    return row ? parse(row) : null;
  }

  /** A new push, already RUNNING for `worker` (it runs where the password is: in this process). */
  async create(p: NewPush, worker: string): Promise<ServerPush> {
    const now = new Date().toISOString();
    const row: ServerPushTable = {
      id: randomUUID(),
      personId: p.personId,
      protocol: 'CARDDAV',
      kinds: JSON.stringify(p.kinds),
      recipientHost: p.recipientHost,
      serverUrl: p.serverUrl,
      username: p.username,
      addressBook: p.addressBook,
      addressBookUrl: null,
      state: 'RUNNING',
      createdAt: now,
      startedAt: now,
      finishedAt: null,
      heartbeatAt: now,
      worker,
      runs: 1,
      progress: JSON.stringify(EMPTY_PROGRESS),
      error: null,
    };
    try {
      await this.db.insertInto('serverPush').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw footprintError('CONFLICT', 'Another push of yours is still running; wait for it or cancel it first');
      throw err;
    }
    return parse(row);
  }

  /** Takes a FAILED or CANCELLED push back to RUNNING for `worker`; null when it is in no such state (any more). */
  async resume(id: string, worker: string): Promise<ServerPush | null> {
    const now = new Date().toISOString();
    let res: { numUpdatedRows: bigint };
    try {
      res = await this.db
        .updateTable('serverPush')
        .set((eb) => ({ state: 'RUNNING', worker, heartbeatAt: now, finishedAt: null, error: null, runs: eb('runs', '+', 1) }))
        .where('id', '=', id)
        .where('state', 'in', RESUMABLE)
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (isUniqueViolation(err)) throw footprintError('CONFLICT', 'Another push of yours is still running; wait for it or cancel it first');
      throw err;
    }
    return Number(res.numUpdatedRows) === 1 ? this.get(id) : null;
  }

  setAddressBook(id: string, worker: string, url: string): Promise<unknown> {
    return this.db.updateTable('serverPush').set({ addressBookUrl: url }).where('id', '=', id).where('worker', '=', worker).where('state', '=', 'RUNNING').execute();
  }

  succeed(id: string, worker: string, progress: PushProgress): Promise<boolean> {
    return this.table.succeed(id, worker, { progress: JSON.stringify(progress), finishedAt: new Date().toISOString() });
  }

  fail(id: string, worker: string | null, error: JobError, progress?: PushProgress): Promise<boolean> {
    return this.table.fail(id, worker, error, progress ? JSON.stringify(progress) : undefined);
  }

  /** The progress a cancelled push reached, written by the worker that ran it (its heartbeat stops with the cancel). */
  async settleCancelled(id: string, worker: string, progress: PushProgress): Promise<void> {
    await this.db.updateTable('serverPush').set({ progress: JSON.stringify(progress) }).where('id', '=', id).where('state', '=', 'CANCELLED').where('worker', '=', worker).execute();
  }

  cancel(id: string): Promise<boolean> {
    return this.table.cancel(id, ACTIVE);
  }

  /** A person's pushes, newest first, by (createdAt, id) cursor. */
  async forPerson(personId: string, first: number, after: { createdAt: string; id: string } | null): Promise<{ nodes: ServerPush[]; hasNextPage: boolean; totalCount: number }> {
    let q = this.db.selectFrom('serverPush').selectAll().where('personId', '=', personId);
    if (after) q = q.where((eb) => eb.or([eb('createdAt', '<', after.createdAt), eb.and([eb('createdAt', '=', after.createdAt), eb('id', '<', after.id)])]));
    const [rows, count] = await Promise.all([
      q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(first + 1).execute(),
      this.db.selectFrom('serverPush').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', personId).executeTakeFirstOrThrow(),
    ]);
    return { nodes: rows.slice(0, first).map(parse), hasNextPage: rows.length > first, totalCount: Number(count.n) };
  }

  /** The checkpoints of these records in one push. */
  async cards(pushId: string, recordIds: string[]): Promise<Map<string, CardCheckpoint>> {
    if (recordIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('serverPushCard')
      .select(['recordId', 'uid', 'name', 'sha256', 'etag', 'state', 'problem'])
      .where('pushId', '=', pushId)
      .where('recordId', 'in', recordIds)
      .execute();
    return new Map(rows.map((r) => [r.recordId, r]));
  }

  /** Records one card's checkpoint (after each step, so a push that stops knows where it was). */
  async checkpoint(pushId: string, card: CardCheckpoint): Promise<void> {
    const values = { ...card, updatedAt: new Date().toISOString() };
    await this.db
      .insertInto('serverPushCard')
      .values({ pushId, ...values })
      .onConflict((oc) => oc.columns(['pushId', 'recordId']).doUpdateSet(values))
      .execute();
  }

  /** Cards that did not arrive as sent, for the push's record (the first `limit`). */
  failedCards(pushId: string, limit = 100): Promise<{ recordId: string; uid: string | null; problem: string | null }[]> {
    return this.db.selectFrom('serverPushCard').select(['recordId', 'uid', 'problem']).where('pushId', '=', pushId).where('state', '=', 'FAILED').orderBy('recordId').limit(limit).execute();
  }

  /**
   * Deletes pushes recorded before `before` (their hold, gateway.server_push's
   * retainFor, has ended) with their cards; returns how many went.
   */
  async purge(before: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const old = trx.selectFrom('serverPush').select('id').where('createdAt', '<', before).where('state', 'not in', ACTIVE);
      await trx.deleteFrom('serverPushCard').where('pushId', 'in', old).execute();
      const res = await trx.deleteFrom('serverPush').where('createdAt', '<', before).where('state', 'not in', ACTIVE).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }
}
