import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { entityBytes, onlyValueBytes, streamOnlyValue } from '../src/fastpath/answer.js';
import { rawPlaceholder, spliceRaw } from '../src/fastpath/raw.js';

const b = (s: string) => Buffer.from(s);
const text = (x: Buffer | null) => x?.toString('utf8') ?? null;

describe('a domain answer forwarded as its bytes', () => {
  it('takes the one entity of an answer that is data alone', () => {
    expect(text(entityBytes(b('{"data":{"_entities":[{"cloud":{"a":[1,{"b":"}]}}"}]}}]}}\n')))).toBe('{"cloud":{"a":[1,{"b":"}]}}"}]}}');
    expect(text(onlyValueBytes(entityBytes(b('{"data":{"_entities":[{"cloud":null}]}}'))!, 'cloud'))).toBe('null');
    expect(onlyValueBytes(b('{"music":{}}'), 'cloud')).toBeNull();
  });

  it('refuses errors, extensions, a null entity and anything else', () => {
    for (const body of [
      '{"errors":[{"message":"x"}],"data":{"_entities":[{"cloud":null}]}}',
      '{"data":{"_entities":[{"cloud":{"x":[1]}}]},"extensions":{"y":[{"z":1}]}}',
      '{"data":{"_entities":[null]}}',
      '{"data":{"_entities":[]}}',
      '{"data":null}',
      'not json',
      '',
    ]) expect(entityBytes(b(body)), body).toBeNull();
  });

  /** `body` as a stream of chunks of `size` bytes (the last shorter), noting how much was pulled and whether it was let go before its end. */
  const chunked = (body: string, size: number) => {
    const bytes = b(body);
    const state = { cancelled: false, pulled: 0 };
    let at = 0;
    const stream = new Readable({
      read() {
        if (at >= bytes.length) return void this.push(null);
        const c = Buffer.from(bytes.subarray(at, at + size));
        at += size;
        state.pulled += c.length;
        this.push(c);
      },
      destroy(err, cb) {
        if (!this.readableEnded) state.cancelled = true;
        cb(err);
      },
    });
    return { stream, state };
  };
  const drain = async (it: AsyncIterable<Uint8Array>) => {
    const parts: Uint8Array[] = [];
    for await (const c of it) parts.push(c);
    return Buffer.concat(parts).toString('utf8');
  };

  it('streamed: the same value as read whole, however the answer is cut into chunks', async () => {
    const value = `{"nodes":[${Array.from({ length: 300 }, (_, i) => `{"id":"x:${i}","t":"é}]}}\\n"}`).join(',')}]}`;
    for (const body of [`{"data":{"_entities":[{"cloud":${value}}]}}\n`, `{"data":{"_entities":[{"cloud":${value}}]}}`, '{"data":{"_entities":[{"cloud":null}]}}']) {
      const whole = text(onlyValueBytes(entityBytes(b(body))!, 'cloud'));
      for (const size of [1, 3, 31, 32, 33, 64, 4096, 1 << 20]) {
        const { stream } = chunked(body, size);
        const read = await streamOnlyValue(stream, 'cloud');
        expect(read.kind, `${size}`).toBe('value');
        if (read.kind === 'value') expect(await drain(read.value), `chunks of ${size}`).toBe(whole);
      }
    }
  });

  it('streamed: an answer with errors, or for another key, is read whole and given back as it came', async () => {
    for (const body of ['{"errors":[{"message":"x"}],"data":{"_entities":[{"cloud":null}]}}', '{"data":{"_entities":[{"music":{}}]}}', '{"data"', '']) {
      const read = await streamOnlyValue(chunked(body, 5).stream, 'cloud');
      expect(read).toEqual({ kind: 'whole', body: b(body) });
    }
  });

  it('streamed: an answer that ends otherwise, or carries extensions, fails mid-way and lets the domain go', async () => {
    const pad = 'x'.repeat(200);
    for (const body of [
      `{"data":{"_entities":[{"cloud":{"a":"${pad}"}}]},"extensions":{"y":[{}]}}`,
      `{"data":{"_entities":[{"cloud":{"a":"${pad}"}}]},"extensions":{"y":1}}`,
      `{"data":{"_entities":[{"cloud":{"a":"${pad}"`,
    ]) {
      for (const size of [1, 7, 16, 33, 100, 4096]) {
        const read = await streamOnlyValue(chunked(body, size).stream, 'cloud');
        expect(read.kind).toBe('value');
        if (read.kind === 'value') await expect(drain(read.value), `${body} in chunks of ${size}`).rejects.toThrow(/cut off/);
      }
    }
    // A reader that stops early (the client went away) cancels the domain's stream, even one still sending.
    let cancelled = false;
    const endless = new Readable({
      read() {},
      destroy(err, cb) {
        cancelled = true;
        cb(err);
      },
    });
    endless.push(b(`{"data":{"_entities":[{"cloud":{"a":"${pad}`));
    const read = await streamOnlyValue(endless, 'cloud');
    if (read.kind !== 'value') throw new Error('expected a value');
    for await (const _ of read.value) break;
    expect(cancelled).toBe(true);
  });

  it('streamed: the answer of a domain is read to its end at its own pace, not the client pace', async () => {
    const body = `{"data":{"_entities":[{"cloud":{"a":"${'y'.repeat(5000)}"}}]}}`;
    const { stream, state } = chunked(body, 100);
    const read = await streamOnlyValue(stream, 'cloud');
    if (read.kind !== 'value') throw new Error('expected a value');
    // Nothing taken by the client yet: the domain's answer is read all the same (its call, and its timeout, end).
    await new Promise((r) => setTimeout(r, 50));
    expect(state.pulled).toBe(Buffer.byteLength(body));
    expect(state.cancelled).toBe(false);
    expect(await drain(read.value)).toBe(`{"a":"${'y'.repeat(5000)}"}`);
  });

  it('writes the bytes where the placeholder was serialised, and nothing a value merely resembles', () => {
    const request = {};
    const p = rawPlaceholder(request, b('{"nodes":["é"]}'));
    const body = JSON.stringify({ data: { person: { id: 'footprint-raw:0', cloud: p } } });
    expect(Buffer.concat((spliceRaw(request, body) ?? []).map((c) => (typeof c === 'string' ? b(c) : c))).toString('utf8')).toBe('{"data":{"person":{"id":"footprint-raw:0","cloud":{"nodes":["é"]}}}}');
    // A streamed answer the body does not carry (a placeholder Apollo's answer dropped) is let go.
    const other = {};
    let cancelled = 0;
    rawPlaceholder(other, { [Symbol.asyncIterator]: async function* () {}, cancel: async () => void cancelled++ });
    const kept = rawPlaceholder(other, b('1'));
    expect(spliceRaw(other, JSON.stringify({ data: { x: kept } }))?.length).toBe(3);
    expect(cancelled).toBe(1);
    // Once written, the request holds nothing; a body of another request is left alone.
    expect(spliceRaw(request, body)).toBeUndefined();
    expect(spliceRaw({}, body)).toBeUndefined();
  });
});
