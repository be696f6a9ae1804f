import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { listSubgraphs, REPO_ROOT } from '@footprint/schema';

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
}

export interface Federation {
  gatewayUrl: string;
  gateway: ServiceProcess;
  subgraphs: Map<string, ServiceProcess>;
  /** Stops one subgraph (SIGTERM, then SIGKILL after 3 s). */
  stopSubgraph(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface FederationOptions {
  dataDir: string;
  /** Fixed ports (npm start); otherwise free ones are picked (tests, bench). */
  gatewayPort?: number;
  useListedPorts?: boolean;
  env?: Record<string, string>;
  /** Where the services' logs go. */
  stdio?: 'inherit' | 'ignore';
  /** Only these subgraphs (default: all listed). */
  only?: string[];
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until GET url answers 2xx, or fails naming the service and what it last saw. */
export async function waitForHealth(name: string, url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was healthy`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not healthy within ${timeoutMs} ms (${last})`);
}

function startService(name: string, script: string, port: number, env: Record<string, string>, stdio: 'inherit' | 'ignore'): ServiceProcess {
  const child = spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port), APOLLO_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', stdio, stdio],
  });
  return { name, port, url: `http://127.0.0.1:${port}/graphql`, child };
}

async function stopProcess(p: ServiceProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts every subgraph and the gateway as separate processes — real HTTP
 * between them — and waits until each is healthy. Used by `npm start`, the
 * cross-service tests and the benchmarks alike.
 */
export async function launchFederation(opts: FederationOptions): Promise<Federation> {
  const stdio = opts.stdio ?? 'ignore';
  const env = { FOOTPRINT_DATA_DIR: opts.dataDir, ...opts.env };
  const list = listSubgraphs().filter((s) => !opts.only || opts.only.includes(s.name));
  const subgraphs = new Map<string, ServiceProcess>();
  const all: ServiceProcess[] = [];
  try {
    for (const s of list) {
      const port = opts.useListedPorts ? s.port : await freePort();
      const p = startService(s.name, join(REPO_ROOT, 'subgraphs', s.name, 'dist', 'index.js'), port, env, stdio);
      subgraphs.set(s.name, p);
      all.push(p);
    }
    await Promise.all([...subgraphs.values()].map((p) => waitForHealth(`subgraph ${p.name}`, `http://127.0.0.1:${p.port}/health`, p.child)));
    const urls = Object.fromEntries([...subgraphs.values()].map((p) => [`FOOTPRINT_SUBGRAPH_${p.name.toUpperCase()}_URL`, p.url]));
    const gatewayPort = opts.gatewayPort ?? (await freePort());
    const gateway = startService('gateway', join(REPO_ROOT, 'gateway', 'dist', 'index.js'), gatewayPort, { ...env, ...urls }, stdio);
    all.push(gateway);
    await waitForHealth('gateway', `http://127.0.0.1:${gatewayPort}/health`, gateway.child);
    return {
      gatewayUrl: gateway.url,
      gateway,
      subgraphs,
      stopSubgraph: async (name) => {
        const p = subgraphs.get(name);
        if (!p) throw new Error(`No subgraph named ${name}`);
        await stopProcess(p);
      },
      stop: async () => {
        await Promise.all(all.map(stopProcess));
      },
    };
  } catch (err) {
    await Promise.all(all.map(stopProcess));
    throw err;
  }
}
