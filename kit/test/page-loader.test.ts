import { describe, expect, it } from 'vitest';
import { PageLoader, whenLoaded } from '../src/page-loader.js';

/** A loader over a fixed map that records each batch it is asked for; `bad` keys come back as errors. */
function loader(bad: readonly number[] = []) {
  const batches: number[][] = [];
  const l = new PageLoader<number, string>(async (keys) => {
    batches.push([...keys]);
    return keys.map((k) => (bad.includes(k) ? new Error(`no value for ${k}`) : `v${k}`));
  });
  return { l, batches };
}

describe('PageLoader', () => {
  it('answers filled keys at once, without a promise, after one batch for the page', async () => {
    const { l, batches } = loader();
    await l.fill([3, 1, 3, 2]);
    expect(batches).toEqual([[3, 1, 2]]);
    expect(l.get(1)).toBe('v1');
    expect(l.get(3)).toBe('v3');
    expect(whenLoaded(l.get(2), (v) => v.toUpperCase())).toBe('V2');
    expect(batches).toHaveLength(1);
  });

  it('loads an unfilled key as DataLoader does: a promise, batched with its tick', async () => {
    const { l, batches } = loader();
    const a = l.get(7);
    const b = l.get(8);
    expect(a).toBeInstanceOf(Promise);
    expect(await whenLoaded(a, (v) => `${v}!`)).toBe('v7!');
    expect(await b).toBe('v8');
    expect(batches).toEqual([[7, 8]]);
  });

  it('shares one batch between pages that fill at once', async () => {
    const { l, batches } = loader();
    await Promise.all([l.fill([1, 2]), l.fill([2, 3])]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect([l.get(1), l.get(2), l.get(3)]).toEqual(['v1', 'v2', 'v3']);
  });

  it('leaves a key whose value failed unfilled, so its field reports the error', async () => {
    const { l } = loader([2]);
    await l.fill([1, 2]);
    expect(l.get(1)).toBe('v1');
    const failed = l.get(2);
    expect(failed).toBeInstanceOf(Promise);
    await expect(failed).rejects.toThrow('no value for 2');
  });

  it('splits a fill larger than the batch size into batches of that size', async () => {
    const batches: number[] = [];
    const l = new PageLoader<number, number>(
      async (keys) => {
        batches.push(keys.length);
        return keys.map((k) => k * 2);
      },
      { maxBatchSize: 4 },
    );
    await l.fill(Array.from({ length: 10 }, (_, i) => i));
    expect(batches).toEqual([4, 4, 2]);
    expect(l.get(9)).toBe(18);
  });
});
