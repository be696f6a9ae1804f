import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeNetworkError } from '../src/network-error.js';
import { FETCH_BLOCKED_PORTS, portProblem } from '@footprint/schema';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const fetchCause = async (port: number) => {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return 'answered';
  } catch (err) {
    return describeNetworkError(err);
  }
};

describe('ports fetch refuses', () => {
  it('are exactly the ones Node\'s fetch calls "bad port" (the listed ones, and not their neighbours)', async () => {
    for (const port of FETCH_BLOCKED_PORTS) expect(await fetchCause(port), String(port)).toBe('fetch failed: bad port');
    for (const port of [4000, 4001, 5999, 6001, 8080, 10081]) expect(await fetchCause(port), String(port)).not.toMatch(/bad port/);
  });
  it('are named with the reason, and other ports pass', () => {
    expect(portProblem(6000)).toBe('port 6000 is blocked by fetch (a "bad port" of the Fetch standard): clients and the gateway could not reach it; choose another');
    expect(portProblem(70000)).toBe('70000 is not a TCP port (0–65535)');
    expect(portProblem(4000)).toBeNull();
    expect(portProblem(0)).toBeNull();
  });
});

describe('network errors', () => {
  it('say the cause fetch keeps behind "fetch failed"', async () => {
    const port = await closedPort();
    expect(await fetchCause(port)).toBe(`fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
  it('join a chain of causes once each', () => {
    const err = new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'EPIPE' }) });
    expect(describeNetworkError(err)).toBe('outer: inner (EPIPE)');
    expect(describeNetworkError('plain')).toBe('plain');
  });
});
