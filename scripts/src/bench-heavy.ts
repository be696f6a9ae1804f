import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { REPO_ROOT } from '@footprint/kit';
import { schemaFromSupergraph } from '@footprint/gateway/footprint';
import { launchFederation, type Federation, type FederationOptions } from './federation.js';
import { seedAll } from './seeding.js';

/**
 * One seeded federation (the demo people and the heavy person) shared by the
 * benchmark's parts that only read: the footprint, the pages and the load
 * rows. Seeded and started on first use, stopped by closeHeavy.
 */
export interface HeavyFederation {
  dataDir: string;
  fed: Federation;
  jwtSecret: string;
  internalSecret: string;
  supergraphSdl: string;
  schema: GraphQLSchema;
}

let pending: Promise<HeavyFederation> | null = null;

export function heavyFederation(): Promise<HeavyFederation> {
  pending ??= (async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'footprint-bench-'));
    console.log('seeding the demo people and the heavy person …');
    const t = performance.now();
    await seedAll({ dataDir, heavy: true });
    console.log(`  seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Services run as in production (graphql-js skips its development-only checks there), with throw-away secrets.
    const jwtSecret = randomBytes(32).toString('hex');
    const internalSecret = randomBytes(32).toString('hex');
    const env = { NODE_ENV: 'production', FOOTPRINT_JWT_SECRET: jwtSecret, FOOTPRINT_INTERNAL_SECRET: internalSecret, LOG_LEVEL: 'warn' };
    const fed = await launchForBench({ dataDir, env }).catch((err: unknown) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    });
    const supergraphSdl = readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8');
    return { dataDir, fed, jwtSecret, internalSecret, supergraphSdl, schema: schemaFromSupergraph(supergraphSdl) };
  })();
  // A start that failed is tried afresh by the next part that asks.
  const p = pending;
  p.catch(() => {
    if (pending === p) pending = null;
  });
  return p;
}

export async function closeHeavy(): Promise<void> {
  if (!pending) return;
  const h = await pending.catch(() => null);
  pending = null;
  if (!h) return;
  await h.fed.stop();
  rmSync(h.dataDir, { recursive: true, force: true });
}

/** POSTs one GraphQL operation; throws on an HTTP failure or any GraphQL error (a benchmark of errors measures nothing). */
export async function postGraphQL<T = unknown>(url: string, headers: Record<string, string>, query: string, variables: Record<string, unknown> = {}): Promise<{ data: T; bytes: number }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  const body = JSON.parse(text) as { data?: T; errors?: { message: string }[] };
  if (!res.ok || body.errors?.length || !body.data) throw new Error(`${url}: ${body.errors?.[0]?.message ?? `HTTP ${res.status}`}`);
  return { data: body.data, bytes: text.length };
}

/**
 * launchFederation, tried up to five times: on a machine loaded far past its cores a service can miss the
 * launcher's 90 s health deadline; the benchmark then measures on the next try rather than losing the run.
 */
export async function launchForBench(opts: FederationOptions): Promise<Federation> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchFederation(opts);
    } catch (err) {
      if (attempt >= 5) throw err;
      console.log(`  (the federation did not start: ${err instanceof Error ? err.message : String(err)}; trying again)`);
    }
  }
}
