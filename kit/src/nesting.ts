import { footprintError } from '@footprint/schema';
import type { GraphQLError } from 'graphql';

/**
 * How deep `{`, `(` and `[` may nest in a GraphQL document. graphql-js parses
 * recursively and overflows the stack near 2,000 levels (a RangeError it
 * reports as a syntax error, or a 500 elsewhere); a real query nests a few
 * dozen levels at most (the gateway's depth limit is 15 selections).
 */
export const DEFAULT_MAX_NESTING = 128;

const OPEN = new Set([0x7b, 0x28, 0x5b]); // { ( [
const CLOSE = new Set([0x7d, 0x29, 0x5d]); // } ) ]

/**
 * The deepest nesting of `{ ( [` in a GraphQL document, outside strings, block
 * strings and comments; stops counting once past `max`. One linear pass, no
 * recursion, so it is safe on any input the parser would choke on. Unbalanced
 * brackets are left for the parser to report.
 */
export function documentNesting(source: string, max = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23) {
      // # comment, to the end of the line
      while (i < n && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22) {
      if (source.startsWith('"""', i)) {
        // Block string: ends at the next """ not escaped as \"""
        i += 3;
        while (i < n && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        // String: ends at the next unescaped " or at the line's end (the parser reports that)
        i++;
        while (i < n) {
          const s = source.charCodeAt(i);
          if (s === 0x5c) i += 2;
          else if (s === 0x22 || s === 0x0a || s === 0x0d) break;
          else i++;
        }
      }
    } else if (OPEN.has(c)) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (CLOSE.has(c)) {
      if (depth > 0) depth--;
    }
  }
  return deepest;
}

/** LIMIT_EXCEEDED for a document nested deeper than `max`, before anything parses it; null when within. */
export function nestingError(source: unknown, max: number): GraphQLError | null {
  if (typeof source !== 'string' || documentNesting(source, max) <= max) return null;
  return footprintError('LIMIT_EXCEEDED', `Nesting limit of ${max} exceeded: the document nests {, ( or [ more than ${max} levels deep; send a shallower query`);
}
