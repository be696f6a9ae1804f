import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { freePort } from '@footprint/scripts/federation';
import { footprintPlan, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');

/** Runs `npm run footprint -- …` as node does, collecting its output (async: the gateway is in this process tree's event loop). */
function footprint(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'footprint.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, FOOTPRINT_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

type Kinds = Record<string, { typename: string; totalCount: number; records: { id: string; meta: { kind: string } }[] }>;

describe('npm run footprint', () => {
  it('--json prints the whole footprint, every kind of the supergraph, every cursor followed', async () => {
    const r = await footprint(['--user', '10000001', '--url', url, '--json', '--page-size', '2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { person: string; kinds: Kinds; failedDomains: Record<string, unknown> };
    expect(out.person).toBe('10000001');
    expect(out.failedDomains).toEqual({});
    const plan = footprintPlan();
    expect(Object.keys(out.kinds)).toEqual(plan.kinds.map((k) => `${k.domain}.${k.field}`));
    for (const [key, k] of Object.entries(out.kinds)) {
      expect(k.records.length, key).toBe(k.totalCount);
      expect(new Set(k.records.map((x) => x.id)).size, key).toBe(k.totalCount);
      expect(k.records.every((x) => x.meta.kind.startsWith(`${key.split('.')[0]}.`)), key).toBe(true);
    }
  });

  it('prints a summary per kind for people to read', async () => {
    const r = await footprint(['--user', '10000002', '--url', url]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Footprint of person 10000002 through .*, planned from \d+ domains and \d+ kinds of the supergraph/);
    expect(r.stdout).toMatch(/^music\.playbacks +MusicPlayback +\d+$/m);
    expect(r.stdout).toMatch(/\d+ records in \d+ kinds; every cursor followed to the end\./);
  });

  it('--discovery prints the discovery summary; --reason reads as an audited operator', async () => {
    const r = await footprint(['--user', '10000002', '--url', url, '--discovery', '--reason', 'DSAR ticket 99']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Discovery of person 10000002/);
    expect(r.stdout).toMatch(/^account\.profile +1 /m);
    expect(r.stdout).toMatch(/^music\.search_query +\d+ /m);
  });

  it('exits non-zero with the reason when refused, unreachable or misused', async () => {
    const other = await footprint(['--user', '10000002', '--url', url, '--token', await subjectToken('10000001')]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/footprint: FORBIDDEN: Not allowed to read person 10000002/);
    const down = await footprint(['--user', '10000001', '--url', `http://127.0.0.1:${await freePort()}/graphql`]);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/the gateway is not running there/);
    for (const args of [[], ['--user', 'me'], ['--user', '10000001', '--page-size', '0'], ['--user', '10000001', '--url', 'nope']]) {
      const bad = await footprint(args);
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/usage: npm run footprint -- --user ID/);
    }
  });
});
