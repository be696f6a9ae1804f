import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { SecretsConfig } from '../config.js';
import { fail } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Recipient } from '../taxonomy.js';
import { decodeCursor, encodeCursor } from './connection.js';
import {
  columnValue,
  parseValueText,
  publishRule,
  readField,
  valueText,
  type AnyDB,
  type CorrectableFieldSpec,
  type CorrectableKindSpec,
  type CorrectionSpec,
  type FieldValue,
  type PublishedRule,
} from './corrections.js';
import {
  canSendCodes,
  createNoticeDispatcher,
  loadCorrectionDeliveryConfig,
  noEndpointNote,
  sendCode,
  type CorrectionDeliveryConfig,
  type NoticeDispatcher,
} from './corrections-delivery.js';
import { migrateCorrectionTables, type CorrectionConfirmationRow, type CorrectionHistoryRow, type CorrectionTables } from './corrections-store.js';
import { erasurePolicy, type KindMeta } from './meta.js';
import type { RightsTables } from './rights-store.js';
import type { RecordRow, Store } from './store.js';

/** What a domain passes to createSubgraph to take corrections: its rules and the configuration read at startup. */
export interface CorrectionsSetup<DB> {
  spec: CorrectionSpec<DB>;
  config: SecretsConfig;
  /** Read once here (recipient endpoints, code sender); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The scope an operator's credential must carry to correct (the gateway checks it first). */
export const CORRECT_SCOPE = 'footprint:correct';

interface Caller {
  person: string | null;
  credential: { actor: string; actorType: 'subject' | 'operator' | 'job'; scopes: string[]; requestId: string };
  log: Logger;
}

interface Field {
  name: string;
  spec: CorrectableFieldSpec<RecordRow>;
  rule: PublishedRule;
  recipients: Recipient[];
}

interface Kind {
  meta: KindMeta;
  table: string;
  spec: CorrectableKindSpec<unknown, RecordRow>;
  fields: Map<string, Field>;
}

export interface CorrectionEngine {
  resolvers: { Query: Record<string, unknown>; Mutation: Record<string, unknown> };
  /** Creates the correction tables once (later calls share the first); a no-op for a domain that takes no corrections. */
  prepare(): Promise<void>;
  /** Runs a notice delivery round now and waits for it (tests). */
  deliverNotices(): Promise<void>;
  stop(): void;
}

const RECORD_ID = /^([a-z][a-z0-9]*\.[a-z][a-z0-9_]*):(\d{1,15})$/;

const RequestInput = z.object({
  recordId: z.string().max(200).regex(RECORD_ID, 'recordId is a record id from the correction view (<kind>:<number>)'),
  field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'field is a field name from the correction view'),
  value: z.string().max(20_000, 'A value can have at most 20000 characters').nullable().optional(),
  expectedVersion: z.string().min(1, 'expectedVersion is the version from the correction view').max(100),
  reason: z.string().trim().max(1000, 'A reason can have at most 1000 characters').nullable().optional(),
  restrictUntilResolved: z.boolean().nullish(),
});

const ViewArgs = z.object({
  kinds: z.array(z.string().max(200)).max(100).nullish(),
  first: z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish(),
  after: z.string().max(200).nullish(),
});

const HistoryArgs = z.object({
  first: z.number().int().min(1).max(5000),
  afterAt: z.string().max(40).nullish(),
  afterNumber: z.number().int().min(0).nullish(),
});

const ConfirmArgs = z.object({
  confirmationId: z.uuid('confirmationId is the id returned with PENDING_CONFIRMATION'),
  code: z.string().trim().regex(/^\d{6}$/, 'The code has 6 digits'),
});

function parse<T>(schema: z.ZodType<T>, args: unknown): T {
  const r = schema.safeParse(args);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '), { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}

/**
 * The kit's correction engine for one domain: resolves the contract's
 * internal correction fields over the domain's rules and store.
 */
export function createCorrectionEngine<DB>(opts: {
  domain: string;
  kinds: KindMeta[];
  tables: Record<string, string>;
  store: Store<DB>;
  internalSecret: string;
  logger: Logger;
  setup?: CorrectionsSetup<DB> | undefined;
}): CorrectionEngine {
  const { domain, store } = opts;
  const anyDb = store.db as unknown as Kysely<AnyDB>;
  const kitDb = store.db as unknown as Kysely<CorrectionTables>;
  const byKind = new Map(opts.kinds.map((k) => [k.kind, k]));
  const kinds = new Map<string, Kind>();
  for (const spec of (opts.setup?.spec.kinds ?? []) as unknown as CorrectableKindSpec<unknown, RecordRow>[]) {
    const meta = byKind.get(spec.kind);
    if (!meta) throw new Error(`${domain}: correction rules name ${spec.kind}, which this subgraph does not serve`);
    if (!meta.correctable) throw new Error(`${domain}: correction rules name ${spec.kind}, whose @personalData says correctable: false`);
    const table = opts.tables[meta.typename];
    if (!table) throw new Error(`${domain}: ${spec.kind} (${meta.typename}) has no table`);
    const fields = new Map<string, Field>();
    for (const [name, f] of Object.entries(spec.fields)) {
      fields.set(name, { name, spec: f, rule: publishRule(f), recipients: [...new Set([...meta.recipients, ...(f.alsoNotify ?? [])])] });
    }
    kinds.set(spec.kind, { meta, table, spec, fields });
  }
  if (opts.setup) {
    const missing = opts.kinds.filter((k) => k.correctable && !kinds.has(k.kind)).map((k) => k.kind);
    if (missing.length > 0) throw new Error(`${domain}: kinds marked correctable have no correction rules: ${missing.join(', ')}`);
  }
  const delivery: CorrectionDeliveryConfig | null = opts.setup ? loadCorrectionDeliveryConfig(opts.setup.config, opts.setup.env) : null;
  // On first use, not at construction: seeding builds a subgraph only to write its tables and closes it.
  let prepared: Promise<void> | null = null;
  const prepare = () => (prepared ??= opts.setup ? migrateCorrectionTables(store.db as unknown as Kysely<unknown>, domain) : Promise.resolve());

  const hmac = (s: string) => createHmac('sha256', opts.internalSecret).update(s).digest('base64url');
  const versionOf = (recordId: string, field: string, v: FieldValue) => hmac(`version|${domain}|${recordId}|${field}|${JSON.stringify(valueText(v))}`).slice(0, 22);
  const oldValueHash = (recordId: string, field: string, v: FieldValue) => `hmac-sha256:${hmac(`old|${domain}|${recordId}|${field}|${JSON.stringify(valueText(v))}`)}`;
  const codeHash = (id: string, code: string) => hmac(`code|${id}|${code}`);

  const dispatcher: NoticeDispatcher | null = delivery
    ? createNoticeDispatcher({
        db: kitDb,
        prepare: () => prepare(),
        domain,
        cfg: delivery,
        log: opts.logger,
        payload: async (n) => {
          const h = await kitDb.selectFrom('correctionHistory').selectAll().where('id', '=', n.correctionId).executeTakeFirst();
          if (!h) return null;
          return {
            noticeId: n.id,
            recipient: n.recipient,
            domain,
            person: h.personId,
            kind: h.kind,
            recordId: `${h.kind}:${h.recordNumber}`,
            field: h.field,
            newValue: h.newValue,
            correctedAt: h.at,
          };
        },
      })
    : null;

  function requireCorrector(ctx: Caller): string {
    if (!ctx.person) fail('FORBIDDEN', 'This call is not for a person: the gateway credential names no person');
    const c = ctx.credential;
    if (c.actorType === 'job') fail('FORBIDDEN', 'An export job cannot correct data');
    if (c.actorType === 'operator' && !c.scopes.includes(CORRECT_SCOPE)) fail('FORBIDDEN', `Operator credential lacks the scope ${CORRECT_SCOPE}`);
    return ctx.person;
  }

  function takesCorrections(): CorrectionDeliveryConfig {
    if (!delivery) fail('FORBIDDEN', `The ${domain} domain takes no corrections`);
    return delivery;
  }

  function kindOf(recordId: string): { kind: Kind; number: number } {
    const m = RECORD_ID.exec(recordId)!;
    const meta = byKind.get(m[1]!);
    if (!meta) fail('NOT_FOUND', `The ${domain} domain holds no ${m[1]} records`);
    if (!meta.correctable) fail('FORBIDDEN', `${meta.title} cannot be corrected: ${meta.reason ?? 'the policy does not allow it'}`, { kind: meta.kind });
    const kind = kinds.get(meta.kind);
    if (!kind) fail('FORBIDDEN', `${meta.title} cannot be corrected through Footprint yet: the ${domain} domain has no rules for it`, { kind: meta.kind });
    return { kind, number: Number(m[2]) };
  }

  /** The person's record, if it can be corrected now: CONFLICT when it exists but `where` leaves it out. */
  async function loadRow(trx: Transaction<AnyDB>, kind: Kind, number: number, person: string): Promise<RecordRow> {
    let q = trx.selectFrom(kind.table).selectAll().where('id', '=', number).where('personId', '=', person);
    if (kind.spec.where) q = q.where((eb) => kind.spec.where!(eb));
    // PostgreSQL: lock the row, so the version checked is the version replaced.
    if (store.dialect === 'postgres') q = q.forUpdate();
    const row = (await q.executeTakeFirst()) as RecordRow | undefined;
    if (row) return row;
    const exists = await trx.selectFrom(kind.table).select('id').where('id', '=', number).where('personId', '=', person).executeTakeFirst();
    if (!exists) fail('NOT_FOUND', `No ${kind.meta.kind} record ${number} of this person`);
    fail('CONFLICT', `This record can no longer be corrected: ${kind.spec.scope ?? 'it is history now'}`, { stale: true });
  }

  /**
   * Runs a correction's read-check-write. SQLite has one writer, so its
   * transactions never interleave. PostgreSQL runs them SERIALIZABLE: the row
   * lock in loadRow covers a value updated in place, but a kind corrected by
   * appending a new record (push's latest choice) or a check over other rows
   * (a nickname no one else uses) needs the database to see the interleaving.
   * A transaction it aborts (40001) is run again, and then reads the winner's
   * value: it ends as a stale CONFLICT, so of concurrent corrections exactly one wins.
   */
  async function correctionTransaction<T>(fn: (trx: Transaction<AnyDB>) => Promise<T>): Promise<T> {
    if (store.dialect !== 'postgres') return anyDb.transaction().execute(fn);
    for (let attempt = 1; ; attempt++) {
      try {
        return await anyDb.transaction().setIsolationLevel('serializable').execute(fn);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if ((code !== '40001' && code !== '40P01') || attempt >= 8) {
          if (code === '40001' || code === '40P01') fail('CONFLICT', 'The record changed while it was being corrected; nothing was changed. Reload and correct it again.', { stale: true });
          throw err;
        }
        await new Promise((r) => setTimeout(r, randomInt(5, 20 * attempt)));
      }
    }
  }

  function fieldIssue(field: Field, message: string, extra: Record<string, unknown> = {}): never {
    fail('BAD_USER_INPUT', `${field.spec.label}: ${message}`, { field: field.name, issues: [{ message }], ...extra });
  }

  function validate(field: Field, text: string | null): FieldValue {
    const typed = parseValueText(field.rule.type, text);
    if (!typed.ok) fieldIssue(field, typed.message);
    const r = field.spec.schema.safeParse(typed.value);
    if (!r.success) {
      const issues = r.error.issues.map((i) => ({ message: i.message, code: i.code }));
      fail('BAD_USER_INPUT', `${field.spec.label}: ${issues.map((i) => i.message).join('; ')}`, { field: field.name, issues });
    }
    return r.data;
  }

  /** Writes the correction, its history entry and its notices in the caller's transaction. */
  async function apply(
    trx: Transaction<AnyDB>,
    kind: Kind,
    field: Field,
    row: RecordRow,
    oldValue: FieldValue,
    value: FieldValue,
    who: { person: string; actor: string; actorType: string; reason: string | null; requestId: string; confirmedWith: string | null },
  ): Promise<number> {
    const now = new Date().toISOString();
    const ctx = { person: who.person, now };
    if (kind.spec.apply) await kind.spec.apply(trx as never, row as never, field.name, value, ctx);
    else {
      const set: Record<string, unknown> = { [field.spec.column ?? field.name]: columnValue(value) };
      if (kind.spec.touch) set[kind.spec.touch] = now;
      const r = await trx.updateTable(kind.table).set(set).where('id', '=', row.id).where('personId', '=', who.person).executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) fail('CONFLICT', 'The record changed while it was being corrected; nothing was changed');
    }
    const recordId = `${kind.meta.kind}:${row.id}`;
    const kit = trx as unknown as Transaction<CorrectionTables>;
    const entry = await kit
      .insertInto('correctionHistory')
      .values({
        personId: who.person,
        at: now,
        kind: kind.meta.kind,
        recordNumber: row.id,
        field: field.name,
        fieldLabel: field.spec.label,
        oldValueHash: oldValueHash(recordId, field.name, oldValue),
        newValue: valueText(value),
        actor: who.actor,
        actorType: who.actorType,
        reason: who.reason,
        requestId: who.requestId,
        confirmedWith: who.confirmedWith,
        region: row.region,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (field.recipients.length > 0) {
      await kit
        .insertInto('correctionNotice')
        .values(
          field.recipients.map((r) => ({
            correctionId: entry.id,
            personId: who.person,
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
    }
    return entry.id;
  }

  async function entries(rows: CorrectionHistoryRow[]) {
    const ids = rows.map((r) => r.id as unknown as number);
    const notices = ids.length ? await kitDb.selectFrom('correctionNotice').selectAll().where('correctionId', 'in', ids).orderBy('id').execute() : [];
    return rows.map((h) => ({
      number: h.id,
      domain,
      kind: h.kind,
      recordId: `${h.kind}:${h.recordNumber}`,
      field: h.field,
      fieldLabel: h.fieldLabel,
      oldValueHash: h.oldValueHash,
      newValue: h.newValue,
      correctedAt: h.at,
      actor: h.actor,
      actorType: h.actorType,
      reason: h.reason,
      confirmedWith: h.confirmedWith,
      region: h.region,
      notices: notices
        .filter((n) => n.correctionId === (h.id as unknown as number))
        .map((n) => ({ recipient: n.recipient, state: n.state, attempts: n.attempts, createdAt: n.createdAt, deliveredAt: n.deliveredAt, lastError: n.lastError })),
    }));
  }

  async function entryById(id: number) {
    const row = await kitDb.selectFrom('correctionHistory').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return (await entries([row as unknown as CorrectionHistoryRow]))[0]!;
  }

  async function view(person: string, args: z.infer<typeof ViewArgs>) {
    const wanted = args.kinds ? new Set(args.kinds) : null;
    if (args.after && (!wanted || wanted.size !== 1)) fail('BAD_USER_INPUT', 'after pages one kind: pass exactly one kind with it');
    const first = args.first ?? 20;
    const afterId = args.after ? decodeCursor(args.after) : 0;
    const correctable = [];
    const nonCorrectable = [];
    for (const meta of opts.kinds) {
      if (wanted && !wanted.has(meta.kind)) continue;
      const kind = kinds.get(meta.kind);
      if (!meta.correctable || !kind) {
        nonCorrectable.push({
          kind: meta.kind,
          domain,
          title: meta.title,
          policySection: meta.policy,
          erasure: erasurePolicy(meta),
          reason: meta.correctable
            ? `Not correctable through Footprint yet: the ${domain} domain has no correction rules for it; ask support`
            : (meta.reason ?? 'The privacy policy does not make it correctable'),
        });
        continue;
      }
      const base = () => {
        let q = anyDb.selectFrom(kind.table).where('personId', '=', person);
        if (kind.spec.where) q = q.where((eb) => kind.spec.where!(eb));
        return q;
      };
      const [rows, count] = await Promise.all([
        base().selectAll().where('id', '>', afterId).orderBy('id').limit(first + 1).execute() as unknown as Promise<RecordRow[]>,
        base()
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
      ]);
      const page = rows.slice(0, first);
      correctable.push({
        kind: meta.kind,
        domain,
        title: meta.title,
        policySection: meta.policy,
        scope: kind.spec.scope ?? null,
        erasure: erasurePolicy(meta),
        fields: [...kind.fields.values()].map((f) => ({
          name: f.name,
          label: f.spec.label,
          rule: f.rule,
          confirmation: f.spec.confirmWith ?? null,
          masked: Boolean(f.spec.mask),
          recipients: f.recipients,
        })),
        totalCount: Number(count.n),
        records: page.map((row) => {
          const recordId = `${meta.kind}:${row.id}`;
          return {
            recordId,
            label: kind.spec.label(row),
            values: [...kind.fields.values()].map((f) => {
              const v = readField(f.spec, f.name, f.rule.type, row);
              const text = valueText(v);
              return { field: f.name, value: text !== null && f.spec.mask ? f.spec.mask(text) : text, version: versionOf(recordId, f.name, v) };
            }),
          };
        }),
        pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? encodeCursor(page[page.length - 1]!.id) : null },
      });
    }
    return { domain, correctable, nonCorrectable };
  }

  async function request(ctx: Caller, input: unknown) {
    const person = requireCorrector(ctx);
    const cfg = takesCorrections();
    const req = parse(RequestInput, input);
    const { kind, number } = kindOf(req.recordId);
    const field = kind.fields.get(req.field);
    if (!field) fail('BAD_USER_INPUT', `${kind.meta.title} has no correctable field "${req.field}"; correctable: ${[...kind.fields.keys()].join(', ')}`, { field: req.field });
    const value = validate(field, req.value ?? null);
    if (field.spec.confirmWith && !canSendCodes(cfg)) fail('SUBGRAPH_UNAVAILABLE', 'One-time codes cannot be sent (no code sender is configured), so this change cannot be confirmed now');
    const who = { person, actor: ctx.credential.actor, actorType: ctx.credential.actorType, reason: req.reason || null, requestId: ctx.credential.requestId };

    const outcome = await correctionTransaction(async (trx) => {
      const row = await loadRow(trx, kind, number, person);
      const current = readField(field.spec, field.name, field.rule.type, row);
      if (versionOf(req.recordId, field.name, current) !== req.expectedVersion) {
        fail('CONFLICT', `${field.spec.label} changed since it was read; nothing was changed. Reload and correct it again.`, { field: field.name, stale: true });
      }
      if (valueText(current) === valueText(value)) fieldIssue(field, 'that is already the current value');
      const problem = await kind.spec.check?.(trx as never, row as never, field.name, value, { person, now: new Date().toISOString() });
      if (problem) fieldIssue(field, problem);
      if (field.spec.confirmWith) {
        const id = randomUUID();
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        const now = new Date();
        const pending: CorrectionConfirmationRow = {
          id,
          personId: person,
          kind: kind.meta.kind,
          recordNumber: row.id,
          field: field.name,
          newValue: valueText(value),
          expectedVersion: req.expectedVersion,
          channel: field.spec.confirmWith,
          sentTo: field.spec.mask ? field.spec.mask(String(value)) : String(value),
          codeHash: codeHash(id, code),
          createdAt: now.toISOString(),
          expiresAt: new Date(now.getTime() + cfg.codeTtlSeconds * 1000).toISOString(),
          attempts: 0,
          maxAttempts: cfg.codeMaxAttempts,
          state: 'PENDING',
          actor: who.actor,
          actorType: who.actorType,
          reason: who.reason,
          requestId: who.requestId,
        };
        await (trx as unknown as Transaction<CorrectionTables>).insertInto('correctionConfirmation').values(pending).execute();
        if (req.restrictUntilResolved) {
          // Art. 18(1)(a): the person contests the record's accuracy; it is not processed until the correction resolves.
          await (trx as unknown as Transaction<RightsTables>)
            .insertInto('processingRestriction')
            .values({
              personId: person,
              kind: kind.meta.kind,
              recordNumber: row.id,
              ground: 'CONTESTED_ACCURACY',
              reason: `Accuracy of ${field.spec.label} contested; correction pending confirmation`,
              since: pending.createdAt,
              until: null,
              liftedAt: null,
              actor: who.actor,
              requestId: who.requestId,
              ref: `correction:${id}`,
            })
            .execute();
        }
        return { applied: null, pending, code, to: String(value) };
      }
      return { applied: await apply(trx, kind, field, row, current, value, { ...who, confirmedWith: null }), pending: null, code: '', to: '' };
    });

    if (outcome.applied !== null) {
      dispatcher?.kick();
      return { status: 'APPLIED', entry: await entryById(outcome.applied), confirmation: null };
    }
    const { pending, code, to } = outcome;
    if (!pending) throw new Error('unreachable: neither applied nor pending');
    try {
      await sendCode(cfg, ctx.log, { domain, channel: pending.channel as 'EMAIL' | 'PHONE', to, code, expiresAt: pending.expiresAt, confirmationId: pending.id });
    } catch (err) {
      await kitDb.updateTable('correctionConfirmation').set({ state: 'UNSENT' }).where('id', '=', pending.id).execute();
      await endContest(pending.id);
      ctx.log.error({ err, confirmationId: pending.id }, 'one-time code could not be sent');
      fail('SUBGRAPH_UNAVAILABLE', 'The one-time code could not be sent; nothing was changed. Try again later.');
    }
    return { status: 'PENDING_CONFIRMATION', entry: null, confirmation: pendingView(pending) };
  }

  /** The contest of a pending correction is over (applied, stale, expired, locked): its restriction ends. */
  async function endContest(confirmationId: string) {
    await (store.db as unknown as Kysely<RightsTables>)
      .updateTable('processingRestriction')
      .set({ liftedAt: new Date().toISOString() })
      .where('ref', '=', `correction:${confirmationId}`)
      .where('liftedAt', 'is', null)
      .execute();
  }

  function pendingView(p: CorrectionConfirmationRow) {
    return { id: p.id, channel: p.channel, sentTo: p.sentTo, expiresAt: p.expiresAt, attemptsLeft: Math.max(0, p.maxAttempts - p.attempts) };
  }

  async function confirm(ctx: Caller, args: unknown) {
    const person = requireCorrector(ctx);
    takesCorrections();
    const { confirmationId, code } = parse(ConfirmArgs, args);
    const p = await kitDb.selectFrom('correctionConfirmation').selectAll().where('id', '=', confirmationId).where('personId', '=', person).executeTakeFirst();
    if (!p) fail('NOT_FOUND', 'No pending correction with this id for this person');
    if (p.state === 'LOCKED') fail('TOO_MANY_REQUESTS', 'Too many wrong codes: request the change again to get a new code');
    if (p.state !== 'PENDING') fail('CONFLICT', `This confirmation is ${p.state.toLowerCase()}: request the change again`);
    if (Date.parse(p.expiresAt) <= Date.now()) {
      await kitDb.updateTable('correctionConfirmation').set({ state: 'EXPIRED' }).where('id', '=', p.id).where('state', '=', 'PENDING').execute();
      await endContest(p.id);
      fail('BAD_USER_INPUT', 'The code has expired: request the change again to get a new code', { field: 'code', expired: true });
    }
    // Spend an attempt first, atomically, then compare: parallel guesses cannot get past the limit.
    const spent = await kitDb
      .updateTable('correctionConfirmation')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', p.id)
      .where('state', '=', 'PENDING')
      .where('attempts', '<', p.maxAttempts)
      .returning('attempts')
      .executeTakeFirst();
    if (!spent) fail('TOO_MANY_REQUESTS', 'Too many wrong codes: request the change again to get a new code', { field: 'code', attemptsLeft: 0 });
    const good = timingSafeEqual(Buffer.from(codeHash(p.id, code)), Buffer.from(p.codeHash));
    if (!good) {
      const left = p.maxAttempts - spent.attempts;
      if (left <= 0) {
        await kitDb.updateTable('correctionConfirmation').set({ state: 'LOCKED' }).where('id', '=', p.id).where('state', '=', 'PENDING').execute();
        await endContest(p.id);
        fail('TOO_MANY_REQUESTS', 'Too many wrong codes: request the change again to get a new code', { field: 'code', attemptsLeft: 0 });
      }
      fail('BAD_USER_INPUT', `The code is not right; ${left} attempt(s) left`, { field: 'code', attemptsLeft: left });
    }
    const { kind } = kindOf(`${p.kind}:${p.recordNumber}`);
    const recordNumber = p.recordNumber;
    const field = kind.fields.get(p.field)!;
    const value = validate(field, p.newValue);
    const recordId = `${p.kind}:${p.recordNumber}`;
    const outcome = await correctionTransaction(async (trx) => {
      const kit = trx as unknown as Transaction<CorrectionTables>;
      // Conditional: of two confirmations racing, one wins.
      const took = await kit.updateTable('correctionConfirmation').set({ state: 'CONFIRMED' }).where('id', '=', p.id).where('state', '=', 'PENDING').executeTakeFirst();
      if (Number(took.numUpdatedRows) !== 1) fail('CONFLICT', 'This confirmation was already used');
      const row = await loadRow(trx, kind, recordNumber, person);
      const current = readField(field.spec, field.name, field.rule.type, row);
      if (versionOf(recordId, field.name, current) !== p.expectedVersion) {
        await kit.updateTable('correctionConfirmation').set({ state: 'STALE' }).where('id', '=', p.id).execute();
        return { stale: true as const };
      }
      const problem = await kind.spec.check?.(trx as never, row as never, field.name, value, { person, now: new Date().toISOString() });
      if (problem) fieldIssue(field, problem);
      return { applied: await apply(trx, kind, field, row, current, value, { person, actor: p.actor, actorType: p.actorType, reason: p.reason, requestId: p.requestId, confirmedWith: p.channel }) };
    });
    await endContest(p.id);
    if ('stale' in outcome) fail('CONFLICT', `${field.spec.label} changed after the code was sent; nothing was changed. Reload and correct it again.`, { field: field.name, stale: true });
    dispatcher?.kick();
    return { status: 'APPLIED', entry: await entryById(outcome.applied), confirmation: null };
  }

  async function history(person: string, args: z.infer<typeof HistoryArgs>) {
    if (!delivery) return { entries: [], hasMore: false, totalCount: 0 };
    let q = kitDb.selectFrom('correctionHistory').selectAll().where('personId', '=', person);
    if (args.afterAt) {
      const at = args.afterAt;
      const n = args.afterNumber ?? 0;
      q = q.where((eb) => eb.or([eb('at', '>', at), eb.and([eb('at', '=', at), eb('id', '>', n)])]));
    }
    const [rows, count] = await Promise.all([
      q.orderBy('at').orderBy('id').limit(args.first + 1).execute(),
      kitDb
        .selectFrom('correctionHistory')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('personId', '=', person)
        .executeTakeFirstOrThrow(),
    ]);
    return { entries: await entries(rows.slice(0, args.first) as unknown as CorrectionHistoryRow[]), hasMore: rows.length > args.first, totalCount: Number(count.n) };
  }

  const readPerson = (ctx: Caller) => {
    if (!ctx.person) fail('FORBIDDEN', 'This call is not for a person: the gateway credential names no person');
    return ctx.person;
  };

  return {
    resolvers: {
      Query: {
        _correctionView: (_: unknown, args: unknown, ctx: Caller) => view(readPerson(ctx), parse(ViewArgs, args)),
        _correctionHistory: (_: unknown, args: unknown, ctx: Caller) => history(readPerson(ctx), parse(HistoryArgs, args)),
      },
      Mutation: {
        _requestCorrection: (_: unknown, args: { input: unknown }, ctx: Caller) => request(ctx, args.input),
        _confirmCorrection: (_: unknown, args: unknown, ctx: Caller) => confirm(ctx, args),
      },
    },
    prepare,
    deliverNotices: () => dispatcher?.runOnce() ?? Promise.resolve(),
    stop: () => dispatcher?.stop(),
  };
}
