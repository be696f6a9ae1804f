import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@footprint/scripts/federation';
import { RADICALE_PATHS } from './requires.js';

/**
 * A real Radicale (Debian's radicale, a CardDAV server, RFC 6352) as a process
 * of its own on a free port: a temp folder with its configuration, its
 * storage and an htpasswd file of the given users (plain passwords: a test
 * server), owner-only rights. `stop()` ends it (as a server that goes away
 * mid-transfer), `start()` brings it back on the same port with the same
 * storage, `close()` ends it and deletes the folder. What it logs (every
 * request and its status, at info level) is kept across restarts in `log`,
 * and `onLog` sees each line as it comes.
 */
export interface Radicale {
  url: string;
  port: number;
  dir: string;
  log: string[];
  onLog: ((line: string) => void) | null;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
  /** Statuses of the PUT responses it logged for each path, over every run. */
  puts(): Map<string, number[]>;
}

async function answering(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Radicale exited with ${child.exitCode} before it answered`);
    try {
      const res = await fetch(url, { method: 'OPTIONS', signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`Radicale did not answer at ${url} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startRadicale(users: Record<string, string>): Promise<Radicale> {
  const command = RADICALE_PATHS[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'footprint-radicale-'));
  const port = await freePort();
  mkdirSync(join(dir, 'collections'));
  writeFileSync(join(dir, 'users'), Object.entries(users).map(([u, p]) => `${u}:${p}\n`).join(''));
  writeFileSync(
    join(dir, 'config'),
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${join(dir, 'users')}`,
      'htpasswd_encryption = plain',
      // A wrong password is answered at once (Radicale waits 1 s by default).
      'delay = 0',
      '[storage]',
      `filesystem_folder = ${join(dir, 'collections')}`,
      '[rights]',
      'type = owner_only',
      '[web]',
      'type = none',
      '[logging]',
      'level = info',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  const r: Radicale = {
    url: `http://127.0.0.1:${port}/`,
    port,
    dir,
    log: [],
    onLog: null,
    async start() {
      const c = spawn(command, ['--config', join(dir, 'config')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
      child = c;
      let rest = '';
      const take = (chunk: Buffer) => {
        rest += chunk.toString('utf8');
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          r.log.push(line);
          r.onLog?.(line);
        }
      };
      c.stdout?.on('data', take);
      c.stderr?.on('data', take);
      await answering(r.url, c);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill(signal);
      await exited;
    },
    async close() {
      await r.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    puts() {
      const out = new Map<string, number[]>();
      for (const line of r.log) {
        const m = /PUT response status for '([^']+)'.*: (\d{3})/.exec(line);
        if (!m) continue;
        const list = out.get(m[1]!) ?? [];
        list.push(Number(m[2]));
        out.set(m[1]!, list);
      }
      return out;
    },
  };
  await r.start();
  return r;
}
