import type { Expression, ExpressionBuilder, SqlBool, Transaction } from 'kysely';
import { z } from 'zod';
import type { Recipient } from '../taxonomy.js';
import type { RecordRow } from './store.js';

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

/** A database of any domain, as the kit reads it (domain code keeps its precise types). */
export type AnyDB = Record<string, Record<string, unknown>>;

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
  return spec as unknown as CorrectableKindSpec<DB, never>;
}

// ---------------------------------------------------------------------------
// Rules: published from the zod schema itself.

export type CorrectionValueType = 'STRING' | 'BOOLEAN' | 'ENUM';

export interface PublishedRule {
  type: CorrectionValueType;
  format: string | null;
  required: boolean;
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
  allowedValues: string[] | null;
  description: string | null;
  jsonSchema: string;
}

type JsonSchema = {
  type?: string;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  description?: string;
};

/** The published rule of a field: read from zod's own JSON Schema of the field's schema. */
export function publishRule(spec: Pick<CorrectableFieldSpec<never>, 'schema' | 'description'>): PublishedRule {
  const doc = z.toJSONSchema(spec.schema, { unrepresentable: 'any' }) as JsonSchema & Record<string, unknown>;
  const variants = doc.anyOf ?? [doc];
  const nullable = variants.some((v) => v.type === 'null');
  const main = variants.find((v) => v.type !== 'null') ?? {};
  const type: CorrectionValueType = main.type === 'boolean' ? 'BOOLEAN' : main.enum ? 'ENUM' : 'STRING';
  // Several regexes (zod lists the others under allOf) become one: a lookahead each, so one test checks all.
  const patterns = [main.pattern, ...(main.allOf ?? []).map((p) => p.pattern)].filter((p): p is string => Boolean(p));
  const pattern = patterns.length <= 1 ? (patterns[0] ?? null) : `^${patterns.map((p) => `(?=${p})`).join('')}[\\s\\S]*$`;
  return {
    type,
    format: main.format ?? null,
    required: !nullable,
    minLength: main.minLength ?? null,
    maxLength: main.maxLength ?? null,
    pattern,
    allowedValues: type === 'BOOLEAN' ? ['true', 'false'] : main.enum ? main.enum.map(String) : null,
    description: spec.description ?? main.description ?? null,
    jsonSchema: JSON.stringify(doc),
  };
}

/** The text form of a value, as the API carries it. */
export function valueText(v: FieldValue): string | null {
  if (v === null) return null;
  return typeof v === 'boolean' ? String(v) : v;
}

/** Parses the text form of a new value into what the field's schema validates: booleans from true/false. */
export function parseValueText(type: CorrectionValueType, text: string | null): { ok: true; value: FieldValue } | { ok: false; message: string } {
  if (text === null) return { ok: true, value: null };
  if (type !== 'BOOLEAN') return { ok: true, value: text };
  if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
  return { ok: false, message: 'must be true or false' };
}

/** The current value of a field from its row: the column, with 0/1 read as a boolean for BOOLEAN fields. */
export function readField<Row>(spec: CorrectableFieldSpec<Row>, name: string, type: CorrectionValueType, row: Row): FieldValue {
  if (spec.read) return spec.read(row);
  const raw = (row as Record<string, unknown>)[spec.column ?? name];
  if (raw === null || raw === undefined) return null;
  if (type === 'BOOLEAN') return raw === true || raw === 1 || raw === '1' || raw === 't' || raw === 'true';
  return String(raw);
}

/** How a value is stored by the default apply: booleans as 1/0, like every domain's seed writes them. */
export function columnValue(v: FieldValue): string | number | null {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

// ---------------------------------------------------------------------------
// Masks for contact identifiers: enough to recognise, not enough to use.

/** j•••e@example.com */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  const local = email.slice(0, at);
  return `${local[0]}•••${local.length > 2 ? local[local.length - 1] : ''}${email.slice(at)}`;
}

/** +994 ••• ••67 (country code and the last two digits) */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '•••';
  const cc = phone.trim().startsWith('+') ? `+${digits.slice(0, 3)} ` : '';
  return `${cc}••• ••${digits.slice(-2)}`;
}

/** Anything else sensitive: the last 4 characters. */
export function maskTail(value: string): string {
  return value.length <= 4 ? '•••' : `•••${value.slice(-4)}`;
}

// ---------------------------------------------------------------------------
// Reusable zod rules, so domains that hold the same thing hold it to one rule.

/** E.164: a plus, the country code and the number, digits only (what couriers and SMS gateways need). */
export const PhoneE164 = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'Enter the number in international form, e.g. +994501234567')
  .meta({ format: 'phone' });

export const EmailAddress = z.email({ message: 'Enter an e-mail address like name@example.com' }).max(254, 'An e-mail address has at most 254 characters');

/** ISO 3166-1 alpha-2. */
export const CountryCode = z
  .string()
  .trim()
  .regex(/^[A-Z]{2}$/, 'Use the two-letter country code, e.g. AZ')
  .meta({ format: 'country' });

/** Text people type (names, labels): trimmed, no control characters. */
export function text(min: number, max: number, what = 'This'): z.ZodString {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? `${what} cannot be empty` : `${what} needs at least ${min} characters`)
    .max(max, `${what} can have at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, `${what} cannot contain control characters`);
}

/** Longer text that may span lines (notes, instructions): no control characters but line breaks and tabs. */
export function multiline(max: number, what = 'This'): z.ZodString {
  return z
    .string()
    .max(max, `${what} can have at most ${max} characters`)
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/u, `${what} cannot contain control characters`);
}
