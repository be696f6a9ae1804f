import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { serviceEntry } from '@footprint/scripts/entries';
import { bearer, gql, operatorToken } from './support/client.js';
import { startGateway } from './support/exports.js';

/**
 * The legal clock of a running gateway (FOOTPRINT_NOW, outside production):
 * a gateway process of its own (its own store), reading accounts from the
 * shared federation's account domain, whose clock starts at 02:00 on 1 March
 * 2027 in Baku. A written request entered then is received on 1 March and due
 * on 1 April there, in time for the whole day. A production gateway refuses
 * to start with FOOTPRINT_NOW.
 */

const START = '2027-02-28T22:00:00Z'; // 02:00 on 1 March in Baku (UTC+4)

let gw: Awaited<ReturnType<typeof startGateway>>;
const dirs: string[] = [];

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-requests-clock-'));
  dirs.push(dataDir);
  gw = await startGateway(dataDir, { account: inject('subgraphUrls').account! }, { FOOTPRINT_NOW: START, FOOTPRINT_EXPORT_CONCURRENCY: '0', FOOTPRINT_ERASURE_CONCURRENCY: '0' });
}, 90_000);

afterAll(async () => {
  await gw?.kill('SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('FOOTPRINT_NOW sets the legal clock of a non-production gateway', () => {
  it('a written request entered at 02:00 on 1 March in Baku is received on 1 March and due on 1 April, not overdue during it', async () => {
    const desk = bearer(await operatorToken(['footprint:requests']), { 'x-footprint-reason': 'Letter of 1 March' });
    const res = await gql<{ createPrivacyRequest: { id: string; receivedAt: string; receivedOn: string; dueAt: string; deadlineOn: string; overdue: boolean; daysLeft: number } }>(
      gw.url,
      'mutation($input: WrittenPrivacyRequestInput!) { createPrivacyRequest(personId: "10000001", input: $input) { id receivedAt receivedOn dueAt deadlineOn overdue daysLeft } }',
      { input: { type: 'ACCESS', channel: 'POST', originalText: 'Please send me a copy of my data.' } },
      desk,
    );
    expect(res.errors).toBeUndefined();
    const r = res.data!.createPrivacyRequest;
    // The gateway's clock started at START and runs on from there (seconds, not days).
    expect(Date.parse(r.receivedAt) - Date.parse(START)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(r.receivedAt) - Date.parse(START)).toBeLessThan(3_600_000);
    expect(r).toMatchObject({ receivedOn: '2027-03-01', deadlineOn: '2027-04-01', dueAt: '2027-04-01T19:59:59.999Z', overdue: false, daysLeft: 32 });
    // A receipt day after the gateway's today is in the future for it.
    const future = await gql(gw.url, 'mutation($input: WrittenPrivacyRequestInput!) { createPrivacyRequest(personId: "10000001", input: $input) { id } }', { input: { type: 'ACCESS', channel: 'POST', receivedOn: '2027-03-02', originalText: 'x' } }, desk);
    expect(future.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RECEIPT_IN_FUTURE' });
  });

  it('a production gateway refuses to start with FOOTPRINT_NOW, naming it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'footprint-requests-clock-prod-'));
    dirs.push(dataDir);
    const run = spawnSync(process.execPath, [serviceEntry('@footprint/gateway')], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production', PORT: '0', FOOTPRINT_DATA_DIR: dataDir, FOOTPRINT_INTERNAL_SECRET: 'p'.repeat(40), FOOTPRINT_JWT_SECRET: 'j'.repeat(40), FOOTPRINT_NOW: START },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/FOOTPRINT_NOW.*production/);
  });
});
