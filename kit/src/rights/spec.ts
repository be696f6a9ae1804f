import type { Transaction } from 'kysely';
import type { Purpose } from '@footprint/schema';
import type { AnyDB, Store } from '../store.js';

/**
 * Erasure, restriction, objection and consent withdrawal, the domain side
 * (GDPR Art. 17, 18, 21, 7(3); policy §7, §9). What erasure does to a kind is
 * in its @personalData (erasure:, erasureFields:, erasureNote:, retainFor:,
 * retainFrom:); the kit carries it out, generically, in batched statements.
 * A domain adds here only what the kit cannot know: the child tables whose
 * rows go with a record, the columns an ANONYMIZE clears, what an objection or
 * a withdrawal also changes, and the processing it does (so the kit can stop it).
 */

/** The scopes the gateway's credential must carry (minted only inside its rights feature). */
export const ERASE_SCOPE = 'rights:erase';
export const RESTRICT_SCOPE = 'rights:restrict';
/** Running a domain's processing activity for a person from outside (a product, a scheduler, a test): _runProcessing. */
export const PROCESS_SCOPE = 'rights:process';
/** The gateway reading a domain's own consent records across people (_consentChanges): a credential naming no person. */
export const CONSENT_FEED_SCOPE = 'rights:consent-feed';

export type RightsPurpose = 'AD_PROFILING' | 'DIRECT_MARKETING';
export const RIGHTS_PURPOSES: readonly RightsPurpose[] = ['AD_PROFILING', 'DIRECT_MARKETING'];
export type RestrictionGround = 'PERSON_REQUEST' | 'CONTESTED_ACCURACY' | 'LEGAL_HOLD' | 'OBJECTION';
export const RESTRICTION_GROUNDS: readonly RestrictionGround[] = ['PERSON_REQUEST', 'CONTESTED_ACCURACY', 'LEGAL_HOLD', 'OBJECTION'];

/**
 * A table of rows that belong to one record (order items, a contact's phone
 * numbers): `column` holds the record's `parentColumn` (default its id).
 * `personColumn` also scopes the child rows to the person (when the parent
 * key is not unique across people, e.g. a conversation's routing id).
 */
export interface ChildTable {
  table: string;
  column: string;
  parentColumn?: string;
  personColumn?: string;
  /** RETAIN: the columns of a retained record's child rows its legal ground does not need, and the value each gets (as the kind's clearOnRetain). */
  clearOnRetain?: Record<string, string | number | null>;
}

export interface ErasureKindSpec {
  kind: string;
  /** Child rows that go with the records when they are deleted (and, for ANONYMIZE, are deleted with the cleared fields). */
  children?: ChildTable[];
  /**
   * ANONYMIZE: the columns set, in one UPDATE over the person's records, and
   * the value each gets (null clears it; a constant generalises it).
   */
  anonymize?: Record<string, string | number | null>;
  /**
   * RETAIN: the stored columns of personal data that @personalData(retainFields:) does not keep
   * (columns no GraphQL field shows included, such as a payment token), and the value each gets
   * when the record is put under its legal hold: null clears it; a NOT NULL column gets an empty value.
   */
  clearOnRetain?: Record<string, string | number | null>;
  /**
   * ANONYMIZE: the columns that lead to another of the domain's person-owned kinds (a delivery's order id and
   * number). Each must be cleared by `anonymize` (a kept key would lead back to the person through the other
   * record); `deleteWithParent` deletes the person's records whose parent the same erasure deletes (or that is gone).
   */
  joinKeys?: JoinKey[];
  /**
   * Consent withdrawal for a purpose of this CONSENT kind: ERASE (default when
   * its retention is UNTIL_WITHDRAWN) or KEEP (stop processing, keep the record).
   */
  onWithdrawal?: 'ERASE' | 'KEEP';
  /** Runs in the kind's erasure transaction after its records are gone: set-based clean-up of what only they used (e.g. correspondents). */
  afterErase?(trx: Transaction<AnyDB>, ctx: RightsHookContext): Promise<void>;
  /**
   * Runs in the kind's erasure transaction after its records are gone: marks the stored files (cloud's photos) no record
   * holds any more, to be deleted once the transaction has committed (RightsSpec.afterErasure), and says how many; the
   * kind's receipt counts them (filesDeleted).
   */
  eraseFiles?(trx: Transaction<AnyDB>, ctx: RightsHookContext): Promise<number>;
}

/** A column of an ANONYMIZE kind's table holding `parentColumn` (default id) of a record of `kind`. */
export interface JoinKey {
  column: string;
  kind: string;
  parentColumn?: string;
  deleteWithParent?: boolean;
}

/** What a hook may do while the kit's transaction is open. */
export interface RightsHookContext {
  person: string;
  /** ISO-8601 time of the request. */
  now: string;
  /** The person's data region (§11), from their records in this domain; null when the domain holds none. */
  region: string | null;
  reason: string | null;
}

/** A processing activity of the domain: the kit tells whether it may run for a person now. */
export interface ProcessingActivity<DB = AnyDB> {
  name: string;
  description: string;
  /** The kinds it reads or writes: a restriction in force on any of them stops it for the person. */
  kinds: string[];
  /** The objection that stops it (absolute, Art. 21(3)). */
  objection?: RightsPurpose;
  /** The consent it relies on: withdrawing consent for this purpose stops it. */
  consent?: Purpose;
  /**
   * Runs the activity for one person (the trigger _runProcessing calls): asks the kit first, as every
   * caller does, and says what it did or why not. `input` is the caller's JSON, for the runner to validate.
   */
  run?(host: ProcessingHost<DB>, person: string, input: unknown): Promise<ProcessingOutcome>;
}

/** What a runner gets: the rights engine (processingAllowed) and the domain's store (as the domain's own code types it). */
export interface ProcessingHost<DB> {
  rights: { processingAllowed(person: string, activity: string): Promise<ProcessingDecision>; processingAllowedFor(people: readonly string[], activity: string): Promise<Map<string, ProcessingDecision>> };
  store: Store<DB>;
}

export interface ProcessingOutcome {
  done: number;
  refused: { code: string; reason: string } | null;
}

export interface RightsSpec<DB> {
  kinds?: ErasureKindSpec[];
  /**
   * A table of the domain's own consent records (columns purpose, granted 0/1, at, channel), e.g. those an app's
   * settings wrote before the rights existed: then they are the domain's consent state — the latest record per
   * purpose by `at` — and a change through the rights is recorded there by the domain's hooks as well.
   */
  consentRecords?: { table: string };
  activities?: ProcessingActivity<DB>[];
  /** Per objection: the kinds erased (e.g. ad segments) and what else the domain records (e.g. the objection record). */
  objections?: Partial<Record<RightsPurpose, { erase?: string[]; apply?(trx: Transaction<DB>, ctx: RightsHookContext): Promise<void> }>>;
  /** What the domain records on a consent withdrawal beyond stopping and erasing (e.g. the account's consent records). */
  onWithdrawal?(trx: Transaction<DB>, purpose: Purpose, ctx: RightsHookContext): Promise<void>;
  /** What the domain records when consent is given again (e.g. the account's consent record, granted). */
  onConsentGiven?(trx: Transaction<DB>, purpose: Purpose, ctx: RightsHookContext): Promise<void>;
  /**
   * Runs after each erase call's transactions have committed, a replay's included: what lies outside the
   * database (cloud's files no record refers to any more). It must be safe to run again, since a crash before it
   * ran leaves its work to the next call; a failure fails the erase call, so the gateway asks again.
   */
  afterErasure?(store: Store<DB>): Promise<void>;
}

/** Types a domain's rights rules against its database. */
export function defineRights<DB>(spec: RightsSpec<DB>): RightsSpec<DB> {
  return spec;
}

/** Why an activity may not run for a person now. */
export interface ProcessingRefusal {
  allowed: false;
  /** RESTRICTED, OBJECTED or CONSENT_WITHDRAWN. */
  code: 'RESTRICTED' | 'OBJECTED' | 'CONSENT_WITHDRAWN';
  reason: string;
}
export type ProcessingDecision = { allowed: true } | ProcessingRefusal;

/** A database the kit writes through loosely (domain code keeps its precise types). */
export type RightsDB = AnyDB;
