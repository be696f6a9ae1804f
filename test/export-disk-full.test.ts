import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, subjectToken } from './support/client.js';
import { download, readZip, requestExport, startGateway, waitForJob, type JobView, type Proc } from './support/exports.js';

/**
 * An export folder that fills up: the job used to end FAILED with "internal
 * error… ask again later" (the cause unsaid) while the gateway kept the
 * deleted partial files open until garbage collection, so the folder's
 * filesystem could not be unmounted. The export folder here is a small tmpfs
 * of the test's own (mounting needs root: CI runs as root); the test fills it
 * once while kinds are staged and once while the ZIP is written.
 */
const subgraphUrls = inject('subgraphUrls');
const PAGE = 4096;
const PERSON = '10000001';

if (process.getuid?.() !== 0) {
  throw new Error('test/export-disk-full.test.ts needs root: it mounts a small tmpfs as the export folder (run it as root, as CI does)');
}

const dir = mkdtempSync(join(tmpdir(), 'footprint-disk-full-'));
const mounts: string[] = [];
let gateway: Proc | null = null;

function mountTmpfs(name: string, bytes: number): string {
  const at = join(dir, name);
  mkdirSync(at);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', at]);
  mounts.push(at);
  return at;
}

/** Every path the gateway process has open under `at` (a deleted file shows as "<path> (deleted)"). */
function openUnder(pid: number, at: string): string[] {
  const open: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(`${at}/`) || target === at) open.push(target);
    } catch {
      // closed between the listing and the readlink
    }
  }
  return open;
}

async function exportInto(exportDir: string): Promise<{ job: JobView; gateway: Proc }> {
  const gwDir = mkdtempSync(join(dir, 'gateway-'));
  gateway = await startGateway(gwDir, subgraphUrls, { FOOTPRINT_EXPORT_DIR: exportDir, FOOTPRINT_EXPORT_MAX_PER_WINDOW: '10' });
  const headers = bearer(await subjectToken(PERSON));
  const requested = await requestExport(gateway.url, headers);
  expect(requested.errors).toBeUndefined();
  const job = await waitForJob(gateway.url, headers, requested.data!.requestExport.id);
  return { job, gateway };
}

async function stopGateway(): Promise<void> {
  await gateway?.kill('SIGTERM');
  gateway = null;
}

afterAll(async () => {
  await stopGateway();
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m]);
    } catch {
      execFileSync('umount', ['-l', m]);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The staged kind files' space on a tmpfs (whole pages each) and the ZIP's size, from a successful export of the person. */
let staged = 0;
let zipBytes = 0;
beforeAll(async () => {
  const roomy = mountTmpfs('roomy', 256 * 1024 * 1024);
  const { job, gateway: gw } = await exportInto(roomy);
  expect(job.state).toBe('SUCCEEDED');
  const file = join(dir, 'archive.zip');
  expect((await download(job.archive!.url, bearer(await subjectToken(PERSON)), file)).status).toBe(200);
  const manifest = JSON.parse((await readZip(file)).get('manifest.json')!.toString('utf8')) as { files: { path: string; size: number }[] };
  const kindFiles = manifest.files.filter((f) => f.path.includes('/'));
  staged = kindFiles.reduce((n, f) => n + Math.ceil(f.size / PAGE) * PAGE, 0);
  zipBytes = job.archive!.sizeBytes;
  expect(gw.child.pid).toBeGreaterThan(0);
  await stopGateway();
}, 180_000);

describe('an export folder that runs out of space', () => {
  const cases = {
    'while its kinds are staged': () => 4 * PAGE,
    'while its ZIP is written': () => staged + Math.max(PAGE, Math.floor(zipBytes / 2 / PAGE) * PAGE),
  };
  for (const [when, size] of Object.entries(cases)) {
    it(`${when}: the job FAILS saying the export store is full, keeps no file open and the folder unmounts`, async () => {
      const mount = mountTmpfs(when.replace(/\W+/g, '-'), size());
      const { job, gateway: gw } = await exportInto(mount);
      expect(job.state).toBe('FAILED');
      expect(job.error).toMatchObject({ code: 'EXPORT_STORE_FULL', domain: null });
      expect(job.error!.message).toMatch(/^The export store ran out of space \(ENOSPC: no space left on the device\) while this archive was written/);
      expect(job.error!.message).not.toMatch(/internal error/i);
      // Nothing of the job is left, and nothing under the folder is still open in the gateway (deleted or not).
      expect(readdirSync(mount)).toEqual([]);
      expect(openUnder(gw.child.pid!, mount)).toEqual([]);
      // …so the filesystem unmounts while the gateway still runs (it failed with EBUSY before).
      execFileSync('umount', [mount]);
      mounts.splice(mounts.indexOf(mount), 1);
      await stopGateway();
    }, 180_000);
  }
});
