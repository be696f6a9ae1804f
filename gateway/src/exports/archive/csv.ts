import { valueAt, type Column } from './columns.js';

/**
 * RFC 4180 CSV, UTF-8 with a byte-order mark (so spreadsheet tools read the
 * text as UTF-8), CRLF line ends. Rules an importer needs, also written into
 * the manifest:
 * - a field with a comma, quote, CR or LF, or leading/trailing space, is quoted; quotes are doubled;
 * - null is an empty field; an empty string is "" (quoted) — as PostgreSQL's COPY reads them;
 * - lists are JSON text; booleans true/false; numbers as in JSON; dates ISO-8601;
 * - a text value that starts with = + - @ tab, CR or ' gets one extra leading ' so
 *   spreadsheets show it instead of running it as a formula (CSV injection);
 *   drop that first ' to get the value back.
 */
export const CSV_DIALECT = {
  standard: 'RFC 4180',
  encoding: 'UTF-8 with byte-order mark',
  lineEnd: 'CRLF',
  header: true,
  null: 'empty unquoted field',
  emptyString: '"" (quoted empty field)',
  lists: 'JSON text',
  booleans: 'true / false',
  formulaGuard: "a text value starting with = + - @ tab, CR or ' is written with one extra leading ' — remove it to read the value",
} as const;

export const CSV_BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function quote(s: string): string {
  return s === '' || NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvCell(value: unknown, column: Column): string {
  if (value === null || value === undefined) return '';
  if (column.json) return quote(JSON.stringify(value));
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    return quote(FORMULA_START.test(value) ? `'${value}` : value);
  }
  return quote(JSON.stringify(value));
}

export function csvHeader(columns: Column[]): string {
  return columns.map((c) => quote(c.name)).join(',') + '\r\n';
}

export function csvRow(record: Record<string, unknown>, columns: Column[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(valueAt(record, columns[i]!.path), columns[i]!);
  }
  return line + '\r\n';
}
