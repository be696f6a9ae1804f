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

// Mounting needs root: as root (CI) directly, otherwise through sudo without a password (as scripts/setup-system.sh does).
const asRoot = process.getuid?.() === 0;
function privileged(cmd: string, args: string[]): void {
  if (asRoot) execFileSync(cmd, args);
  else execFileSync('sudo', ['-n', cmd, ...args]);
}
if (!asRoot) {
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  } catch {
    throw new Error('test/export-disk-full.test.ts needs root or sudo without a password: it mounts a small tmpfs as the export folder');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'footprint-disk-full-'));
// The gateway's export folder; each phase mounts a tmpfs of its own size on it (one gateway for all of them).
const exportDir = join(dir, 'exports');
mkdirSync(exportDir);
let mounted = false;
let gateway: Proc;

function mountTmpfs(bytes: number): void {
  // Owned by whoever runs the test (and so the gateway it starts), whether or not the mount went through sudo.
  privileged('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700,uid=${process.getuid?.() ?? 0},gid=${process.getgid?.() ?? 0}`, 'tmpfs', exportDir]);
  mounted = true;
}

function unmount(lazy = false): void {
  privileged('umount', lazy ? ['-l', exportDir] : [exportDir]);
  mounted = false;
}

/** Every path the gateway process has open under the export folder (a deleted file shows as "<path> (deleted)"). */
function openUnderExports(pid: number): string[] {
  const open: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(`${exportDir}/`)) open.push(target);
    } catch {
      // closed between the listing and the readlink
    }
  }
  return open;
}

async function exportJob(): Promise<JobView> {
  const headers = bearer(await subjectToken(PERSON));
  const requested = await requestExport(gateway.url, headers);
  expect(requested.errors).toBeUndefined();
  return waitForJob(gateway.url, headers, requested.data!.requestExport.id);
}

/** The staged kind files' space on a tmpfs (whole pages each) and the ZIP's size, from a successful export of the person. */
let staged = 0;
let zipBytes = 0;
beforeAll(async () => {
  gateway = await startGateway(join(dir, 'gateway'), subgraphUrls, { FOOTPRINT_EXPORT_DIR: exportDir, FOOTPRINT_EXPORT_MAX_PER_WINDOW: '10' });
  mountTmpfs(256 * 1024 * 1024);
  const job = await exportJob();
  expect(job.state).toBe('SUCCEEDED');
  const file = join(dir, 'archive.zip');
  expect((await download(job.archive!.url, bearer(await subjectToken(PERSON)), file)).status).toBe(200);
  const manifest = JSON.parse((await readZip(file)).get('manifest.json')!.toString('utf8')) as { files: { path: string; size: number; kind: string | null }[] };
  // The staged files are the kinds' (the documents, the viewer's script and style among them, are made in memory).
  staged = manifest.files.filter((f) => f.kind !== null).reduce((n, f) => n + Math.ceil(f.size / PAGE) * PAGE, 0);
  zipBytes = job.archive!.sizeBytes;
  // Lazily: this phase only measures (the archive it keeps is not what is tested).
  unmount(true);
}, 180_000);

afterAll(async () => {
  await gateway?.kill('SIGTERM');
  if (mounted) unmount(true);
  rmSync(dir, { recursive: true, force: true });
});

describe('an export folder that runs out of space', () => {
  const cases = {
    'while its kinds are staged': () => 4 * PAGE,
    'while its ZIP is written': () => staged + Math.max(PAGE, Math.floor(zipBytes / 2 / PAGE) * PAGE),
  };
  for (const [when, size] of Object.entries(cases)) {
    it(`${when}: the job FAILS saying the export store is full, keeps no file open and the folder unmounts`, async () => {
      mountTmpfs(size());
      const job = await exportJob();
      expect(job.state).toBe('FAILED');
      expect(job.error).toMatchObject({ code: 'EXPORT_STORE_FULL', domain: null });
      expect(job.error!.message).toMatch(/^The export store ran out of space \(ENOSPC: no space left on the device\) while this archive was written/);
      expect(job.error!.message).not.toMatch(/internal error/i);
      // Nothing of the job is left, and nothing under the folder is still open in the gateway (deleted or not).
      expect(readdirSync(exportDir)).toEqual([]);
      expect(openUnderExports(gateway.child.pid!)).toEqual([]);
      // …so the filesystem unmounts while the gateway still runs (EBUSY before).
      unmount();
    }, 180_000);
  }
});
