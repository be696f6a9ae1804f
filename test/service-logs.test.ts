import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchFederation, serviceLogs, type Federation } from '@footprint/scripts/federation';

/**
 * Services a test starts quietly keep the end of what they print (test/support/service-logs.ts turns it on
 * for the cross-service project and prints it when a test fails): a federation that does not start says
 * what its service printed, and a service's kept log runs across its restarts.
 */
const dirs: string[] = [];
let fed: Federation | null = null;
afterAll(async () => {
  await fed?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'footprint-service-logs-'));
  dirs.push(d);
  return d;
};

describe('services started quietly keep their logs', () => {
  it('a subgraph that cannot start: the error carries what it printed, not only its exit code', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'music.db'), 'not a database');
    const launch = launchFederation({ dataDir, only: ['music'], stdio: 'ignore', env: { LOG_LEVEL: 'warn' } });
    await expect(launch).rejects.toThrow(/subgraph music exited \(code 1\) before it was healthy[\s\S]*--- music \(port \d+\) ---[\s\S]*file is not a database/);
  });

  it("keeps a service's output across a restart, for a failing test to print", async () => {
    fed = await launchFederation({ dataDir: tempDir(), only: ['music'], stdio: 'ignore', env: { LOG_LEVEL: 'info' } });
    const music = fed.subgraphs.get('music')!;
    const firstPid = music.child.pid;
    await fed.restart('music');
    const log = serviceLogs([music]);
    expect(log).toMatch(/^--- music \(port \d+\) ---\n/);
    // Its own lines (pino JSON at info), then the graceful stop and the second run.
    expect(log).toMatch(/"level":30/);
    expect(log).toMatch(new RegExp(`\\[exited: code 0\\]\\n\\[started again, pid ${music.child.pid}\\]`));
    expect(music.child.pid).not.toBe(firstPid);
    // Every service this file started quietly is in the file's logs (what the setup file prints on a failure).
    expect(serviceLogs()).toContain(log);
  });
});
