import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { listSubgraphs } from '@footprint/schema';
import { REPO_ROOT } from '@footprint/kit';
import { serviceEntry } from './entries.js';
import { ServiceLog } from './service-log.js';

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  /** The current process; replaced when the service is restarted. */
  child: ChildProcess;
  /** The end of what it printed (all its runs), when its output is kept (keepServiceLogs); else null. */
  log: ServiceLog | null;
}

export interface Federation {
  gatewayUrl: string;
  gateway: ServiceProcess;
  subgraphs: Map<string, ServiceProcess>;
  /** Stops one subgraph (SIGTERM, then SIGKILL after 3 s). */
  stopSubgraph(name: string): Promise<void>;
  /**
   * Starts a service that exited again, on the same port with the same
   * environment, and waits until it is healthy (rejects, naming why, if it is not).
   * The ServiceProcess keeps its identity; only its `child` changes.
   */
  restart(name: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export interface FederationOptions {
  dataDir: string;
  /** Fixed ports (npm start); otherwise free ones are picked (tests, bench). */
  gatewayPort?: number;
  useListedPorts?: boolean;
  env?: Record<string, string>;
  /** Where the services' logs go: the terminal, or nowhere to be seen (then kept in memory if keepServiceLogs was called). */
  stdio?: 'inherit' | 'ignore';
  /** Only these subgraphs (default: all listed). */
  only?: string[];
  /**
   * V8 heap limit in MB (--max-old-space-size) per kind of service; null = V8's default, which lets the heap grow
   * with the garbage rate (about 1 GB for the gateway under load) and keeps it. Default: FOOTPRINT_GATEWAY_HEAP_MB
   * and FOOTPRINT_SUBGRAPH_HEAP_MB, else 256 each.
   */
  heapMb?: { gateway?: number | null; subgraph?: number | null };
}

const heapFromEnv = (name: string): number | null => {
  const v = process.env[name];
  if (v === undefined || v === '') return 256;
  if (v === '0' || v === 'default') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 32) throw new Error(`${name} must be a number of MB (at least 32), or 0 for V8's default`);
  return n;
};

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

/**
 * Waits until GET url answers 2xx, or fails naming the service and what it last saw. A service that exits
 * fails at once; one still starting gets 90 s (a machine loaded far past its cores starts slowly, not wrongly).
 */
export async function waitForHealth(name: string, url: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was healthy`);
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

/** Bytes of output kept per service when logs are kept; 0 = not kept. */
let keptLogBytes = 0;
/** A service whose output is kept, as serviceLogs shows it. */
interface KeptLog {
  name: string;
  port: number;
  log: ServiceLog | null;
}
/** Every service started in this process whose output is kept, oldest first. */
const keptLogs: KeptLog[] = [];

/**
 * From now on, services started with stdio 'ignore' keep the last `bytes` of what they print in memory
 * (ServiceProcess.log), so a test that fails can show why (test/support/service-logs.ts prints them).
 */
export function keepServiceLogs(bytes = 32 * 1024): void {
  keptLogBytes = bytes;
}

/** The kept output of every service this process started quietly (each headed by its name and port), or '' if none printed anything. */
export function serviceLogs(services: readonly KeptLog[] = keptLogs): string {
  return services
    .filter((p) => p.log && !p.log.empty)
    .map((p) => `--- ${p.name}${p.port ? ` (port ${p.port})` : ''} ---\n${p.log!.text()}`)
    .join('\n');
}

interface ServiceSpec {
  script: string;
  env: Record<string, string>;
  healthLabel: string;
  heapMb: number | null;
}

/** A kept log for a service about to start quietly, registered for serviceLogs; null when its output is not kept. */
export function newServiceLog(name: string, port: number, stdio: 'inherit' | 'ignore'): ServiceLog | null {
  if (stdio !== 'ignore' || keptLogBytes === 0) return null;
  const log = new ServiceLog(keptLogBytes);
  keptLogs.push({ name, port, log });
  return log;
}

/**
 * Spawns a service's process with its output on the terminal ('inherit'), or quiet ('ignore': into `log` when
 * logs are kept). Also for the processes cluster.ts starts beside a federation.
 */
export function spawnWithLog(command: string, args: string[], opts: { cwd?: string; env: NodeJS.ProcessEnv }, stdio: 'inherit' | 'ignore', log: ServiceLog | null): ChildProcess {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', log ? 'pipe' : stdio, log ? 'pipe' : stdio] });
  if (log) {
    log.started(child.pid);
    child.stdout?.on('data', (c: Buffer) => log.write(c));
    child.stderr?.on('data', (c: Buffer) => log.write(c));
    child.once('exit', (code, signal) => log.exited(code, signal));
  }
  return child;
}

function spawnService(spec: ServiceSpec, port: number, stdio: 'inherit' | 'ignore', log: ServiceLog | null): ChildProcess {
  const args = [...(spec.heapMb ? [`--max-old-space-size=${spec.heapMb}`] : []), spec.script];
  return spawnWithLog(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...spec.env, PORT: String(port), APOLLO_TELEMETRY_DISABLED: '1' } }, stdio, log);
}

const healthUrl = (p: ServiceProcess) => `http://127.0.0.1:${p.port}/health`;

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
  const gatewayHeap = opts.heapMb?.gateway !== undefined ? opts.heapMb.gateway : heapFromEnv('FOOTPRINT_GATEWAY_HEAP_MB');
  const subgraphHeap = opts.heapMb?.subgraph !== undefined ? opts.heapMb.subgraph : heapFromEnv('FOOTPRINT_SUBGRAPH_HEAP_MB');
  const subgraphs = new Map<string, ServiceProcess>();
  const all: ServiceProcess[] = [];
  const specs = new Map<string, ServiceSpec>();
  const start = (name: string, spec: ServiceSpec, port: number): ServiceProcess => {
    specs.set(name, spec);
    const log = newServiceLog(name, port, stdio);
    const p = { name, port, url: `http://127.0.0.1:${port}/graphql`, child: spawnService(spec, port, stdio, log), log };
    all.push(p);
    return p;
  };
  try {
    for (const s of list) {
      const port = opts.useListedPorts ? s.port : await freePort();
      subgraphs.set(s.name, start(s.name, { script: serviceEntry(`@footprint/subgraph-${s.name}`), env, healthLabel: `subgraph ${s.name}`, heapMb: subgraphHeap }, port));
    }
    await Promise.all([...subgraphs.values()].map((p) => waitForHealth(specs.get(p.name)!.healthLabel, healthUrl(p), p.child)));
    const urls = Object.fromEntries([...subgraphs.values()].map((p) => [`FOOTPRINT_SUBGRAPH_${p.name.toUpperCase()}_URL`, p.url]));
    const gatewayPort = opts.gatewayPort ?? (await freePort());
    const gateway = start('gateway', { script: serviceEntry('@footprint/gateway'), env: { ...env, ...urls }, healthLabel: 'gateway', heapMb: gatewayHeap }, gatewayPort);
    await waitForHealth('gateway', healthUrl(gateway), gateway.child);
    return {
      gatewayUrl: gateway.url,
      gateway,
      subgraphs,
      stopSubgraph: async (name) => {
        const p = subgraphs.get(name);
        if (!p) throw new Error(`No subgraph named ${name}`);
        await stopProcess(p);
      },
      restart: async (name) => {
        const p = name === 'gateway' ? gateway : subgraphs.get(name);
        if (!p) throw new Error(`No service named ${name}`);
        await stopProcess(p);
        const spec = specs.get(name)!;
        p.child = spawnService(spec, p.port, stdio, p.log);
        try {
          await waitForHealth(spec.healthLabel, healthUrl(p), p.child);
        } catch (err) {
          await stopProcess(p);
          throw err;
        }
        return p;
      },
      stop: async () => {
        await Promise.all(all.map(stopProcess));
      },
    };
  } catch (err) {
    await Promise.all(all.map(stopProcess));
    // What the services printed says why one did not start; the error alone would not.
    const logs = serviceLogs(all);
    if (logs && err instanceof Error) err.message += `\nWhat the services printed:\n${logs}`;
    throw err;
  }
}
