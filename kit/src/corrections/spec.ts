import type { Expression, ExpressionBuilder, SqlBool, Transaction } from 'kysely';
import type { z } from 'zod';
import type { Recipient } from '@footprint/schema';
import type { AnyDB, RecordRow } from '../store.js';

/**
 * Corrections, the domain side (GDPR Art. 16; policy §9). A domain lists its
 * correctable fields once, each with the zod schema it validates with; the kit
 * publishes the rule from that same schema (machine-readable, so neither the
 * gateway nor the page holds a copy), validates, applies atomically, keeps the
 * history, records the Art. 19 notices and runs the one-time-code flow.
 */

/** What a value is, once parsed from its text form. */
export type FieldValue = string | boolean | null;

export type ConfirmationChannel = 'EMAIL' | 'PHONE';

export interface CorrectableFieldSpec<Row> {
  label: string;
  /** The rule, defined once: the kit validates with it and publishes it (type, length, pattern, allowed values). */
  schema: z.ZodType<FieldValue>;
  /** Column that holds the value; default: the field name. */
  column?: string;
  /** The current value, when it is not simply the column (default: the column, 0/1 read as booleans). */
  read?(row: Row): FieldValue;
  /** Shows the current value masked (contact identifiers). */
  mask?(value: string): string;
  /** A new value takes effect only after a one-time code sent to it is confirmed. */
  confirmWith?: ConfirmationChannel;
  /** Recipients beyond the kind's @personalData recipients that must be told of a correction (say why where it is used). */
  alsoNotify?: Recipient[];
  /** The rule in words, for people. */
  description?: string;
}

export interface CorrectionContext {
  person: string;
  /** ISO-8601 time of the correction. */
  now: string;
}

export interface CorrectableKindSpec<DB, Row extends RecordRow = RecordRow> {
  /** The inventory kind; its @personalData must say correctable: true. */
  kind: string;
  fields: Record<string, CorrectableFieldSpec<Row>>;
  /** A short description of one record, to tell it from others of its kind. */
  label(row: Row): string;
  /** Which of the person's records can be corrected now; the others are history (say which in `scope`). */
  where?(eb: ExpressionBuilder<AnyDB, string>): Expression<SqlBool>;
  /** In words, what `where` keeps (shown in the view) and, for a record it leaves out, why it cannot be corrected. */
  scope?: string;
  /** Column stamped with the time of a correction (e.g. updatedAt). */
  touch?: string;
  /** A rule that needs the store (uniqueness): the message for the field, or null when the value is fine. */
  check?(trx: Transaction<DB>, row: Row, field: string, value: FieldValue, ctx: CorrectionContext): Promise<string | null>;
  /** How a valid correction is stored; default: update the field's column of that record. */
  apply?(trx: Transaction<DB>, row: Row, field: string, value: FieldValue, ctx: CorrectionContext): Promise<void>;
}

export interface CorrectionSpec<DB> {
  kinds: CorrectableKindSpec<DB, never>[];
}

/**
 * A domain's correction rules. Typed per kind through `kind()`, so each kind's
 * callbacks see its own row type.
 */
export function defineCorrections<DB>(kinds: CorrectableKindSpec<DB, never>[]): CorrectionSpec<DB> {
  return { kinds };
}

/** One kind of a domain's correction rules, with its own row type. */
export function correctableKind<DB, Row extends RecordRow>(spec: CorrectableKindSpec<DB, Row>): CorrectableKindSpec<DB, never> {
  return spec;
}
