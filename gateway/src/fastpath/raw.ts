import { randomBytes } from 'node:crypto';
import type { ValueStream } from './answer.js';

/**
 * Subgraph answers the fast path forwards as the JSON bytes they arrived in:
 * the result object holds a placeholder string in their place, and the HTTP
 * layer writes the text where Apollo Server serialised the placeholder. The
 * placeholder carries a secret of this process, so no value a client or a
 * subgraph sends can be taken for one.
 */
const PREFIX = `footprint-raw:${randomBytes(16).toString('hex')}:`;
const QUOTED = `"${PREFIX}`;
/** JSON to write: whole, or as it arrives (a domain's answer streamed through, answer.ts). */
export type RawJson = Buffer | ValueStream;

const byRequest = new WeakMap<object, RawJson[]>();

/** A placeholder for `json` within `request` (its context). */
export function rawPlaceholder(request: object, json: RawJson): string {
  let parts = byRequest.get(request);
  if (!parts) {
    parts = [];
    byRequest.set(request, parts);
  }
  parts.push(json);
  return `${PREFIX}${parts.length - 1}`;
}

/** The response body of `request` with every placeholder replaced by its JSON, as the chunks to write; undefined when it has none. */
export function spliceRaw(request: object, body: string): (string | RawJson)[] | undefined {
  const parts = byRequest.get(request);
  if (!parts) return undefined;
  byRequest.delete(request);
  const out: (string | RawJson)[] = [];
  const used = new Set<RawJson>();
  let at = 0;
  for (let i = body.indexOf(QUOTED); i >= 0; i = body.indexOf(QUOTED, at)) {
    const end = body.indexOf('"', i + QUOTED.length);
    const json = end < 0 ? undefined : parts[Number(body.slice(i + QUOTED.length, end))];
    if (json === undefined) throw new Error('A fast-path placeholder without its answer');
    out.push(body.slice(at, i), json);
    used.add(json);
    at = end + 1;
  }
  out.push(body.slice(at));
  // A streamed answer the body does not carry is let go, not left holding the domain's connection.
  for (const p of parts) if (!used.has(p) && !Buffer.isBuffer(p)) void p.cancel();
  return out;
}
