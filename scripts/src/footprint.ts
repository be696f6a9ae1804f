import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PERSON_ID_PATTERN, PERSON_ID_RULE } from '@footprint/schema';
import { describeNetworkError, loadConfig, MAX_PAGE_SIZE } from '@footprint/kit';
import { gatewayExecutor, readDiscovery, readFootprint, type Execute, type GraphQLErrorShape, type KindPage } from '@footprint/gateway/footprint';
import { readSupergraph, SUPERGRAPH_FILE } from './supergraph.js';
import { mintToken } from './tokens.js';

/**
 * npm run footprint -- --user ID [--json] [--discovery] [--reason TEXT] [--token T] [--url URL] [--page-size N]
 *
 * A person's whole footprint through a running gateway, planned from the
 * supergraph (no domain is named here) with every cursor followed to the end;
 * or, with --discovery, their discovery summary (counts, never records).
 * Without --token (or FOOTPRINT_TOKEN) it mints a local token with the dev
 * secret: the person's own, or with --reason an operator's (footprint:read).
 */
const Args = z.object({
  user: z.string({ error: '--user ID is required' }).regex(PERSON_ID_PATTERN, `--user takes ${PERSON_ID_RULE}`),
  json: z.boolean().default(false),
  discovery: z.boolean().default(false),
  url: z.url().default(process.env.FOOTPRINT_GATEWAY_URL ?? 'http://localhost:4000/graphql'),
  token: z.string().min(1).optional(),
  reason: z.string().trim().min(1, '--reason must not be empty').max(1000).optional(),
  'page-size': z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(1000),
  supergraph: z.string().min(1).default(SUPERGRAPH_FILE),
});

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const out = async (text: string) => {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
};
const describeError = (e: GraphQLErrorShape) => `${String(e.extensions?.code ?? 'ERROR')}: ${e.message}`;

async function token(args: z.infer<typeof Args>): Promise<string> {
  const given = args.token ?? process.env.FOOTPRINT_TOKEN;
  if (given) return given;
  const { jwtSecret } = loadConfig();
  if (!jwtSecret) throw new Error('This gateway verifies tokens with FOOTPRINT_JWKS_URL: pass --token (or FOOTPRINT_TOKEN) from that issuer');
  return args.reason
    ? mintToken(jwtSecret, { sub: 'operator-cli', operator: true, scopes: ['footprint:read'], ttlSeconds: 3600 })
    : mintToken(jwtSecret, { sub: args.user, ttlSeconds: 3600 });
}

async function discovery(args: z.infer<typeof Args>, execute: Execute): Promise<number> {
  const { domains, errors } = await readDiscovery(args.user, execute);
  if (args.json) {
    await out(`${JSON.stringify({ person: args.user, domains, errors }, null, 2)}\n`);
  } else {
    await out(`Discovery of person ${args.user} through ${args.url} (counted from each domain's indexes; no record read)\n\n`);
    await out(`${'kind'.padEnd(34)} ${'count'.padStart(7)}  ${'earliest'.padEnd(10)}  ${'latest'.padEnd(10)}  regions / sources\n`);
    for (const d of domains) {
      for (const k of d.kinds) {
        const day = (s: string | null) => (s ?? '—').slice(0, 10).padEnd(10);
        await out(`${k.kind.padEnd(34)} ${String(k.count).padStart(7)}  ${day(k.earliest)}  ${day(k.latest)}  ${k.regions.join(',') || '—'} / ${k.sources.join(',') || '—'}\n`);
      }
    }
    const total = domains.reduce((n, d) => n + d.kinds.reduce((m, k) => m + k.count, 0), 0);
    await out(`\n${domains.length} domains, ${total} records.\n`);
  }
  for (const e of errors) console.error(`unavailable: ${e.extensions?.domain ?? '?'} — ${describeError(e)}`);
  return errors.length > 0 ? 1 : 0;
}

async function footprint(args: z.infer<typeof Args>, execute: Execute): Promise<number> {
  const { sdl } = readSupergraph(args.supergraph);
  const read = new Map<string, { records: number; totalCount: number; typename: string }>();
  let open: string | null = null;
  let written = 0;
  if (args.json) await out(`{"person":${JSON.stringify(args.user)},"kinds":{`);
  const onPage = async ({ kind, records, totalCount }: KindPage) => {
    const key = `${kind.domain}.${kind.field}`;
    read.set(key, { records: (read.get(key)?.records ?? 0) + records.length, totalCount, typename: kind.typename });
    if (!args.json) return;
    // Streamed page by page: a heavy person's footprint never sits in memory whole.
    if (open !== key) {
      await out(`${open ? ']},' : ''}${JSON.stringify(key)}:{"typename":${JSON.stringify(kind.typename)},"totalCount":${totalCount},"records":[`);
      open = key;
      written = 0;
    }
    if (records.length === 0) return;
    await out(`${written > 0 ? ',' : ''}${records.map((r) => JSON.stringify(r)).join(',')}`);
    written += records.length;
  };
  const result = await readFootprint(sdl, args.user, execute, { onPage }, args['page-size']);
  const failed = Object.fromEntries([...result.failedDomains].map(([d, e]) => [d, { code: e.extensions?.code ?? null, message: e.message }]));
  if (args.json) {
    await out(`${open ? ']}' : ''}},"failedDomains":${JSON.stringify(failed)}}\n`);
  } else {
    await out(`Footprint of person ${args.user} through ${args.url}, planned from ${result.plan.domains.length} domains and ${result.plan.kinds.length} kinds of the supergraph\n\n`);
    for (const k of result.plan.kinds) {
      const r = read.get(`${k.domain}.${k.field}`);
      if (!r) continue;
      const short = r.records === r.totalCount ? '' : `  (totalCount ${r.totalCount})`;
      await out(`${`${k.domain}.${k.field}`.padEnd(40)} ${k.typename.padEnd(26)} ${String(r.records).padStart(7)}${short}\n`);
    }
    await out(`\n${result.records} records in ${read.size} kinds; every cursor followed to the end.\n`);
  }
  for (const [d, e] of result.failedDomains) console.error(`unavailable: ${d} — ${describeError(e)}`);
  return result.failedDomains.size > 0 ? 1 : 0;
}

const USAGE = 'usage: npm run footprint -- --user ID [--json] [--discovery] [--reason TEXT] [--token T] [--url URL] [--page-size N]';
function parseCli(): z.infer<typeof Args> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      options: {
        user: { type: 'string' },
        json: { type: 'boolean' },
        discovery: { type: 'boolean' },
        url: { type: 'string' },
        token: { type: 'string' },
        reason: { type: 'string' },
        'page-size': { type: 'string' },
        supergraph: { type: 'string' },
      },
    }));
  } catch (err) {
    console.error(`footprint: ${describeNetworkError(err)}\n${USAGE}`);
    process.exit(2);
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    console.error(`footprint: ${parsed.error.issues.map((i) => i.message).join('; ')}\n${USAGE}`);
    process.exit(2);
  }
  return parsed.data;
}

const args = parseCli();
try {
  const execute = gatewayExecutor(args.url, { authorization: `Bearer ${await token(args)}`, ...(args.reason ? { 'x-footprint-reason': args.reason } : {}) });
  process.exitCode = await (args.discovery ? discovery(args, execute) : footprint(args, execute));
} catch (err) {
  const gql = (err as { graphql?: GraphQLErrorShape }).graphql;
  const cause = (err as { cause?: { code?: string } }).cause;
  const why = gql
    ? describeError(gql)
    : cause?.code === 'ECONNREFUSED'
      ? 'the gateway is not running there (start it with npm start, or pass --url)'
      : err instanceof Error
        ? err.message
        : String(err);
  console.error(`footprint: ${why}`);
  process.exit(1);
}
