import type { GraphQLFieldResolver } from 'graphql';
import type { SecretsConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { parseArgs } from '../args.js';
import type { KindMeta } from '@footprint/schema';
import { createNoticeDispatcher, type NoticeDispatcher } from '../outbox.js';
import type { AnyDB, Store } from '../store.js';
import { viewTables } from '../view-tables.js';
import { readPerson, type Caller } from './caller.js';
import { confirmCorrection } from './confirm.js';
import { loadCorrectionDeliveryConfig } from './delivery.js';
import type { CorrectionDeps } from './deps.js';
import { history, HistoryArgs } from './history.js';
import { buildKinds } from './kinds.js';
import { requestCorrection } from './request.js';
import { createSigner } from './signer.js';
import type { CorrectionSpec } from './spec.js';
import { correctionTables, migrateCorrectionTables } from './store.js';
import { view, ViewArgs } from './view.js';

/**
 * Corrections (GDPR Art. 16; policy §9), the kit's engine for one domain: it
 * resolves the contract's internal correction fields over the domain's rules
 * and store. Its parts: view.ts (what can be corrected), request.ts,
 * confirm.ts (one-time codes), history.ts, write.ts (the transaction that
 * writes a correction), delivery.ts and ../outbox.ts (codes and notices).
 */

export { CORRECT_SCOPE } from './caller.js';
export * from './delivery.js';
export * from './masks.js';
export * from './rules.js';
export * from './spec.js';
export * from './store.js';
export * from './values.js';

/** What a domain passes to createSubgraph to take corrections: its rules and the configuration read at startup. */
export interface CorrectionsSetup<DB> {
  spec: CorrectionSpec<DB>;
  config: SecretsConfig;
  /** Read once here (recipient endpoints, code sender); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface CorrectionEngine {
  resolvers: { Query: Record<string, GraphQLFieldResolver<unknown, Caller>>; Mutation: Record<string, GraphQLFieldResolver<unknown, Caller>> };
  /** Creates the correction tables once (later calls share the first); a no-op for a domain that takes no corrections. */
  prepare(): Promise<void>;
  /** Runs a notice delivery round now and waits for it (tests). */
  deliverNotices(): Promise<void>;
  stop(): void;
}

export function createCorrectionEngine<DB>(opts: {
  domain: string;
  kinds: KindMeta[];
  tables: Record<string, string>;
  store: Store<DB>;
  internalSecret: string;
  logger: Logger;
  setup?: CorrectionsSetup<DB> | undefined;
}): CorrectionEngine {
  const { domain, store, setup } = opts;
  // The engine reads the domain's tables by name, and its own beside them.
  const db = viewTables<AnyDB>(store.db);
  const delivery = setup ? loadCorrectionDeliveryConfig(setup.config, setup.env) : null;
  // On first use, not at construction: seeding builds a subgraph only to write its tables and closes it.
  let prepared: Promise<void> | null = null;
  const prepare = () => (prepared ??= setup ? migrateCorrectionTables(db, domain) : Promise.resolve());

  const dispatcher: NoticeDispatcher | null = delivery
    ? createNoticeDispatcher({
        db,
        prepare,
        domain,
        cfg: delivery,
        log: opts.logger,
        payload: async (n) => {
          const h = await correctionTables(db).selectFrom('correctionHistory').selectAll().where('id', '=', n.correctionId).executeTakeFirst();
          if (!h) return null;
          return { noticeId: n.id, recipient: n.recipient, domain, person: h.personId, kind: h.kind, recordId: `${h.kind}:${h.recordNumber}`, field: h.field, newValue: h.newValue, correctedAt: h.at };
        },
      })
    : null;

  const deps: CorrectionDeps = {
    ...buildKinds(domain, opts.kinds, opts.tables, setup?.spec),
    dialect: store.dialect,
    db,
    delivery,
    signer: createSigner(opts.internalSecret, domain),
    noticesDue: () => dispatcher?.kick(),
  };

  return {
    resolvers: {
      Query: {
        _correctionView: (_: unknown, args: unknown, ctx: Caller) => view(deps, readPerson(ctx), parseArgs(ViewArgs, args)),
        _correctionHistory: (_: unknown, args: unknown, ctx: Caller) => history(deps, readPerson(ctx), parseArgs(HistoryArgs, args)),
      },
      Mutation: {
        _requestCorrection: (_: unknown, args: { input: unknown }, ctx: Caller) => requestCorrection(deps, ctx, args.input),
        _confirmCorrection: (_: unknown, args: unknown, ctx: Caller) => confirmCorrection(deps, ctx, args),
      },
    },
    prepare,
    deliverNotices: () => dispatcher?.runOnce() ?? Promise.resolve(),
    stop: () => dispatcher?.stop(),
  };
}
export * from './rule-check.js';
