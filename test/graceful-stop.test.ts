import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway, startSubgraph, type Proc } from './support/exports.js';

/**
 * SIGTERM and SIGINT stop a service the way its entry point says (a subgraph:
 * close the server, then its store; the gateway: hand running jobs back, then
 * close its store) and it exits 0. Apollo Server's own signal handler, on by
 * default, used to stop Apollo alone and re-raise the signal, so the process
 * died of it (exit 143) with its store still open.
 */
const dirs: string[] = [];
const procs: Proc[] = [];
// As `npm start` runs them: Apollo Server installs its signal handlers unless NODE_ENV is "test" (vitest's).
const env = { NODE_ENV: 'development' };
afterAll(async () => {
  for (const p of procs) await p.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Sends the signal and waits for the exit: the code, or the signal that ended it. */
async function stopWith(p: Proc, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => p.child.once('exit', (code, sig) => r({ code, signal: sig })));
  p.child.kill(signal);
  return exited;
}

describe('a service stopped by a signal', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`exits 0 on ${signal} after closing its store (subgraph and gateway)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'footprint-stop-'));
      dirs.push(dir);
      const themes = await startSubgraph('themes', dir, env);
      procs.push(themes);
      const gateway = await startGateway(dir, { themes: themes.url }, env);
      procs.push(gateway);
      // Both have written their stores (migrations): SQLite keeps a -wal file until the last connection closes.
      expect(existsSync(join(dir, 'themes.db-wal'))).toBe(true);

      expect(await stopWith(gateway, signal)).toEqual({ code: 0, signal: null });
      expect(await stopWith(themes, signal)).toEqual({ code: 0, signal: null });
      // A closed store checkpoints and removes its write-ahead log.
      expect(existsSync(join(dir, 'themes.db-wal'))).toBe(false);
      expect(existsSync(join(dir, 'gateway.db-wal'))).toBe(false);
    }, 120_000);
  }
});
