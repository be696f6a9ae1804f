import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { SecretsConfig } from '../config.js';
import { fail } from '../errors.js';
import type { Logger } from '../logger.js';
import { Purpose as PurposeTaxonomy, type Purpose, type Recipient } from '../taxonomy.js';
import { loadCorrectionDeliveryConfig, noEndpointNote, type CorrectionDeliveryConfig } from './corrections/delivery.js';
import type { CorrectionTables } from './corrections/store.js';
import { createNoticeDispatcher, type NoticeDispatcher } from './outbox.js';
import { addDuration, subtractDuration, type KindMeta, type RestrictionView } from './meta.js';
import {
  ERASE_SCOPE,
  RESTRICT_SCOPE,
  RESTRICTION_GROUNDS,
  RIGHTS_PURPOSES,
  type ErasureKindSpec,
  type ProcessingActivity,
  type ProcessingDecision,
  type RestrictionGround,
  type RightsHookContext,
  type RightsPurpose,
  type RightsSpec,
} from './rights.js';
import { migrateRightsTables, type RestrictionRow, type RightsNoticeRow, type RightsTables } from './rights/store.js';
import type { AnyDB, Store } from './store.js';

/** What a domain passes to createSubgraph for the rights: its rules and the configuration read at startup. */
export interface RightsSetup<DB> {
  spec?: RightsSpec<DB>;
  config?: SecretsConfig;
  /** Read once here (recipient endpoints); default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface Caller {
  person: string | null;
  credential: { actor: string; actorType: 'subject' | 'operator' | 'job'; scopes: string[]; requestId: string };
}

interface Kind {
  meta: KindMeta;
  table: string;
  spec: ErasureKindSpec;
}

export interface KindReceipt {
  kind: string;
  action: string;
  deleted: number;
  anonymized: number;
  retained: number;
  fields: string[];
  ground: string | null;
  retainedUntil: string | null;
  noticesRecorded: number;
}

export interface DomainReceipt {
  domain: string;
  requestId: string;
  erasedAt: string;
  kinds: KindReceipt[];
  replayed: boolean;
}

export interface ProcessingState {
  domain: string;
  restrictions: { kind: string; recordId: string | null; since: string; reason: string; until: string | null; ground: string }[];
  objections: string[];
  withdrawnConsents: string[];
}

export interface RightsEngine {
  resolvers: { Query: Record<string, unknown>; Mutation: Record<string, unknown> };
  /** Creates the rights tables once (later calls share the first). */
  prepare(): Promise<void>;
  /** Whether an activity of the domain may run for the person now (restriction, objection, consent). */
  processingAllowed(person: string, activity: string): Promise<ProcessingDecision>;
  /** The same for many people at once (a campaign's audience), in two statements. */
  processingAllowedFor(people: readonly string[], activity: string): Promise<Map<string, ProcessingDecision>>;
  /** The restrictions in force for a person, by kind (kind-wide) and by record id (<kind>:<n>). */
  restrictionsOf(person: string): Promise<RestrictionLookup>;
  /** Erases a person's kinds outside GraphQL (tests, bench): the same code path as _erase. */
  erase(person: string, requestId: string, kinds: string[] | null, who?: { actor: string; reason?: string | null }): Promise<DomainReceipt>;
  /**
   * Deletes what legal holds kept once they have ended (§7: "after the retention period, deleted"), in one
   * transaction per held kind and person, and ends those holds. Runs hourly while the subgraph serves.
   */
  purgeExpiredHolds(now?: Date): Promise<{ person: string; kind: string; deleted: number }[]>;
  /** Runs a delivery round of erasure notices now and waits for it (tests). */
  deliverNotices(): Promise<void>;
  stop(): void;
}

export interface RestrictionLookup {
  forRecord(kind: string, recordNumber: number): RestrictionView | null;
}

const KIND_LIST = z.array(z.string().min(1).max(200)).max(200);
const EraseArgs = z.object({
  requestId: z.string().trim().min(1, 'requestId is required').max(200),
  kinds: KIND_LIST.nullish(),
  reason: z.string().trim().max(1000).nullish(),
});
const RestrictArgs = z.object({
  kinds: KIND_LIST.min(1, 'Name at least one kind to restrict'),
  reason: z.string().trim().min(1, 'A restriction needs a reason').max(1000),
  until: z.string().nullish(),
  ground: z.enum(RESTRICTION_GROUNDS as [RestrictionGround, ...RestrictionGround[]], { message: `ground is one of ${RESTRICTION_GROUNDS.join(', ')}` }).nullish(),
});
const LiftArgs = z.object({ kinds: KIND_LIST.min(1, 'Name at least one kind') });
const ObjectArgs = z.object({
  purpose: z.enum(RIGHTS_PURPOSES as [RightsPurpose, ...RightsPurpose[]]),
  reason: z.string().trim().max(1000).nullish(),
});
const WithdrawArgs = z.object({
  purpose: z.enum(PurposeTaxonomy.values as [Purpose, ...Purpose[]]),
  reason: z.string().trim().max(1000).nullish(),
});

function parse<T>(schema: z.ZodType<T>, args: unknown): T {
  const r = schema.safeParse(args);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '), { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}

const GROUND_PRIORITY: Record<string, number> = { LEGAL_HOLD: 0, CONTESTED_ACCURACY: 1, OBJECTION: 2, PERSON_REQUEST: 3 };
const n = (v: bigint | number | undefined | null) => Number(v ?? 0);

/**
 * The kit's rights engine for one domain: resolves the contract's internal
 * erasure, restriction, objection and withdrawal fields over the domain's
 * @personalData and rules. Every erasure of a kind is one transaction of
 * set-based statements (children, correction history and outbox, then the
 * records), whatever the person holds: nothing is read row by row.
 */
export function createRightsEngine<DB>(opts: {
  domain: string;
  kinds: KindMeta[];
  tables: Record<string, string>;
  store: Store<DB>;
  logger: Logger;
  /** Whether the domain has the kit's correction tables (their rows of erased records go with them). */
  hasCorrections: boolean;
  prepareCorrections(): Promise<void>;
  setup?: RightsSetup<DB> | undefined;
}): RightsEngine {
  const { domain, store } = opts;
  const spec = opts.setup?.spec ?? {};
  const anyDb = store.db as unknown as Kysely<AnyDB>;
  const kitDb = store.db as unknown as Kysely<RightsTables>;
  const kinds = new Map<string, Kind>();
  const specs = new Map((spec.kinds ?? []).map((k) => [k.kind, k]));
  for (const meta of opts.kinds) {
    const table = opts.tables[meta.typename];
    if (!table) continue;
    if (!meta.erasure) throw new Error(`${domain}: @personalData of ${meta.typename} says nothing about erasure (erasure: DELETE | ANONYMIZE | RETAIN)`);
    const ks = specs.get(meta.kind) ?? { kind: meta.kind };
    if (meta.erasure === 'ANONYMIZE' && !ks.anonymize) throw new Error(`${domain}: ${meta.kind} is ANONYMIZE but its rights rules name no columns to clear (anonymize:)`);
    kinds.set(meta.kind, { meta, table, spec: ks });
  }
  for (const k of specs.keys()) if (!kinds.has(k)) throw new Error(`${domain}: rights rules name ${k}, which this subgraph does not serve`);
  const activities = new Map((spec.activities ?? []).map((a) => [a.name, a]));
  for (const a of activities.values()) for (const k of a.kinds) if (!kinds.has(k)) throw new Error(`${domain}: activity ${a.name} names ${k}, which this subgraph does not serve`);
  for (const [p, o] of Object.entries(spec.objections ?? {})) for (const k of o?.erase ?? []) if (!kinds.has(k)) throw new Error(`${domain}: objection ${p} erases ${k}, which this subgraph does not serve`);

  const delivery: CorrectionDeliveryConfig | null = opts.setup?.config ? loadCorrectionDeliveryConfig(opts.setup.config, opts.setup.env) : null;
  let prepared: Promise<void> | null = null;
  const prepare = () => (prepared ??= migrateRightsTables(store.db as unknown as Kysely<unknown>, domain));

  const dispatcher: NoticeDispatcher | null = delivery
    ? createNoticeDispatcher<RightsNoticeRow & { id: number }>({
        db: store.db as unknown as Kysely<unknown>,
        table: 'rightsNotice',
        prepare: () => prepare(),
        domain,
        cfg: delivery,
        log: opts.logger,
        payload: async (row) => ({
          noticeId: row.id,
          recipient: row.recipient,
          domain,
          person: row.personId,
          kind: row.kind,
          // Art. 19: the recipient erases (or anonymises) its own copy; nothing of the erased data is sent.
          action: row.action,
          requestId: row.requestId,
          erasedAt: row.createdAt,
        }),
      })
    : null;

  function requireScope(ctx: Caller, scope: string): string {
    if (!ctx.person) fail('FORBIDDEN', 'This call is not for a person: the gateway credential names no person');
    if (!ctx.credential.scopes.includes(scope)) fail('FORBIDDEN', `The gateway credential lacks the scope ${scope}`);
    return ctx.person;
  }

  /** The named kinds of this domain; kinds of other domains are not ours to answer for; an unknown one of ours is an error. */
  function ownKinds(names: string[]): Kind[] {
    const out: Kind[] = [];
    for (const name of new Set(names)) {
      if (!name.startsWith(`${domain}.`)) continue;
      const k = kinds.get(name);
      if (!k) fail('BAD_USER_INPUT', `The ${domain} domain has no kind ${name}; its kinds: ${[...kinds.keys()].join(', ')}`, { kind: name });
      out.push(k);
    }
    return out;
  }

  async function regionOf(trx: Transaction<AnyDB>, person: string): Promise<string | null> {
    for (const k of kinds.values()) {
      const r = await trx.selectFrom(k.table).select('region').where('personId', '=', person).limit(1).executeTakeFirst();
      if (r) return String(r.region);
    }
    return null;
  }

  /** Deletes the child rows of the person's records of `k` matching `filter` (set-based). */
  async function deleteChildren(trx: Transaction<AnyDB>, k: Kind, person: string, before: string | null) {
    for (const c of k.spec.children ?? []) {
      let sub = trx.selectFrom(k.table).select(c.parentColumn ?? 'id').where('personId', '=', person);
      if (before) sub = sub.where('collectedAt', '<', before);
      let del = trx.deleteFrom(c.table).where(c.column, 'in', sub);
      if (c.personColumn) del = del.where(c.personColumn, '=', person);
      await del.execute();
    }
  }

  /** Takes the correction history, its notices and pending confirmations of the person's records of `k` (all, or those collected before `before`). */
  async function deleteCorrectionRows(trx: Transaction<AnyDB>, k: Kind, person: string, before: string | null) {
    if (!opts.hasCorrections) return;
    const kit = trx as unknown as Transaction<CorrectionTables>;
    const records = () => {
      let sub = trx.selectFrom(k.table).select('id').where('personId', '=', person);
      if (before) sub = sub.where('collectedAt', '<', before);
      return sub;
    };
    const history = () => kit.selectFrom('correctionHistory').select('id').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', records() as never);
    await kit.deleteFrom('correctionNotice').where('correctionId', 'in', history()).execute();
    await kit.deleteFrom('correctionConfirmation').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', records() as never).execute();
    await kit.insertInto('correctionErasureGuard').values({ personId: person }).onConflict((oc) => oc.doNothing()).execute();
    await kit.deleteFrom('correctionHistory').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', records() as never).execute();
    await kit.deleteFrom('correctionErasureGuard').where('personId', '=', person).execute();
  }

  async function recordNotices(trx: Transaction<AnyDB>, k: Kind, person: string, action: 'ERASED' | 'ANONYMIZED' | 'RESTRICTED', requestId: string, now: string): Promise<number> {
    const recipients = k.meta.recipients as Recipient[];
    if (recipients.length === 0) return 0;
    await (trx as unknown as Transaction<RightsTables>)
      .insertInto('rightsNotice')
      .values(
        recipients.map((r) => ({
          personId: person,
          kind: k.meta.kind,
          action,
          requestId,
          recipient: r,
          state: 'PENDING',
          attempts: 0,
          createdAt: now,
          nextAttemptAt: now,
          deliveredAt: null,
          lastError: delivery?.recipientUrls[r] ? null : noEndpointNote(r),
        })),
      )
      .execute();
    return recipients.length;
  }

  /**
   * Erases one kind of one person in the caller's transaction: DELETE takes
   * the records with their child rows and correction rows; ANONYMIZE clears
   * the named columns in one UPDATE (child rows go); RETAIN deletes only
   * what its hold no longer covers and puts the rest under a LEGAL_HOLD.
   */
  async function eraseKind(trx: Transaction<AnyDB>, k: Kind, person: string, requestId: string, now: Date, actor: string): Promise<KindReceipt> {
    const at = now.toISOString();
    const meta = k.meta;
    let deleted = 0;
    let anonymized = 0;
    let retained = 0;
    let retainedUntil: string | null = null;
    let notices = 0;
    if (meta.erasure === 'RETAIN') {
      const period = meta.retainFor!;
      // Records whose hold has already run out are not kept a day longer.
      const before = meta.retainFrom === 'COLLECTED' ? subtractDuration(now, period)!.toISOString() : null;
      if (before) {
        await deleteChildren(trx, k, person, before);
        await deleteCorrectionRows(trx, k, person, before);
        deleted = n((await trx.deleteFrom(k.table).where('personId', '=', person).where('collectedAt', '<', before).executeTakeFirst()).numDeletedRows);
      }
      const left = await trx
        .selectFrom(k.table)
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('collectedAt').as('latest')])
        .where('personId', '=', person)
        .executeTakeFirstOrThrow();
      retained = n(left.n as number);
      if (retained > 0) {
        const from = meta.retainFrom === 'COLLECTED' ? new Date(String(left.latest)) : now;
        retainedUntil = addDuration(from, period)!.toISOString();
        const kit = trx as unknown as Transaction<RightsTables>;
        // One hold per kind: a later erasure request replaces the earlier one.
        await kit.updateTable('processingRestriction').set({ liftedAt: at }).where('personId', '=', person).where('kind', '=', meta.kind).where('ground', '=', 'LEGAL_HOLD').where('liftedAt', 'is', null).execute();
        await kit
          .insertInto('processingRestriction')
          .values({ personId: person, kind: meta.kind, recordNumber: null, ground: 'LEGAL_HOLD', reason: meta.erasureNote ?? 'Kept under a legal obligation', since: at, until: retainedUntil, liftedAt: null, actor, requestId, ref: null })
          .execute();
      }
      if (deleted > 0) notices = await recordNotices(trx, k, person, 'ERASED', requestId, at);
    } else if (meta.erasure === 'ANONYMIZE') {
      await deleteChildren(trx, k, person, null);
      await deleteCorrectionRows(trx, k, person, null);
      anonymized = n((await trx.updateTable(k.table).set(k.spec.anonymize!).where('personId', '=', person).executeTakeFirst()).numUpdatedRows);
      if (anonymized > 0) notices = await recordNotices(trx, k, person, 'ANONYMIZED', requestId, at);
    } else {
      await deleteChildren(trx, k, person, null);
      await deleteCorrectionRows(trx, k, person, null);
      deleted = n((await trx.deleteFrom(k.table).where('personId', '=', person).executeTakeFirst()).numDeletedRows);
      if (deleted > 0) notices = await recordNotices(trx, k, person, 'ERASED', requestId, at);
    }
    if (k.spec.afterErase) await k.spec.afterErase(trx, { person, now: at, region: null, reason: null });
    if (meta.erasure !== 'RETAIN') {
      // The data is gone: so are its restrictions (a legal hold included: nothing is held any more).
      await (trx as unknown as Transaction<RightsTables>).deleteFrom('processingRestriction').where('personId', '=', person).where('kind', '=', meta.kind).execute();
    }
    return {
      kind: meta.kind,
      action: meta.erasure ?? 'DELETE',
      deleted,
      anonymized,
      retained,
      fields: meta.erasure === 'ANONYMIZE' ? meta.erasureFields : [],
      ground: meta.erasure === 'DELETE' ? null : meta.erasureNote,
      retainedUntil,
      noticesRecorded: notices,
    };
  }

  function receiptOf(r: { kind: string; action: string; deleted: number; anonymized: number; retained: number; fields: string; ground: string | null; retainedUntil: string | null; noticesRecorded: number }): KindReceipt {
    return {
      kind: r.kind,
      action: r.action,
      deleted: n(r.deleted),
      anonymized: n(r.anonymized),
      retained: n(r.retained),
      fields: JSON.parse(r.fields) as string[],
      ground: r.ground,
      retainedUntil: r.retainedUntil,
      noticesRecorded: n(r.noticesRecorded),
    };
  }

  async function erase(person: string, requestId: string, names: string[] | null, who: { actor: string; reason?: string | null } = { actor: person }): Promise<DomainReceipt> {
    await prepare();
    await opts.prepareCorrections();
    const explicit = names !== null;
    const wanted = explicit ? ownKinds(names) : [...kinds.values()];
    if (explicit && wanted.length > 0 && wanted.every((k) => k.meta.erasure === 'RETAIN')) {
      const k = wanted[0]!;
      fail('BAD_USER_INPUT', `${wanted.map((w) => w.meta.title).join(', ')} cannot be erased now: ${k.meta.erasureNote ?? 'the law requires keeping it'} (kept ${k.meta.retainFor} from ${k.meta.retainFrom === 'COLLECTED' ? 'collection' : 'the request'})`, {
        reason: 'RETAINED',
        kinds: wanted.map((w) => w.meta.kind),
      });
    }
    const earlier = await kitDb.selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
    if (earlier.some((r) => r.personId !== person)) fail('CONFLICT', `Erasure request ${requestId} was made for another person`);
    const done = new Map(earlier.map((r) => [r.kind, r]));
    const todo = wanted.filter((k) => !done.has(k.meta.kind));
    const ran: KindReceipt[] = [];
    for (const k of todo) {
      const now = new Date();
      try {
        const receipt = await anyDb.transaction().execute(async (trx) => {
          const r = await eraseKind(trx, k, person, requestId, now, who.actor);
          await (trx as unknown as Transaction<RightsTables>)
            .insertInto('erasureReceipt')
            .values({ ...r, fields: JSON.stringify(r.fields), requestId, personId: person, erasedAt: now.toISOString(), actor: who.actor, reason: who.reason ?? null })
            .execute();
          return r;
        });
        ran.push(receipt);
      } catch (err) {
        // A concurrent run of the same request took this kind first: its receipt stands, nothing of ours committed.
        const other = await kitDb.selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).where('kind', '=', k.meta.kind).executeTakeFirst();
        if (!other) throw err;
        done.set(k.meta.kind, other);
      }
    }
    dispatcher?.kick();
    const all = await kitDb.selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
    const wantedSet = new Set(wanted.map((k) => k.meta.kind));
    const receipts = all.filter((r) => wantedSet.has(r.kind) || !explicit);
    return {
      domain,
      requestId,
      erasedAt: receipts[0]?.erasedAt ?? new Date().toISOString(),
      kinds: receipts.map(receiptOf),
      replayed: ran.length === 0 && earlier.length > 0,
    };
  }

  async function purgeExpiredHolds(now = new Date()): Promise<{ person: string; kind: string; deleted: number }[]> {
    await prepare();
    await opts.prepareCorrections();
    const at = now.toISOString();
    const due = await kitDb
      .selectFrom('processingRestriction')
      .select(['id', 'personId', 'kind'])
      .where('ground', '=', 'LEGAL_HOLD')
      .where('liftedAt', 'is', null)
      .where('until', '<=', at)
      .orderBy('id')
      .limit(500)
      .execute();
    const out: { person: string; kind: string; deleted: number }[] = [];
    for (const hold of due) {
      const k = kinds.get(hold.kind);
      const deleted = await anyDb.transaction().execute(async (trx) => {
        let n = 0;
        if (k && k.meta.erasure === 'RETAIN') {
          // COLLECTED: each record's own period has run out by the hold's end (it was set from the latest); ERASURE: all of them.
          const before = k.meta.retainFrom === 'COLLECTED' ? subtractDuration(now, k.meta.retainFor!)!.toISOString() : null;
          await deleteChildren(trx, k, hold.personId, before);
          await deleteCorrectionRows(trx, k, hold.personId, before);
          let q = trx.deleteFrom(k.table).where('personId', '=', hold.personId);
          if (before) q = q.where('collectedAt', '<', before);
          n = Number((await q.executeTakeFirst()).numDeletedRows);
        }
        await (trx as unknown as Transaction<RightsTables>).updateTable('processingRestriction').set({ liftedAt: at }).where('id', '=', hold.id).execute();
        return n;
      });
      out.push({ person: hold.personId, kind: hold.kind, deleted });
    }
    if (out.length) opts.logger.info({ holds: out.length }, 'ended legal holds and deleted what they kept');
    return out;
  }
  let sweeper: NodeJS.Timeout | null = null;
  let stopped = false;
  const serve = async () => {
    await prepare();
    if (!sweeper && !stopped) {
      sweeper = setInterval(() => void purgeExpiredHolds().catch((err: unknown) => !stopped && opts.logger.error({ err }, 'legal hold sweep failed')), 3_600_000);
      sweeper.unref();
    }
  };

  const active = (now: string) => (r: RestrictionRow) => r.liftedAt === null && (r.until === null || r.until > now);

  async function restrictionRows(person: string): Promise<RestrictionRow[]> {
    await prepare();
    const now = new Date().toISOString();
    const rows = (await kitDb.selectFrom('processingRestriction').selectAll().where('personId', '=', person).where('liftedAt', 'is', null).execute()) as unknown as RestrictionRow[];
    return rows.filter(active(now));
  }

  async function restrictionsOf(person: string): Promise<RestrictionLookup> {
    const rows = await restrictionRows(person);
    const best = (list: RestrictionRow[]) => [...list].sort((a, b) => (GROUND_PRIORITY[a.ground] ?? 9) - (GROUND_PRIORITY[b.ground] ?? 9))[0];
    const byKind = new Map<string, RestrictionRow[]>();
    for (const r of rows) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
    return {
      forRecord(kind, recordNumber) {
        const list = (byKind.get(kind) ?? []).filter((r) => r.recordNumber === null || r.recordNumber === recordNumber);
        const r = best(list);
        return r ? { since: r.since, reason: r.reason, until: r.until, ground: r.ground } : null;
      },
    };
  }

  async function state(person: string): Promise<ProcessingState> {
    const rows = await restrictionRows(person);
    const stops = await kitDb.selectFrom('processingStop').select(['type', 'purpose']).where('personId', '=', person).orderBy('id').execute();
    return {
      domain,
      restrictions: rows.map((r) => ({
        kind: r.kind,
        recordId: r.recordNumber === null ? null : `${r.kind}:${r.recordNumber}`,
        since: r.since,
        reason: r.reason,
        until: r.until,
        ground: r.ground,
      })),
      objections: stops.filter((s) => s.type === 'OBJECTION').map((s) => s.purpose),
      withdrawnConsents: stops.filter((s) => s.type === 'CONSENT_WITHDRAWN').map((s) => s.purpose),
    };
  }

  async function restrict(ctx: Caller, args: z.infer<typeof RestrictArgs>) {
    const person = requireScope(ctx, RESTRICT_SCOPE);
    const now = new Date().toISOString();
    let until: string | null = null;
    if (args.until) {
      if (Number.isNaN(Date.parse(args.until))) fail('BAD_USER_INPUT', 'until must be an ISO-8601 date-time', { field: 'until' });
      until = new Date(args.until).toISOString();
      if (until <= now) fail('BAD_USER_INPUT', `until (${until}) is in the past: a restriction must end in the future`, { field: 'until' });
    }
    const ground = args.ground ?? 'PERSON_REQUEST';
    // A legal hold is the controller's to set (§7), never a person's own request.
    if (ground === 'LEGAL_HOLD' && ctx.credential.actorType !== 'operator') fail('FORBIDDEN', 'Only an operator can put data under a legal hold', { field: 'ground' });
    const targets = ownKinds(args.kinds);
    await prepare();
    if (targets.length > 0) {
      await anyDb.transaction().execute(async (any) => {
        const trx = any as unknown as Transaction<RightsTables>;
        const kindNames = targets.map((k) => k.meta.kind);
        // A new restriction on the same ground replaces the one in force (its reason and end may change).
        await trx.updateTable('processingRestriction').set({ liftedAt: now }).where('personId', '=', person).where('kind', 'in', kindNames).where('ground', '=', ground).where('recordNumber', 'is', null).where('liftedAt', 'is', null).execute();
        await trx
          .insertInto('processingRestriction')
          .values(kindNames.map((kind) => ({ personId: person, kind, recordNumber: null, ground, reason: args.reason, since: now, until, liftedAt: null, actor: ctx.credential.actor, requestId: ctx.credential.requestId, ref: null })))
          .execute();
        // Art. 19: the recipients of the data are told it is restricted (of records the person holds).
        for (const k of targets) {
          const has = await any.selectFrom(k.table).select('id').where('personId', '=', person).limit(1).executeTakeFirst();
          if (has) await recordNotices(any, k, person, 'RESTRICTED', `restriction:${ctx.credential.requestId}`, now);
        }
      });
      dispatcher?.kick();
    }
    return state(person);
  }

  async function lift(ctx: Caller, args: z.infer<typeof LiftArgs>) {
    const person = requireScope(ctx, RESTRICT_SCOPE);
    const targets = ownKinds(args.kinds);
    await prepare();
    if (targets.length > 0) {
      // A legal hold is not the person's to lift (§7): it ends with its period.
      await kitDb
        .updateTable('processingRestriction')
        .set({ liftedAt: new Date().toISOString() })
        .where('personId', '=', person)
        .where('kind', 'in', targets.map((k) => k.meta.kind))
        .where('ground', '!=', 'LEGAL_HOLD')
        .where('liftedAt', 'is', null)
        .execute();
    }
    return state(person);
  }

  async function recordStop(trx: Transaction<AnyDB>, person: string, type: 'OBJECTION' | 'CONSENT_WITHDRAWN', purpose: string, reason: string | null, ctx: Caller, at: string): Promise<boolean> {
    const res = await (trx as unknown as Transaction<RightsTables>)
      .insertInto('processingStop')
      .values({ personId: person, type, purpose, reason, at, actor: ctx.credential.actor, requestId: ctx.credential.requestId })
      .onConflict((oc) => oc.columns(['personId', 'type', 'purpose']).doNothing())
      .executeTakeFirst();
    return n(res.numInsertedOrUpdatedRows) > 0;
  }

  async function object(ctx: Caller, args: z.infer<typeof ObjectArgs>) {
    const person = requireScope(ctx, RESTRICT_SCOPE);
    await prepare();
    await opts.prepareCorrections();
    const rule = spec.objections?.[args.purpose];
    const now = new Date();
    const requestId = `objection:${args.purpose}:${ctx.credential.requestId}`;
    await anyDb.transaction().execute(async (trx) => {
      const fresh = await recordStop(trx, person, 'OBJECTION', args.purpose, args.reason ?? null, ctx, now.toISOString());
      // Absolute (Art. 21(3)): what was made for the purpose goes, whether or not this is a repeat.
      for (const name of rule?.erase ?? []) await eraseKind(trx, kinds.get(name)!, person, requestId, now, ctx.credential.actor);
      if (fresh && rule?.apply) await rule.apply(trx as unknown as Transaction<DB>, await hookContext(trx, person, now, args.reason ?? null));
    });
    dispatcher?.kick();
    return state(person);
  }

  async function hookContext(trx: Transaction<AnyDB>, person: string, now: Date, reason: string | null): Promise<RightsHookContext> {
    return { person, now: now.toISOString(), region: await regionOf(trx, person), reason };
  }

  /** The CONSENT kinds of this domain that a withdrawal for `purpose` erases. */
  function erasedOnWithdrawal(purpose: Purpose): Kind[] {
    return [...kinds.values()].filter((k) => {
      if (k.meta.legalBasis !== 'CONSENT' || !k.meta.purposes.includes(purpose)) return false;
      return (k.spec.onWithdrawal ?? (k.meta.retention === 'UNTIL_WITHDRAWN' ? 'ERASE' : 'KEEP')) === 'ERASE';
    });
  }

  async function withdraw(ctx: Caller, args: z.infer<typeof WithdrawArgs>) {
    const person = requireScope(ctx, RESTRICT_SCOPE);
    await prepare();
    await opts.prepareCorrections();
    const now = new Date();
    const requestId = `withdrawal:${args.purpose}:${ctx.credential.requestId}`;
    // One transaction per kind, as for an erasure; the withdrawal itself is recorded first, so processing stops even if an erasure must be retried.
    await anyDb.transaction().execute(async (trx) => {
      const isNew = await recordStop(trx, person, 'CONSENT_WITHDRAWN', args.purpose, args.reason ?? null, ctx, now.toISOString());
      if (isNew && spec.onWithdrawal) await spec.onWithdrawal(trx as unknown as Transaction<DB>, args.purpose, await hookContext(trx, person, now, args.reason ?? null));
    });
    for (const k of erasedOnWithdrawal(args.purpose)) {
      await anyDb.transaction().execute((trx) => eraseKind(trx, k, person, requestId, now, ctx.credential.actor));
    }
    dispatcher?.kick();
    return state(person);
  }

  /**
   * Whether an activity may run now, for many people at once (a campaign's
   * audience): two statements, whatever the number of people.
   */
  async function processingAllowedFor(people: readonly string[], name: string): Promise<Map<string, ProcessingDecision>> {
    const activity: ProcessingActivity | undefined = activities.get(name);
    if (!activity) throw new Error(`${domain}: no processing activity ${name}; its activities: ${[...activities.keys()].join(', ') || 'none'}`);
    await prepare();
    const out = new Map<string, ProcessingDecision>(people.map((p) => [p, { allowed: true }]));
    if (people.length === 0) return out;
    const now = new Date().toISOString();
    const ids = [...new Set(people)];
    const restrictions = ((await kitDb
      .selectFrom('processingRestriction')
      .selectAll()
      .where('personId', 'in', ids)
      .where('kind', 'in', activity.kinds)
      .where('recordNumber', 'is', null)
      .where('liftedAt', 'is', null)
      .execute()) as unknown as RestrictionRow[]).filter(active(now));
    const stopTypes = [activity.objection ? `OBJECTION:${activity.objection}` : null, activity.consent ? `CONSENT_WITHDRAWN:${activity.consent}` : null].filter((x): x is string => x !== null);
    const stops = stopTypes.length
      ? await kitDb.selectFrom('processingStop').select(['personId', 'type', 'purpose']).where('personId', 'in', ids).where('purpose', 'in', [activity.objection ?? '', activity.consent ?? '']).execute()
      : [];
    for (const p of ids) {
      const hit = restrictions.find((r) => r.personId === p);
      if (hit) {
        out.set(p, { allowed: false, code: 'RESTRICTED', reason: `Processing of ${hit.kind} is restricted (${hit.ground}: ${hit.reason})` });
        continue;
      }
      const mine = stops.filter((s) => s.personId === p && stopTypes.includes(`${s.type}:${s.purpose}`));
      const objected = mine.find((s) => s.type === 'OBJECTION');
      if (objected) out.set(p, { allowed: false, code: 'OBJECTED', reason: `The person objected to ${objected.purpose}` });
      else if (mine[0]) out.set(p, { allowed: false, code: 'CONSENT_WITHDRAWN', reason: `The person withdrew consent for ${mine[0].purpose}` });
    }
    return out;
  }

  async function processingAllowed(person: string, name: string): Promise<ProcessingDecision> {
    return (await processingAllowedFor([person], name)).get(person)!;
  }

  return {
    resolvers: {
      Query: {
        _processingState: (_: unknown, __: unknown, ctx: Caller) => state(requireScope(ctx, RESTRICT_SCOPE)),
      },
      Mutation: {
        _erase: (_: unknown, args: unknown, ctx: Caller) => {
          const person = requireScope(ctx, ERASE_SCOPE);
          const a = parse(EraseArgs, args);
          return erase(person, a.requestId, a.kinds ?? null, { actor: ctx.credential.actor, reason: a.reason ?? null });
        },
        _restrict: (_: unknown, args: unknown, ctx: Caller) => restrict(ctx, parse(RestrictArgs, args)),
        _liftRestriction: (_: unknown, args: unknown, ctx: Caller) => lift(ctx, parse(LiftArgs, args)),
        _object: (_: unknown, args: unknown, ctx: Caller) => object(ctx, parse(ObjectArgs, args)),
        _withdrawConsent: (_: unknown, args: unknown, ctx: Caller) => withdraw(ctx, parse(WithdrawArgs, args)),
      },
    },
    prepare: serve,
    purgeExpiredHolds,
    processingAllowed,
    processingAllowedFor,
    restrictionsOf,
    erase,
    deliverNotices: () => dispatcher?.runOnce() ?? Promise.resolve(),
    stop: () => {
      stopped = true;
      if (sweeper) clearInterval(sweeper);
      dispatcher?.stop();
    },
  };
}
