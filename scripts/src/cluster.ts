import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@footprint/kit';
import { serviceEntry } from './entries.js';
import { freePort, launchFederation, newServiceLog, spawnWithLog, waitForHealth, type Federation } from './federation.js';

/**
 * The scale-out shape on one machine: the eight subgraphs, two stateless
 * gateways on one PostgreSQL and one Redis behind HAProxy (deploy/haproxy),
 * and export workers (npm run worker) on the BullMQ queue. Used by
 * `npm run start:cluster`, the cluster test and `npm run bench:scale`.
 */
export interface ClusterOptions {
  dataDir: string;
  /** Must name FOOTPRINT_DATABASE_URL (or every store's URL) and REDIS_URL; everything else is optional. */
  env: Record<string, string>;
  /** Archives, shared by every gateway and worker; default <dataDir>/exports. */
  exportDir?: string;
  workers?: number;
  /** The balancer's port; default a free one. */
  port?: number;
  stdio?: 'inherit' | 'ignore';
}

export interface ClusterProcess {
  name: string;
  port: number;
  child: ChildProcess;
}

export interface Cluster {
  /** The balancer's GraphQL endpoint. */
  url: string;
  federation: Federation;
  gateways: ClusterProcess[];
  workers: ClusterProcess[];
  balancer: ChildProcess;
  stop(): Promise<void>;
}

export const HAPROXY_CONFIG = join(REPO_ROOT, 'deploy', 'haproxy', 'footprint.cfg');

/** HAProxy from Debian's packages; installed by scripts/setup-system.sh where missing. */
export function haproxyBinary(): string {
  for (const p of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim() || 'haproxy';
  } catch {
    throw new Error('HAProxy is not installed: run scripts/setup-system.sh (apt-get install haproxy)');
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function launchCluster(opts: ClusterOptions): Promise<Cluster> {
  if (!opts.env.REDIS_URL) throw new Error('The cluster needs REDIS_URL (the export queue every gateway and worker shares)');
  if (!opts.env.FOOTPRINT_DATABASE_URL && !opts.env.FOOTPRINT_GATEWAY_DATABASE_URL) throw new Error('The cluster needs FOOTPRINT_DATABASE_URL (a PostgreSQL every gateway shares)');
  const stdio = opts.stdio ?? 'ignore';
  const exportDir = opts.exportDir ?? join(opts.dataDir, 'exports');
  mkdirSync(exportDir, { recursive: true });
  const lbPort = opts.port ?? (await freePort());
  const publicUrl = `http://127.0.0.1:${lbPort}`;
  // Download links name the balancer, so a link made by one gateway is served by any.
  const shared = { ...opts.env, FOOTPRINT_EXPORT_DIR: exportDir, FOOTPRINT_PUBLIC_URL: publicUrl };
  const started: ChildProcess[] = [];
  let federation: Federation | undefined;
  try {
    federation = await launchFederation({ dataDir: opts.dataDir, env: { ...shared, FOOTPRINT_WORKER_ID: 'gateway-1' }, stdio });
    const gateways: ClusterProcess[] = [{ name: 'gateway-1', port: federation.gateway.port, child: federation.gateway.child }];
    const urls = Object.fromEntries([...federation.subgraphs.values()].map((p) => [`FOOTPRINT_SUBGRAPH_${p.name.toUpperCase()}_URL`, p.url]));
    const port2 = await freePort();
    const g2 = spawnWithLog(
      process.execPath,
      ['--max-old-space-size=256', serviceEntry('@footprint/gateway')],
      { cwd: REPO_ROOT, env: { ...process.env, FOOTPRINT_DATA_DIR: opts.dataDir, ...shared, ...urls, FOOTPRINT_WORKER_ID: 'gateway-2', PORT: String(port2), APOLLO_TELEMETRY_DISABLED: '1' } },
      stdio,
      newServiceLog('gateway-2', port2, stdio),
    );
    started.push(g2);
    await waitForHealth('gateway-2', `http://127.0.0.1:${port2}/health`, g2, 60_000);
    gateways.push({ name: 'gateway-2', port: port2, child: g2 });

    const balancer = spawnWithLog(
      haproxyBinary(),
      ['-f', HAPROXY_CONFIG, '-db'],
      { env: { ...process.env, FOOTPRINT_LB_BIND: `127.0.0.1:${lbPort}`, FOOTPRINT_GATEWAY_1: `127.0.0.1:${gateways[0]!.port}`, FOOTPRINT_GATEWAY_2: `127.0.0.1:${port2}` } },
      stdio,
      newServiceLog('haproxy', lbPort, stdio),
    );
    started.push(balancer);
    await waitForHealth('HAProxy', `${publicUrl}/health`, balancer, 30_000);

    const workers: ClusterProcess[] = [];
    for (let i = 1; i <= (opts.workers ?? 2); i++) {
      const w = spawnWithLog(
        process.execPath,
        ['--max-old-space-size=192', join(REPO_ROOT, 'scripts', 'dist', 'worker.js')],
        {
          cwd: REPO_ROOT,
          // Workers read through the balancer, so a gateway's death does not stop them.
          env: { ...process.env, FOOTPRINT_DATA_DIR: opts.dataDir, ...shared, FOOTPRINT_GATEWAY_URL: `${publicUrl}/graphql`, FOOTPRINT_WORKER_ID: `worker-${i}`, APOLLO_TELEMETRY_DISABLED: '1' },
        },
        stdio,
        newServiceLog(`worker-${i}`, 0, stdio),
      );
      started.push(w);
      workers.push({ name: `worker-${i}`, port: 0, child: w });
    }
    const fed = federation;
    return {
      url: `${publicUrl}/graphql`,
      federation: fed,
      gateways,
      workers,
      balancer,
      async stop() {
        await Promise.all(workers.map((w) => stop(w.child)));
        await stop(balancer);
        await stop(g2);
        await fed.stop();
      },
    };
  } catch (err) {
    await Promise.all(started.map(stop));
    await federation?.stop();
    throw err;
  }
}
