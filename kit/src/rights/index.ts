import type { GraphQLFieldResolver } from 'graphql';
import type { SecretsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { parseArgs } from '../args.js';
import { loadCorrectionDeliveryConfig } from '../corrections/delivery.js';
import type { KindMeta } from '@footprint/schema';
import { fail } from '@footprint/schema';
import { createNoticeDispatcher, type NoticeDispatcher } from '../outbox.js';
import type { AnyDB, Store } from '../store.js';
import { viewTables } from '../view-tables.js';
import { buildRightsKinds, requireScope, type Caller, type RightsDeps } from './deps.js';
import { CancelArgs, cancelErase, erase, EraseArgs, ReceiptsArgs, receiptsOf, type DomainReceipt } from './erase.js';
import { purgeExpiredHolds } from './holds.js';
import { ConsentArgs, ConsentFeedArgs, consentFeed, give, withdraw } from './consent.js';
import { object, ObjectArgs } from './objection.js';
import { runProcessing, RunProcessingArgs } from './run.js';
import { processingAllowed, processingAllowedFor } from './processing.js';
import { lift, LiftArgs, restrict, RestrictArgs } from './restrict.js';
import { CONSENT_FEED_SCOPE, ERASE_SCOPE, PROCESS_SCOPE, RESTRICT_SCOPE, type ChildTable, type ProcessingDecision, type ProcessingHost, type RightsSpec } from './spec.js';
import { restrictionsOf, state, type RestrictionLookup } from './state.js';
import { migrateRightsTables, type RightsNoticeRow } from './store.js';

/**
 * The kit's rights engine for one domain: resolves the contract's internal
 * erasure (erase.ts, holds.ts), restriction (restrict.ts), objection and
 * consent (objection.ts, consent.ts) fields over the domain's @personalData and rules,
 * answers whether an activity may run (processing.ts) and runs it on request
 * (run.ts).
 */

export type { DomainReceipt, KindReceipt } from './erase.js';
export { ANONYMOUS_PREFIX } from './erase.js';
export type { ProcessingState, RestrictionLookup } from './state.js';
export * from './spec.js';
export * from './store.js';
export { CORRECTION_KIND, CORRECTION_RETAIN_FOR } from './correction-hold.js';

/** What a domain passes to createSubgraph for the rights: its rules and the configuration read at startup. */
export interface RightsSetup<DB> {
  spec?: RightsSpec<DB>;
  config?: SecretsConfig;
  /** Read once here (recipient endpoints); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface RightsEngine {
  resolvers: { Query: Record<string, GraphQLFieldResolver<unknown, Caller>>; Mutation: Record<string, GraphQLFieldResolver<unknown, Caller>> };
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
  /** The domain's processing activities, as declared, and whether each has a trigger (_runProcessing). */
  activities(): { name: string; kinds: string[]; objection: string | null; consent: string | null; triggered: boolean }[];
  /**
   * How each kind is erased, as the engine carries it out: its table, child tables, the columns a retained record has
   * cleared and the join keys an anonymised one loses (to the parent's table and column). The conformance suite reads
   * the stored rows with it.
   */
  erasureRules(): {
    kind: string;
    action: string;
    table: string;
    children: ChildTable[];
    clearOnRetain: Record<string, string | number | null>;
    joinKeys: { column: string; table: string; parentColumn: string }[];
  }[];
  /** Refusals of the domain's processing since start, per activity and code (RESTRICTED, OBJECTED, CONSENT_WITHDRAWN). */
  refusals(): Record<string, Record<string, number>>;
  stop(): void;
}

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
  // The engine reads the domain's tables by name, and its own beside them; the domain's hooks run in its transactions.
  const db = viewTables<AnyDB>(store.db);
  // The domain's hooks are typed against its DB; the engine runs them in transactions of the same connection viewed as AnyDB.
  // biome-ignore lint/plugin: type-erasure boundary: RightsSpec<DB> is invariant in DB (its hooks take Transaction<DB>)
  const spec = (opts.setup?.spec ?? {}) as unknown as RightsSpec<AnyDB>;
  const delivery = opts.setup?.config ? loadCorrectionDeliveryConfig(opts.setup.config, opts.setup.env) : null;
  let prepared: Promise<void> | null = null;
  const prepare = () => (prepared ??= migrateRightsTables(db, domain));

  const dispatcher: NoticeDispatcher | null = delivery
    ? createNoticeDispatcher<RightsNoticeRow & { id: number }>({
        db,
        table: 'rightsNotice',
        prepare,
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

  const refusals: Record<string, Record<string, number>> = {};
  const deps: RightsDeps = {
    domain,
    db,
    ...buildRightsKinds(domain, opts.kinds, opts.tables, spec),
    spec,
    delivery,
    hasCorrections: opts.hasCorrections,
    logger: opts.logger,
    prepare,
    prepareCorrections: opts.prepareCorrections,
    noticesDue: () => dispatcher?.kick(),
    refused: (activity, code) => {
      const mine = refusals[activity] ?? {};
      mine[code] = (mine[code] ?? 0) + 1;
      refusals[activity] = mine;
    },
    settleErasure: () => store.settleErasure().catch((err: unknown) => opts.logger.warn({ err }, 'erased rows may stay in the SQLite WAL until its next checkpoint')),
    // biome-ignore lint/plugin: type-erasure boundary: the hook is typed against the domain's DB, as the spec's other hooks are
    afterErasure: async () => void (await spec.afterErasure?.(store as unknown as Store<AnyDB>)),
  };

  // What an activity's runner is given (the trigger _runProcessing): the same checks the domain's own code calls.
  // biome-ignore lint/plugin: type-erasure boundary: the runner is typed against the domain's DB (ProcessingHost<DB>), as the spec's hooks are
  const host: ProcessingHost<AnyDB> = { store: opts.store as unknown as Store<AnyDB>, rights: { processingAllowed: (person: string, activity: string) => processingAllowed(deps, person, activity), processingAllowedFor: (people: readonly string[], activity: string) => processingAllowedFor(deps, people, activity) } };

  let sweeper: NodeJS.Timeout | null = null;
  let stopped = false;
  const serve = async () => {
    await prepare();
    if (!sweeper && !stopped) {
      sweeper = setInterval(() => void purgeExpiredHolds(deps).catch((err: unknown) => !stopped && opts.logger.error({ err }, 'legal hold sweep failed')), 3_600_000);
      sweeper.unref();
    }
  };

  return {
    resolvers: {
      Query: {
        _processingState: (_: unknown, __: unknown, ctx: Caller) => state(deps, requireScope(ctx, RESTRICT_SCOPE)),
        _erasureReceipts: (_: unknown, args: unknown, ctx: Caller) => receiptsOf(deps, requireScope(ctx, ERASE_SCOPE), parseArgs(ReceiptsArgs, args).requestId),
        _consentChanges: async (_: unknown, args: unknown, ctx: Caller) => {
          if (!ctx.credential.scopes.includes(CONSENT_FEED_SCOPE)) fail('FORBIDDEN', `The gateway credential lacks the scope ${CONSENT_FEED_SCOPE}`);
          await deps.prepare();
          return consentFeed(deps, parseArgs(ConsentFeedArgs, args));
        },
      },
      Mutation: {
        _erase: (_: unknown, args: unknown, ctx: Caller) => {
          const person = requireScope(ctx, ERASE_SCOPE);
          const a = parseArgs(EraseArgs, args);
          return erase(deps, person, a.requestId, a.kinds ?? null, { actor: ctx.credential.actor, reason: a.reason ?? null }, { deadline: a.deadline ?? null, attempt: a.attempt ?? null });
        },
        _cancelErasure: (_: unknown, args: unknown, ctx: Caller) => {
          const person = requireScope(ctx, ERASE_SCOPE);
          const a = parseArgs(CancelArgs, args);
          return cancelErase(deps, person, a.requestId, a.upTo);
        },
        _restrict: (_: unknown, args: unknown, ctx: Caller) => restrict(deps, ctx, parseArgs(RestrictArgs, args)),
        _liftRestriction: (_: unknown, args: unknown, ctx: Caller) => lift(deps, ctx, parseArgs(LiftArgs, args)),
        _object: (_: unknown, args: unknown, ctx: Caller) => object(deps, ctx, parseArgs(ObjectArgs, args)),
        _withdrawConsent: (_: unknown, args: unknown, ctx: Caller) => withdraw(deps, ctx, parseArgs(ConsentArgs, args)),
        _giveConsent: (_: unknown, args: unknown, ctx: Caller) => give(deps, ctx, parseArgs(ConsentArgs, args)),
        _runProcessing: (_: unknown, args: unknown, ctx: Caller) => runProcessing(deps, host, requireScope(ctx, PROCESS_SCOPE), parseArgs(RunProcessingArgs, args)),
      },
    },
    prepare: serve,
    purgeExpiredHolds: (now) => purgeExpiredHolds(deps, now),
    processingAllowed: (person, activity) => processingAllowed(deps, person, activity),
    processingAllowedFor: (people, activity) => processingAllowedFor(deps, people, activity),
    restrictionsOf: (person) => restrictionsOf(deps, person),
    erase: (person, requestId, kinds, who) => erase(deps, person, requestId, kinds, who),
    deliverNotices: () => dispatcher?.runOnce() ?? Promise.resolve(),
    refusals: () => structuredClone(refusals),
    erasureRules: () =>
      [...deps.kinds.values()].map((k) => ({
        kind: k.meta.kind,
        action: k.meta.erasure ?? 'DELETE',
        table: k.table,
        children: [...(k.spec.children ?? [])],
        clearOnRetain: { ...k.spec.clearOnRetain },
        joinKeys: (k.spec.joinKeys ?? []).map((j) => ({ column: j.column, table: deps.kinds.get(j.kind)!.table, parentColumn: j.parentColumn ?? 'id' })),
      })),
    activities: () => [...deps.activities.values()].map((a) => ({ name: a.name, kinds: [...a.kinds], objection: a.objection ?? null, consent: a.consent ?? null, triggered: Boolean(a.run) })),
    stop: () => {
      stopped = true;
      if (sweeper) clearInterval(sweeper);
      dispatcher?.stop();
    },
  };
}
