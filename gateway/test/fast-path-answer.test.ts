import { describe, expect, it } from 'vitest';
import { entityBytes, onlyValueBytes } from '../src/fastpath/answer.js';
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

  it('writes the bytes where the placeholder was serialised, and nothing a value merely resembles', () => {
    const request = {};
    const p = rawPlaceholder(request, b('{"nodes":["é"]}'));
    const body = JSON.stringify({ data: { person: { id: 'footprint-raw:0', cloud: p } } });
    expect(Buffer.concat((spliceRaw(request, body) ?? []).map((c) => (typeof c === 'string' ? b(c) : c))).toString('utf8')).toBe('{"data":{"person":{"id":"footprint-raw:0","cloud":{"nodes":["é"]}}}}');
    // Once written, the request holds nothing; a body of another request is left alone.
    expect(spliceRaw(request, body)).toBeUndefined();
    expect(spliceRaw({}, body)).toBeUndefined();
  });
});
