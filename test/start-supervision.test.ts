import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { freePort } from '@footprint/scripts/federation';
import { bearer, gql, subjectToken } from './support/client.js';

/**
 * `npm start` (scripts/dist/start.js) as a user runs it — its own data folder,
 * free ports — with its services killed from outside: a crashed subgraph is
 * restarted while the gateway keeps serving the other domains, and a subgraph
 * that cannot start again makes the launcher give up with exit code 1.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'footprint-start-'));
let launcher: ChildProcess | null = null;
let output = '';

afterAll(async () => {
  if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
    const gone = new Promise((r) => launcher!.once('exit', r));
    launcher.kill('SIGTERM');
    await gone;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Waits until the launcher's output matches `re` (after `from`), or it exits. */
async function waitForOutput(re: RegExp, from = 0, timeoutMs = 120_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = re.exec(output.slice(from));
    if (m) return m;
    if (launcher!.exitCode !== null) throw new Error(`npm start exited (${launcher!.exitCode}) before printing ${re}:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`npm start did not print ${re} within ${timeoutMs} ms:\n${output.slice(-3000)}`);
}

const FOOTPRINT = '{ me { account { profile { nodes { name } } } music { discovery { kinds { kind count } } } } }';
type Answer = { me: { account: { profile: { nodes: { name: string }[] } } | null; music: { discovery: { kinds: { kind: string; count: number }[] } } | null } };

describe('npm start supervises its services', () => {
  it('restarts a killed subgraph while the others keep serving, and exits 1 when one cannot be kept running', async () => {
    const port = await freePort();
    launcher = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'start.js')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        FOOTPRINT_DATA_DIR: dataDir,
        PORT: String(port),
        FOOTPRINT_START_PORTS: 'free',
        LOG_LEVEL: 'warn',
        FOOTPRINT_RESTART_MAX: '2',
        FOOTPRINT_RESTART_DELAY_MS: '200',
        FOOTPRINT_SUBGRAPH_TIMEOUT_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => launcher!.once('exit', (code) => r(code)));
    launcher.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    launcher.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));

    await waitForOutput(/Footprint is running\./, 0, 170_000);
    const pids = Object.fromEntries([...(await waitForOutput(/processes (.*)/)).at(1)!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    expect(Object.keys(pids)).toContain('music');
    const url = `http://127.0.0.1:${port}/graphql`;
    const headers = bearer(await subjectToken('10000001'));
    const before = await gql<Answer>(url, FOOTPRINT, {}, headers);
    expect(before.errors).toBeUndefined();

    // A crash: the launcher logs it and starts music again; meanwhile the gateway still answers for the others.
    let mark = output.length;
    process.kill(pids.music!, 'SIGKILL');
    await waitForOutput(/music exited \(signal SIGKILL\)[^\n]*; restarting it in/, mark);
    const during = await gql<Answer>(url, FOOTPRINT, {}, headers);
    expect(during.status).toBe(200);
    expect(during.data?.me.account?.profile.nodes.length).toBeGreaterThan(0);
    const back = await waitForOutput(/music is back \(pid (\d+)\)/, mark);
    expect(Number(back[1])).not.toBe(pids.music);
    const after = await gql<Answer>(url, FOOTPRINT, {}, headers);
    expect(after.errors).toBeUndefined();
    expect(after.data?.me.music?.discovery.kinds).toEqual(before.data?.me.music?.discovery.kinds);

    // The gateway too: killed, restarted on its port, answering again.
    mark = output.length;
    process.kill(pids.gateway!, 'SIGKILL');
    const gatewayBack = await waitForOutput(/gateway is back \(pid (\d+)\)/, mark);
    expect(output.slice(mark)).toMatch(/gateway exited \(signal SIGKILL\)/);
    expect(Number(gatewayBack[1])).not.toBe(pids.gateway);
    pids.gateway = Number(gatewayBack[1]);
    const again = await gql<Answer>(url, FOOTPRINT, {}, headers);
    expect(again.errors).toBeUndefined();
    expect(again.data?.me.account?.profile.nodes).toEqual(before.data?.me.account?.profile.nodes);

    // A service that cannot start again (its store is no longer a database): it crashed again within the stable
    // period, so this is the second restart in a row; once that fails too, the launcher gives up.
    writeFileSync(join(dataDir, 'music.db'), 'not a database');
    rmSync(join(dataDir, 'music.db-wal'), { force: true });
    rmSync(join(dataDir, 'music.db-shm'), { force: true });
    mark = output.length;
    process.kill(Number(back[1]), 'SIGKILL');
    expect(await exited).toBe(1);
    const log = output.slice(mark);
    expect(log).toMatch(/music exited \(signal SIGKILL\)[^\n]*\(restart 2 of at most 2 in a row\)/);
    expect(log).toMatch(/subgraph music failed to start: file is not a database/);
    expect(log).toMatch(/giving up on music: it did not start again \(subgraph music exited \(code 1\)[^\n]*restarted 2 time\(s\) in a row[^\n]*Exiting with code 1/);
    // Everything else was stopped with it.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    for (const [name, pid] of Object.entries(pids)) {
      if (name === 'music') continue;
      expect(() => process.kill(pid, 0), name).toThrow();
    }
  }, 300_000);
});
