import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { serviceEntry } from '@footprint/scripts/entries';
import { freePort } from '@footprint/scripts/federation';
import { bearer, subjectToken } from './support/client.js';
import { requestExport, startGateway, waitForJob, type Proc } from './support/exports.js';

/** Running on other addresses and ports: where export workers read, and ports that fetch cannot reach. */

const subgraphUrls = inject('subgraphUrls');
const dirs: string[] = [];
const procs: Proc[] = [];
const servers: Server[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'footprint-ports-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const QUICK = { FOOTPRINT_EXPORT_RETRIES: '2', FOOTPRINT_EXPORT_RETRY_BASE_MS: '50', LOG_LEVEL: 'silent' };

/** A forwarding proxy in front of the gateway that records each request's x-request-id. */
async function proxy(): Promise<{ url: string; seen: string[]; target: { port: number } }> {
  const seen: string[] = [];
  const target = { port: 0 };
  const server = createServer((req, res) => {
    seen.push(String(req.headers['x-request-id'] ?? ''));
    const up = request({ host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/graphql`, seen, target };
}

describe('the embedded export worker and FOOTPRINT_GATEWAY_URL', () => {
  it('reads through FOOTPRINT_GATEWAY_URL when it is set, not through the gateway\'s own address', async () => {
    const via = await proxy();
    const gateway = await startGateway(tempDir(), subgraphUrls, { ...QUICK, FOOTPRINT_GATEWAY_URL: via.url, FOOTPRINT_EXPORT_READ: 'gateway' });
    procs.push(gateway);
    via.target.port = gateway.port;
    const headers = bearer(await subjectToken('10000002'));
    const requested = await requestExport(gateway.url, headers);
    expect(requested.errors).toBeUndefined();
    const job = await waitForJob(gateway.url, headers, requested.data!.requestExport.id);
    expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
    const reads = via.seen.filter((id) => id.startsWith(`export-${job.id}-`));
    expect(reads.length).toBeGreaterThan(5);
  });

  it('names the address and the network cause when the gateway cannot be reached', async () => {
    const closed = await freePort();
    const gateway = await startGateway(tempDir(), subgraphUrls, { ...QUICK, FOOTPRINT_GATEWAY_URL: `http://127.0.0.1:${closed}/graphql` });
    procs.push(gateway);
    const headers = bearer(await subjectToken('10000002'));
    const requested = await requestExport(gateway.url, headers);
    const job = await waitForJob(gateway.url, headers, requested.data!.requestExport.id);
    expect(job.state).toBe('FAILED');
    expect(job.error?.code).toBe('GATEWAY_UNAVAILABLE');
    expect(job.error?.message).toContain(`the gateway at http://127.0.0.1:${closed}/graphql could not be reached (fetch failed: connect ECONNREFUSED 127.0.0.1:${closed}`);
  });
});

describe('ports that fetch refuses are refused at startup, naming the setting', () => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FOOTPRINT_') && k !== 'PORT'));
  const start = (pkg: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [serviceEntry(pkg)], { env: { ...clean, FOOTPRINT_DATA_DIR: tempDir(), ...env }, encoding: 'utf8', timeout: 20_000 });

  it('the gateway on PORT=6000', () => {
    const r = start('@footprint/gateway', { PORT: '6000' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PORT: port 6000 is blocked by fetch \(a "bad port" of the Fetch standard\)/);
  });
  it('FOOTPRINT_GATEWAY_URL on a blocked port', () => {
    const r = start('@footprint/gateway', { PORT: '0', FOOTPRINT_GATEWAY_URL: 'http://127.0.0.1:6665/graphql' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FOOTPRINT_GATEWAY_URL: port 6665 is blocked by fetch/);
  });
  it('a subgraph URL on a blocked port', () => {
    const r = start('@footprint/gateway', { PORT: '0', FOOTPRINT_SUBGRAPH_ORDERS_URL: 'http://127.0.0.1:10080/graphql' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FOOTPRINT_SUBGRAPH_ORDERS_URL: port 10080 is blocked by fetch/);
  });
  it('a subgraph on PORT=6000', () => {
    const r = start('@footprint/subgraph-music', { PORT: '6000' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/subgraph music failed to start: PORT: port 6000 is blocked by fetch/);
  });
});
