import type { Readable } from 'node:stream';

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

/** A value arriving from a domain; `cancel` lets the domain's answer go unread. */
export interface ValueStream extends AsyncIterable<Uint8Array> {
  cancel(): Promise<void>;
}

/** A domain's answer read as it arrives: the value still arriving, or the whole answer when it was not one to forward. */
export type StreamedValue = { kind: 'value'; value: ValueStream } | { kind: 'whole'; body: Buffer };

/** Bytes kept back from each chunk: enough to hold the answer's closing `}]}}` and the whitespace after it. */
const KEEP_BACK = 32;
const CLOSING = Buffer.from('}]}}');

/**
 * The value of the one key of a domain's `_entities` answer, streamed: the same
 * bytes onlyValueBytes(entityBytes(body), key) would give, without waiting for
 * the whole answer. The head (`{"data":{"_entities":[{"<key>":`, so no errors)
 * is checked before anything is handed on; an answer that starts otherwise is
 * read whole and returned as it is (Apollo answers then). What can only be
 * checked at the end (the closing `}]}}`, no `,"extensions":`) makes the value
 * fail mid-way: its response is then cut off, never completed.
 */
export async function streamOnlyValue(body: Readable, key: string): Promise<StreamedValue> {
  const head = Buffer.concat([HEAD, Buffer.from(`{"${key}":`)]);
  const source = drain(body);
  const first: Buffer[] = [];
  let size = 0;
  while (size < head.length) {
    const chunk = await source.next();
    if (chunk === null) return { kind: 'whole', body: Buffer.concat(first) };
    first.push(chunk);
    size += chunk.length;
  }
  const start = first.length === 1 ? first[0]! : Buffer.concat(first);
  if (!startsWith(start, head)) {
    const rest: Buffer[] = [start];
    for (let chunk = await source.next(); chunk !== null; chunk = await source.next()) rest.push(chunk);
    return { kind: 'whole', body: Buffer.concat(rest) };
  }
  const bytes = valueBytes(source, start.subarray(head.length));
  return { kind: 'value', value: { [Symbol.asyncIterator]: () => bytes, cancel: source.cancel } };
}

/** Chunks of a domain's answer, read as fast as the domain sends them whatever the client takes. */
interface Drained {
  next(): Promise<Buffer | null>;
  cancel(): Promise<void>;
}

/**
 * Reads the rest of a domain's answer eagerly, into memory, beside the client's
 * pace: the domain call (and its timeout) ends when the domain has answered, as
 * when the answer was read whole, and a slow client holds the page in the
 * gateway (as it did), not the domain's connection.
 */
function drain(body: Readable): Drained {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: unknown = null;
  // The consumer waiting for a chunk, if any (one consumer: the response being written).
  let wake: (() => void) | null = null;
  const finish = (err: unknown) => {
    if (ended) return;
    if (err !== null) failure = err;
    ended = true;
    wake?.();
  };
  body.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    wake?.();
  });
  body.once('end', () => finish(null));
  body.once('error', (err) => finish(err));
  // Destroyed without an error or an end (cancelled, or the connection closed): not a whole answer.
  body.once('close', () => finish(new Error('the domain answer ended before it was complete')));
  return {
    async next() {
      while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (queue.length > 0) return queue.shift()!;
      if (failure !== null) throw failure;
      return null;
    },
    cancel: async () => {
      body.destroy();
    },
  };
}

async function* valueBytes(source: Drained, first: Buffer): AsyncGenerator<Uint8Array> {
  // The last bytes handed on (a view, never a copy of a chunk), so `,"extensions":` split between two pieces is still seen.
  const overlap = EXTENSIONS.length - 1;
  let seen: Buffer = Buffer.alloc(0);
  const check = (piece: Buffer): Buffer => {
    if (piece.includes(EXTENSIONS) || Buffer.concat([seen, piece.subarray(0, overlap)]).includes(EXTENSIONS)) throw answerError('carries extensions');
    seen = piece.length >= overlap ? piece.subarray(piece.length - overlap) : Buffer.concat([seen, piece]).subarray(-overlap);
    return piece;
  };
  // Not yet handed on: at most KEEP_BACK bytes, a view of the last chunk (no chunk is copied).
  let held = first;
  let done = false;
  try {
    for (;;) {
      if (held.length > KEEP_BACK) {
        yield check(held.subarray(0, held.length - KEEP_BACK));
        held = held.subarray(held.length - KEEP_BACK);
      }
      const chunk = await source.next();
      if (chunk === null) break;
      if (chunk.length >= KEEP_BACK) {
        if (held.length > 0) yield check(held);
        held = chunk;
      } else held = Buffer.concat([held, chunk]);
    }
    done = true;
    let end = held.length;
    while (end > 0 && SPACE.has(held[end - 1]!)) end--;
    const tail = held.subarray(0, end);
    if (!startsWith(tail, CLOSING, tail.length - CLOSING.length)) throw answerError('does not end as an _entities answer');
    if (tail.length > CLOSING.length) yield check(tail.subarray(0, tail.length - CLOSING.length));
  } finally {
    // Stopped early (the client went away, or the answer was refused): the domain's connection is let go.
    if (!done) await source.cancel();
  }
}

const answerError = (why: string) => new Error(`A domain answer forwarded as it arrived ${why}: the response was cut off`);
