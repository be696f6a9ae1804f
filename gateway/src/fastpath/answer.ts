/**
 * The one entity of a domain's `_entities` answer, as the JSON bytes it
 * arrived in (not parsed, not even decoded): `{"data":{"_entities":[<entity>]}}`
 * and nothing else. Apollo
 * Server writes `errors` before `data` and `extensions` after it, so an answer
 * that starts so has no errors, and one without `,"extensions":` (no selection
 * of a fast plan is named so, see plan.ts; inside a JSON string a quote is
 * always escaped) has none; the entity is then everything in between.
 * Null when the answer is anything else: Apollo answers the operation then.
 */
const HEAD = Buffer.from('{"data":{"_entities":[');
const TAIL = Buffer.from(']}}');
const EXTENSIONS = Buffer.from(',"extensions":');
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const SPACE = new Set([0x0a, 0x0d, 0x20]);

const startsWith = (buf: Buffer, part: Buffer, at = 0) => at >= 0 && buf.length >= at + part.length && part.compare(buf, at, at + part.length) === 0;

export function entityBytes(body: Buffer): Buffer | null {
  let end = body.length;
  while (end > 0 && SPACE.has(body[end - 1]!)) end--;
  if (!startsWith(body, HEAD) || !startsWith(body, TAIL, end - TAIL.length)) return null;
  if (body[HEAD.length] !== OPEN || body[end - TAIL.length - 1] !== CLOSE || body.includes(EXTENSIONS)) return null;
  return body.subarray(HEAD.length, end - TAIL.length);
}

/** The value of an entity's only key, as JSON bytes: `{"<key>":<value>}` → `<value>`. */
export function onlyValueBytes(entity: Buffer, key: string): Buffer | null {
  const head = Buffer.from(`{"${key}":`);
  return startsWith(entity, head) ? entity.subarray(head.length, entity.length - 1) : null;
}
