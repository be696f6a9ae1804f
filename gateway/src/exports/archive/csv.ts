import { valueAt, type Column } from './columns.js';

/**
 * RFC 4180 CSV, UTF-8 with a byte-order mark (so spreadsheet tools read the
 * text as UTF-8), CRLF line ends. How each column is written is decided by its
 * GraphQL type (csvColumnKind), so that a spreadsheet shows every value as it
 * is in the JSON file and never runs a formula:
 * - number (Int, Float): as in JSON; boolean: true / false; list: JSON text;
 * - text (String, ID, enums, DateTime): as is — except a value a spreadsheet
 *   would take for a number, date, time or boolean (a phone number "+994…", an
 *   order number of 20 digits, "00123") or for a formula (starting with = + - @,
 *   tab or CR). Such a value is written as the text constant ="<value>" (quotes
 *   doubled): spreadsheets show exactly the value, as text, and nothing can run.
 *   A program reads it back by taking what is between =" and the last ".
 * - null is an empty field; an empty string is "" (quoted) — as PostgreSQL's COPY reads them.
 * These rules are also written into the manifest (csv) and index.html.
 */
export const CSV_DIALECT = {
  standard: 'RFC 4180',
  encoding: 'UTF-8 with byte-order mark',
  lineEnd: 'CRLF',
  header: true,
  null: 'empty unquoted field',
  emptyString: '"" (quoted empty field)',
  columns: {
    number: 'Int and Float columns: the number as in JSON',
    boolean: 'Boolean columns: true / false',
    list: 'list columns: JSON text',
    text: 'String, ID, enum and DateTime columns: the text as is, except a value a spreadsheet would turn into a number, date, time or boolean, or run as a formula (starting with = + - @, tab or CR): that is written as ="<value>" (quotes doubled), which spreadsheets show as exactly <value>',
  },
  textConstant: 'a text cell of the form ="…" holds the text between =" and the last ", with "" for each "',
} as const;

export type CsvColumnKind = keyof typeof CSV_DIALECT.columns;

/** The per-type decision: how a column's values are written. */
export function csvColumnKind(column: Column): CsvColumnKind {
  if (column.json) return 'list';
  if (column.type === 'Int' || column.type === 'Float') return 'number';
  if (column.type === 'Boolean') return 'boolean';
  return 'text';
}

export const CSV_BOM = '\uFEFF';
/** What spreadsheets run as a formula (OWASP's list for CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/**
 * What spreadsheets turn into a number, date, time, percentage or boolean — and
 * so lose a leading + or 0, or digits past the 15th: only digits and the signs,
 * separators and exponents numbers and dates are written with, or TRUE/FALSE.
 */
const LOOKS_TYPED = /^[\s\d+\-().,:/eE%]*\d[\s\d+\-().,:/eE%]*$|^\s*(true|false)\s*$/i;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function quote(s: string): string {
  return s === '' || NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A text value as a spreadsheet must show it: as is, or as the constant ="<value>" when it would be converted or run. */
export function spreadsheetText(s: string): string {
  return FORMULA_START.test(s) || LOOKS_TYPED.test(s) ? `="${s.replace(/"/g, '""')}"` : s;
}

export function csvCell(value: unknown, column: Column): string {
  if (value === null || value === undefined) return '';
  const kind = csvColumnKind(column);
  if (kind === 'list') return quote(JSON.stringify(value));
  if (typeof value === 'boolean' || typeof value === 'number') return kind === 'text' ? quote(spreadsheetText(String(value))) : String(value);
  if (typeof value === 'string') return quote(kind === 'text' ? spreadsheetText(value) : value);
  return quote(spreadsheetText(JSON.stringify(value)));
}

/**
 * The header row: each column's label in the archive's language (`labels`, same order as `columns`), or its name.
 * The manifest keeps each column's machine name and type beside its label, in the same order.
 */
export function csvHeader(columns: Column[], labels?: string[]): string {
  return `${columns.map((c, i) => quote(labels?.[i] ?? c.name)).join(',')}\r\n`;
}

export function csvRow(record: Record<string, unknown>, columns: Column[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(valueAt(record, columns[i]!.path), columns[i]!);
  }
  return `${line}\r\n`;
}
