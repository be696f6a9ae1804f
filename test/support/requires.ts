import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { TEST_POSTGRES_URL } from './engine.js';

/**
 * The parts beyond Node a test file needs, named at its top: `await requires('redis')`.
 * A missing part fails the file with a message saying how to get it — never a silent skip —
 * except Chromium and Radicale outside CI (`CI` unset), where the page tests and the CardDAV push
 * test skip with a message instead (`describe.skipIf(part.skip)`), as a laptop without them is normal.
 */
export type Part = 'redis' | 'postgres' | 'chromium' | 'haproxy' | 'radicale';

export interface Requirement {
  part: Part;
  /** Where it was looked for: a URL, or a binary's path. */
  at: string;
  /** True only for Chromium or Radicale outside CI when it is missing: the caller skips the tests that need it. */
  skip: boolean;
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM = process.env.FOOTPRINT_CHROMIUM ?? '/usr/bin/chromium';
const HAPROXY_PATHS = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'];
/** Radicale's command (Debian's radicale package), or FOOTPRINT_RADICALE naming another. */
export const RADICALE_PATHS = process.env.FOOTPRINT_RADICALE ? [process.env.FOOTPRINT_RADICALE] : ['/usr/bin/radicale', '/usr/local/bin/radicale'];
/** Parts whose absence outside CI skips the tests that need them, with a message. */
const OPTIONAL_OUTSIDE_CI: ReadonlySet<Part> = new Set(['chromium', 'radicale']);

const HOW: Record<Part, string> = {
  redis: 'start a Redis server (apt-get install -y redis-server) or set REDIS_URL',
  postgres: 'start PostgreSQL with trust auth for postgres (apt-get install -y postgresql) or set FOOTPRINT_TEST_POSTGRES_URL',
  chromium: 'bash scripts/setup-system.sh (Debian chromium), or set FOOTPRINT_CHROMIUM',
  haproxy: 'bash scripts/setup-system.sh (Debian haproxy)',
  radicale: 'bash scripts/setup-system.sh (Debian radicale), or set FOOTPRINT_RADICALE',
};

/** Whether something accepts TCP connections at the URL's host and port (a server that is up). */
function listening(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function find(part: Part): Promise<{ at: string; present: boolean }> {
  switch (part) {
    case 'redis':
      return { at: REDIS_URL, present: await listening(REDIS_URL, 6379) };
    case 'postgres':
      return { at: TEST_POSTGRES_URL, present: await listening(TEST_POSTGRES_URL, 5432) };
    case 'chromium':
      return { at: CHROMIUM, present: existsSync(CHROMIUM) };
    case 'haproxy': {
      const at = HAPROXY_PATHS.find((p) => existsSync(p));
      return { at: at ?? HAPROXY_PATHS.join(' or '), present: at !== undefined };
    }
    case 'radicale': {
      const at = RADICALE_PATHS.find((p) => existsSync(p));
      return { at: at ?? RADICALE_PATHS.join(' or '), present: at !== undefined };
    }
  }
}

export async function requires(part: Part): Promise<Requirement> {
  const { at, present } = await find(part);
  if (present) return { part, at, skip: false };
  const message = `this test needs ${part} (looked for ${at}): ${HOW[part]}`;
  if (OPTIONAL_OUTSIDE_CI.has(part) && !process.env.CI) {
    console.warn(`SKIPPED: ${message}. In CI (CI set) this fails.`);
    return { part, at, skip: true };
  }
  throw new Error(message);
}
