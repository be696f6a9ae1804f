import { z } from 'zod';
import type { CorrectableFieldSpec, FieldValue } from './spec.js';

/** A field's rule, published from its zod schema itself, and the text form values travel in. */

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
