import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { loadConfig, REPO_ROOT } from '@footprint/kit';
import { serviceEntry } from '@footprint/scripts/entries';
import { freePort, waitForHealth } from '@footprint/scripts/federation';
import { gql, type GqlResult } from './client.js';

/** Helpers for the export tests: job calls, ZIP and CSV reading, and private gateway/subgraph processes. */

export const internalSecret = loadConfig({ ...process.env, NODE_ENV: 'test' }).internalSecret;

export const JOB_FIELDS = `id personId state allowPartial requestedBy createdAt startedAt finishedAt runs incompleteDomains
  progress { recordsDone recordsTotal domains { domain status recordsDone recordsTotal error } }
  error { code message domain }
  archive { url linkExpiresAt expiresAt sizeBytes sha256 records }`;

export interface JobView {
  id: string;
  personId: string;
  state: string;
  allowPartial: boolean;
  requestedBy: string;
  runs: number;
  incompleteDomains: string[];
  progress: { recordsDone: number; recordsTotal: number | null; domains: { domain: string; status: string; recordsDone: number; recordsTotal: number | null; error: string | null }[] };
  error: { code: string; message: string; domain: string | null } | null;
  archive: { url: string; linkExpiresAt: string; expiresAt: string; sizeBytes: number; sha256: string; records: number } | null;
}

export async function requestExport(url: string, headers: Record<string, string>, vars: { personId?: string; allowPartial?: boolean } = {}): Promise<GqlResult<{ requestExport: JobView }>> {
  // The authorization plugin reads a personId argument as the person asked for; a person leaves it out to mean themselves.
  return vars.personId
    ? gql(url, `mutation R($p: ID!, $partial: Boolean) { requestExport(personId: $p, input: { allowPartial: $partial }) { ${JOB_FIELDS} } }`, { p: vars.personId, partial: vars.allowPartial ?? false }, headers)
    : gql(url, `mutation R($partial: Boolean) { requestExport(input: { allowPartial: $partial }) { ${JOB_FIELDS} } }`, { partial: vars.allowPartial ?? false }, headers);
}

export async function getJob(url: string, headers: Record<string, string>, jobId: string): Promise<JobView | null> {
  const res = await gql<{ exportJob: JobView | null }>(url, `query J($id: ID!) { exportJob(jobId: $id) { ${JOB_FIELDS} } }`, { id: jobId }, headers);
  if (res.errors?.length) throw new Error(`exportJob failed: ${res.errors[0]!.message}`);
  return res.data!.exportJob;
}

/** Polls the job until `until` holds (default: a final state). */
export async function waitForJob(url: string, headers: Record<string, string>, jobId: string, until: (j: JobView) => boolean = (j) => !['QUEUED', 'RUNNING'].includes(j.state), timeoutMs = 110_000, everyMs = 100): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let last: JobView | null = null;
  while (Date.now() < deadline) {
    last = await getJob(url, headers, jobId);
    if (last && until(last)) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`job ${jobId} did not get there in ${timeoutMs} ms; last seen ${JSON.stringify(last?.state)} ${JSON.stringify(last?.progress.domains.map((d) => [d.domain, d.status, d.recordsDone]))}`);
}

/** GETs a download link with the given headers into `file`; returns the response status and headers. */
export async function download(link: string, headers: Record<string, string>, file: string): Promise<{ status: number; headers: Headers; body?: string }> {
  const res = await fetch(link, { headers });
  if (!res.ok || !res.body) return { status: res.status, headers: res.headers, body: await res.text() };
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(file));
  return { status: res.status, headers: res.headers };
}

/** Every entry of a (small, test-sized) ZIP, by name. */
export async function readZip(path: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const out = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          out.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  zip.close();
  return out;
}

export interface Cell {
  text: string;
  quoted: boolean;
}

/** An RFC 4180 reader written for the tests (not the archive's own code): CRLF rows, quoted fields, doubled quotes. */
export function parseCsv(input: string): Cell[][] {
  const rows: Cell[][] = [];
  let row: Cell[] = [];
  let text = '';
  let quoted = false;
  let inQuotes = false;
  let atStart = true;
  const endField = () => {
    row.push({ text, quoted });
    text = '';
    quoted = false;
    atStart = true;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (inQuotes) {
      if (c === '"' && input[i + 1] === '"') {
        text += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else text += c;
      continue;
    }
    if (c === '"' && atStart) {
      inQuotes = true;
      quoted = true;
      atStart = false;
    } else if (c === ',') endField();
    else if (c === '\r' && input[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else if (c === '\n' || c === '\r') throw new Error(`bare line break outside quotes at ${i}`);
    else {
      text += c;
      atStart = false;
    }
  }
  if (inQuotes) throw new Error('unterminated quoted field');
  if (!atStart || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** A CSV cell back to its value, by the manifest's column type and the archive's documented rules. */
export function csvValue(cell: Cell, type: string): unknown {
  if (!cell.quoted && cell.text === '') return null;
  if (type === 'JSON') return JSON.parse(cell.text);
  if (type === 'Boolean') return cell.text === 'true';
  if (type === 'Int' || type === 'Float') return Number(cell.text);
  // A text constant ="…" (see CSV_DIALECT.textConstant) holds the value between =" and the last ".
  return /^="[\s\S]*"$/.test(cell.text) ? cell.text.slice(2, -1).replace(/""/g, '"') : cell.text;
}

export function valueAtPath(record: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = record;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  return v ?? null;
}

/** vCard 4.0 content lines, unfolded, with parameters and unescaped values. */
export function parseVCards(text: string): { name: string; params: string; value: string }[][] {
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(Boolean);
  const cards: { name: string; params: string; value: string }[][] = [];
  let card: { name: string; params: string; value: string }[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    const [name, ...params] = line.slice(0, colon).split(';');
    const value = line.slice(colon + 1).replace(/\\(.)/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
    if (name === 'BEGIN') card = [];
    else if (name === 'END') cards.push(card);
    else card.push({ name: name!, params: params.join(';'), value });
  }
  return cards;
}

/** The signature the gateway puts on a download link, computed independently to forge expired and cross-person links. */
export function signLink(jobId: string, expires: number, person: string): string {
  return createHmac('sha256', internalSecret).update(`footprint-export-download/v1\n${jobId}\n${expires}\n${person}`).digest('base64url');
}

export interface Proc {
  url: string;
  port: number;
  child: ChildProcess;
  /** Kills the process (SIGKILL by default) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function spawnService(script: string, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function proc(child: ChildProcess, port: number, path = '/graphql'): Proc {
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    child,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      await gone;
    },
  };
}

/** A gateway process of its own (its own store and export folder in `dataDir`), in front of the given subgraphs; on `port` if given. */
export async function startGateway(dataDir: string, subgraphUrls: Record<string, string>, env: Record<string, string> = {}, port_?: number): Promise<Proc> {
  const port = port_ ?? (await freePort());
  const urls = Object.fromEntries(Object.entries(subgraphUrls).map(([n, u]) => [`FOOTPRINT_SUBGRAPH_${n.toUpperCase()}_URL`, u]));
  const child = spawnService(serviceEntry('@footprint/gateway'), port, { FOOTPRINT_DATA_DIR: dataDir, ...urls, ...env });
  const p = proc(child, port);
  try {
    await waitForHealth('gateway', `http://127.0.0.1:${port}/health`, child, 60_000);
  } catch (err) {
    await p.kill();
    throw err;
  }
  return p;
}

/** A second process of one domain subgraph over the shared seeded data, for a test to stop without disturbing others; on `port` if given (a restart). */
export async function startSubgraph(name: string, dataDir: string, env: Record<string, string> = {}, port_?: number): Promise<Proc> {
  const port = port_ ?? (await freePort());
  const child = spawnService(serviceEntry(`@footprint/subgraph-${name}`), port, { FOOTPRINT_DATA_DIR: dataDir, ...env });
  const p = proc(child, port);
  await waitForHealth(`subgraph ${name}`, `http://127.0.0.1:${port}/health`, child, 60_000);
  return p;
}

/** A standalone export worker (npm run worker) process. */
export function startWorker(env: Record<string, string>): Proc & { output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'worker.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  return { ...proc(child, 0), output: () => output };
}
