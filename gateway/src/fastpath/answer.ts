/**
 * The one entity of a domain's `_entities` answer, as JSON text, without
 * parsing it: `{"data":{"_entities":[<entity>]}}` and nothing else. Apollo
 * Server writes `errors` before `data` and `extensions` after it, so an answer
 * that starts so has no errors, and one without `,"extensions":` (no selection
 * of a fast plan is named so, see plan.ts; inside a JSON string a quote is
 * always escaped) has none; the entity is then everything in between.
 * Null when the answer is anything else: Apollo answers the operation then.
 */
const HEAD = '{"data":{"_entities":[';
const TAIL = ']}}';

export function entityText(text: string): string | null {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === ' ')) end--;
  if (!text.startsWith(HEAD) || !text.startsWith(TAIL, end - TAIL.length)) return null;
  if (text[HEAD.length] !== '{' || text[end - TAIL.length - 1] !== '}' || text.includes(',"extensions":')) return null;
  return text.slice(HEAD.length, end - TAIL.length);
}

/** The value of an entity's only key, as JSON text: `{"<key>":<value>}` → `<value>`. */
export function onlyValueText(entity: string, key: string): string | null {
  const head = `{"${key}":`;
  return entity.startsWith(head) ? entity.slice(head.length, -1) : null;
}
