import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchForBench } from './bench-heavy.js';
import { loadRequestSeeder } from './requests-seed.js';
import { seedAll } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * The privacy desk's queue with many requests (BENCH_REQUESTS, default
 * 100,000): seeded into the gateway's store, then read through the gateway
 * as an operator would — authorisation, audit write and all — with the
 * desk's usual filters and cursor pages. Prints the median and p95 per query.
 */
const COUNT = Number(process.env.BENCH_REQUESTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function benchRequests(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-bench-requests-'));
  try {
    await seedAll({ dataDir });
    const { seedRequests } = await loadRequestSeeder();
    let t = performance.now();
    const seeded = await seedRequests({ dataDir, count: COUNT });
    const seedMs = performance.now() - t;
    const jwtSecret = randomBytes(32).toString('hex');
    const env = { NODE_ENV: 'production', FOOTPRINT_JWT_SECRET: jwtSecret, FOOTPRINT_INTERNAL_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn' };
    const fed = await launchForBench({ dataDir, env });
    try {
      const token = await mintToken(jwtSecret, { sub: 'ops-bench', operator: true, scopes: ['footprint:requests'] });
      const run = async (query: string, variables: Record<string, unknown> = {}) => {
        const res = await fetch(fed.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-footprint-reason': 'queue benchmark' },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data?: Record<string, { totalCount?: number; openTotal?: number; pageInfo?: { endCursor: string | null } }>; errors?: { message: string }[] };
        if (body.errors?.length) throw new Error(body.errors[0]!.message);
        return body.data!;
      };
      const Q = (filter: string) => `query($after: String) { privacyRequestQueue(filter: ${filter}, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id personId type state deadline daysLeft overdue assignee possiblyExcessive } } }`;
      const cases: [string, () => Promise<number>][] = [
        ['open requests, first page', async () => (await run(Q('{}'))).privacyRequestQueue!.totalCount!],
        ['overdue', async () => (await run(Q('{ overdue: true }'))).privacyRequestQueue!.totalCount!],
        ['due within 7 days', async () => (await run(Q('{ dueWithinDays: 7 }'))).privacyRequestQueue!.totalCount!],
        ['IN_PROGRESS erasures', async () => (await run(Q('{ states: [IN_PROGRESS], types: [ERASURE] }'))).privacyRequestQueue!.totalCount!],
        ['all states, first page', async () => (await run(Q('{ states: [RECEIVED, VERIFYING, IN_PROGRESS, ON_HOLD, COMPLETED, REFUSED, WITHDRAWN] }'))).privacyRequestQueue!.totalCount!],
        [
          'all states, page 40 (cursor)',
          async () => {
            let after: string | null = null;
            let total = 0;
            for (let i = 0; i < 40; i++) {
              const d = await run(Q('{ states: [RECEIVED, VERIFYING, IN_PROGRESS, ON_HOLD, COMPLETED, REFUSED, WITHDRAWN] }'), { after });
              after = d.privacyRequestQueue!.pageInfo!.endCursor;
              total = d.privacyRequestQueue!.totalCount!;
            }
            return total;
          },
        ],
        ['figures (privacyRequestStats)', async () => (await run('{ privacyRequestStats { openTotal overdue answered medianDaysToAnswer open { state type count } } }')).privacyRequestStats!.openTotal!],
      ];
      console.log(`\nprivacy desk queue: ${seeded.requests} requests (${seeded.events} timeline entries) seeded in ${(seedMs / 1000).toFixed(1)} s; ${ROUNDS} rounds per query through the gateway (50 per page, audited)`);
      for (const [name, fn] of cases) {
        const times: number[] = [];
        let n = 0;
        for (let round = 0; round <= ROUNDS; round++) {
          t = performance.now();
          n = await fn();
          if (round > 0) times.push(performance.now() - t);
        }
        const per = name.includes('page 40') ? ' (40 requests in a row)' : '';
        console.log(`  ${name.padEnd(32)} median ${pct(times, 0.5).toFixed(1)} ms, p95 ${pct(times, 0.95).toFixed(1)} ms${per} — ${n} matching`);
      }
      const metrics = performance.now();
      await (await fetch(new URL('/metrics', fed.gatewayUrl))).text();
      console.log(`  /metrics                          ${(performance.now() - metrics).toFixed(1)} ms`);
    } finally {
      await fed.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
