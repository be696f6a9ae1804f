import { mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LANGUAGES } from '@footprint/i18n';
import { PERSON_ID_PATTERN, PERSON_ID_RULE } from '@footprint/schema';
import { describeNetworkError, loadConfig } from '@footprint/kit';
import { launchFederation, type Federation } from './federation.js';
import { seedNewStores } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * npm run export -- --user 10000001 --out footprint-10000001.zip
 *   [--gateway http://localhost:4000/graphql] [--partial]
 *   [--operator ops-alice --reason "DSAR ticket 123"] [--token <bearer>]
 *
 * Runs one export job end to end through the gateway — the running one, or a
 * federation it starts for the purpose — shows its progress, downloads the
 * archive through the signed link, verifies it against its manifest and prints
 * the manifest's summary. Exit code 0: complete and verified; 3: incomplete or
 * not verified; 1: failed.
 */
const USAGE = 'usage: npm run export -- --user <account id> --out <file.zip> [--gateway <url>] [--partial] [--language en|az] [--time-zone <IANA zone>] [--operator <name> --reason <text>] [--token <bearer>]';

const Args = z.object({
  user: z.string().regex(PERSON_ID_PATTERN, `--user takes ${PERSON_ID_RULE}`),
  out: z.string().min(1).optional(),
  gateway: z.url().optional(),
  partial: z.boolean(),
  language: z.enum(LANGUAGES, { message: `--language takes one of ${LANGUAGES.join(', ')}` }).optional(),
  'time-zone': z.string().min(1).max(64).optional(),
  operator: z.string().min(1).optional(),
  reason: z.string().trim().min(1).optional(),
  token: z.string().min(10).optional(),
});

const JobShape = z.object({
  id: z.string(),
  state: z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED']),
  runs: z.number(),
  progress: z.object({
    recordsDone: z.number(),
    recordsTotal: z.number().nullable(),
    domains: z.array(z.object({ domain: z.string(), status: z.string(), recordsDone: z.number(), recordsTotal: z.number().nullable() })),
  }),
  error: z.object({ code: z.string(), message: z.string(), domain: z.string().nullable() }).nullable(),
  archive: z.object({ url: z.string(), sizeBytes: z.number(), sha256: z.string(), records: z.number() }).nullable(),
});
type Job = z.infer<typeof JobShape>;
const JOB_FIELDS = 'id state runs progress { recordsDone recordsTotal domains { domain status recordsDone recordsTotal } } error { code message domain } archive { url sizeBytes sha256 records }';

const GqlBody = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  errors: z.array(z.object({ message: z.string(), extensions: z.record(z.string(), z.unknown()).optional() })).optional(),
});

function die(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** A failure once the federation may be running: reported after it is stopped. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
function stop(message: string, code = 1): never {
  throw new CliError(message, code);
}

async function healthy(gatewayUrl: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/health', gatewayUrl), { signal: AbortSignal.timeout(1500) })).ok;
  } catch {
    return false;
  }
}

/** Starts the federation on free ports over the configured data folder, seeding first the stores that never held anyone. */
async function startFederation(dataDir: string): Promise<Federation> {
  mkdirSync(dataDir, { recursive: true });
  await seedNewStores({ dataDir, announce: (domains) => process.stderr.write(`Seeding demo data for ${domains.join(', ')} (their stores hold no one yet) …\n`) });
  process.stderr.write('No gateway is running: starting the federation for this export …\n');
  return launchFederation({ dataDir, env: { LOG_LEVEL: 'warn' } });
}

const nf = new Intl.NumberFormat('en-GB');

function bar(job: Job): string {
  const { recordsDone: done, recordsTotal: total } = job.progress;
  const ratio = total ? Math.min(1, done / total) : 0;
  const width = 24;
  const filled = Math.round(ratio * width);
  const mark = (s: string) => (s === 'COMPLETE' ? '✓' : s === 'INCOMPLETE' ? '✗' : s === 'RUNNING' ? '…' : '·');
  const domains = job.progress.domains.map((d) => `${d.domain} ${mark(d.status)}`).join('  ');
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${total ? `${Math.floor(ratio * 100)}%`.padStart(4) : '  … '}  ${nf.format(done)}${total ? ` / ${nf.format(total)}` : ''} records  ${job.state}  ${domains}`;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        user: { type: 'string' },
        out: { type: 'string' },
        gateway: { type: 'string' },
        partial: { type: 'boolean', default: false },
        language: { type: 'string' },
        'time-zone': { type: 'string' },
        operator: { type: 'string' },
        reason: { type: 'string' },
        token: { type: 'string' },
      },
    });
  } catch (err) {
    return die(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
})();
const parsed = Args.safeParse(values);
if (!parsed.success) die(`${parsed.error.issues.map((i) => i.message).join('; ')}\n${USAGE}`);
const args = parsed.data;
if (args.operator && !args.reason) die('--operator needs --reason: an operator acts on the person\'s written request, and the reason is audited');
const out = resolve(args.out ?? `footprint-${args.user}.zip`);

const config = loadConfig();
const gatewayUrl = args.gateway ?? process.env.FOOTPRINT_GATEWAY_URL ?? `http://localhost:${process.env.PORT ?? 4000}/graphql`;
let federation: Federation | null = null;
let exitCode = 1;
try {
  let url = gatewayUrl;
  if (!(await healthy(url))) {
    if (args.gateway) stop(`The gateway at ${url} does not answer /health`, 1);
    federation = await startFederation(config.dataDir);
    url = federation.gatewayUrl;
  }
  if (!args.token && !config.jwtSecret) stop('This gateway verifies tokens with FOOTPRINT_JWKS_URL: pass --token from your issuer', 2);
  const token =
    args.token ??
    (await mintToken(config.jwtSecret!, args.operator ? { sub: args.operator, operator: true, scopes: ['footprint:export'], ttlSeconds: 3600 } : { sub: args.user, ttlSeconds: 3600 }));
  // The shell's locale (LANG=az_AZ.UTF-8) as Accept-Language: the archive's language when --language is not given.
  const locale = /^([a-z]{2,3})(?:_([A-Z]{2}))?/.exec(process.env.LC_ALL || process.env.LANG || '');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
    ...(args.reason ? { 'x-footprint-reason': args.reason } : {}),
    ...(locale ? { 'accept-language': locale[2] ? `${locale[1]}-${locale[2]}` : locale[1]! } : {}),
  };
  const gql = async (query: string, variables: Record<string, unknown>) => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return GqlBody.parse(await res.json());
  };

  const requested = await gql(`mutation Export($p: ID, $partial: Boolean, $language: String, $timeZone: String) { requestExport(personId: $p, input: { allowPartial: $partial, language: $language, timeZone: $timeZone }) { ${JOB_FIELDS} } }`, {
    p: args.user,
    partial: args.partial,
    // Without --language the gateway takes the language from this process's locale (LANG), sent as Accept-Language.
    language: args.language ?? null,
    timeZone: args['time-zone'] ?? null,
  });
  let jobId: string;
  const refused = requested.errors?.[0];
  if (refused) {
    const running = refused.extensions?.code === 'CONFLICT' ? refused.extensions.jobId : undefined;
    if (typeof running !== 'string') stop(`Export refused (${String(refused.extensions?.code ?? 'ERROR')}): ${refused.message}`, 1);
    process.stderr.write(`An export of ${args.user} is already under way; following job ${running}\n`);
    jobId = running;
  } else {
    jobId = JobShape.parse(requested.data?.requestExport).id;
    process.stderr.write(`Export job ${jobId} requested for account ${args.user}\n`);
  }

  const tty = process.stderr.isTTY;
  let job: Job;
  let lastLine = '';
  for (;;) {
    const res = await gql(`query Job($id: ID!) { exportJob(jobId: $id) { ${JOB_FIELDS} } }`, { id: jobId });
    if (res.errors?.length) stop(`Could not follow job ${jobId}: ${res.errors[0]!.message}`, 1);
    job = JobShape.parse(res.data?.exportJob);
    const line = bar(job);
    if (tty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 200) - 1)}`);
    else if (line.replace(/\d/g, '') !== lastLine.replace(/\d/g, '') || job.state !== 'RUNNING') process.stderr.write(`${line}\n`);
    lastLine = line;
    if (!['QUEUED', 'RUNNING'].includes(job.state)) break;
    await new Promise((r) => setTimeout(r, 400));
  }
  if (tty) process.stderr.write('\n');
  if (job.state !== 'SUCCEEDED' || !job.archive) stop(`Export ${job.state}${job.error ? `: ${job.error.message}` : ''}`, 1);

  const res = await fetch(job.archive.url, { headers });
  if (!res.ok || !res.body) stop(`Download refused (HTTP ${res.status}): ${await res.text()}`, 1);
  await rm(`${out}.partial`, { force: true });
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(`${out}.partial`));
  await rename(`${out}.partial`, out);

  const { verifyArchive } = await import('@footprint/gateway/exports/archive/verify');
  const v = await verifyArchive(out);
  const m = v.manifest;
  const lines = [
    '',
    `Archive   ${out}  (${nf.format(job.archive.sizeBytes)} bytes, sha256 ${job.archive.sha256})`,
    `Person    ${m.person}   job ${m.job.id}   runs ${job.runs}`,
    `Status    ${m.complete ? 'COMPLETE' : 'INCOMPLETE'}   ${nf.format(m.totals.records)} records, ${nf.format(m.totals.portableRecords)} portable (Art. 20)`,
    `Verified  ${v.problems.length === 0 ? `${v.files} files match manifest.json (size and sha256)` : `${v.problems.length} problem(s):\n  ${v.problems.join('\n  ')}`}`,
    '',
    ...m.domains.map((d) => `  ${d.domain.padEnd(12)} ${d.status.padEnd(11)} ${nf.format(d.records).padStart(10)} records${d.reason ? `  — ${d.reason}` : ''}`),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  exitCode = m.complete && v.problems.length === 0 ? 0 : 3;
} catch (err) {
  process.stderr.write(err instanceof CliError ? `\n${err.message}\n` : `\nExport failed: ${describeNetworkError(err)}\n`);
  exitCode = err instanceof CliError ? err.code : 1;
} finally {
  await federation?.stop();
}
process.exit(exitCode);
