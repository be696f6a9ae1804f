import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');

describe('request limits refuse with an error that names the limit', () => {
  it('query depth', async () => {
    const deep = `{ __type(name: "Person") { ${'fields { type { ofType { '.repeat(6)}name${' } } }'.repeat(6)} } }`;
    const res = await gql(url, deep, {}, bearer(await subjectToken('10000001')));
    expect(res.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
    expect(res.errors?.[0]?.message).toMatch(/depth limit of 15/i);
  });
  it('aliases', async () => {
    const q = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const res = await gql(url, q, {}, bearer(await subjectToken('10000001')));
    expect(res.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
    expect(res.errors?.[0]?.message).toMatch(/aliases limit of 15/i);
  });
  it('parser tokens', async () => {
    const q = `{ me { ${'id '.repeat(16_000)} } }`;
    const res = await gql(url, q, {}, bearer(await subjectToken('10000001')));
    expect(res.errors?.[0]?.extensions?.code).toBe('LIMIT_EXCEEDED');
    expect(res.errors?.[0]?.message).toMatch(/token limit of 15000/i);
  });
  it('body size', async () => {
    const res = await gql(url, `{ me { id } } # ${'x'.repeat(3 * 1024 * 1024)}`, {}, bearer(await subjectToken('10000001')));
    expect(res.status).toBe(413);
    expect(res.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.errors?.[0]?.message).toMatch(/limit of 2097152 bytes/);
  });
  it('a query within the limits passes', async () => {
    const res = await gql(url, '{ me { id account { profile { edges { cursor node { meta { purposes } } } } } } }', {}, bearer(await subjectToken('10000001')));
    expect(res.errors).toBeUndefined();
  });
});

describe('a domain that is down or slow', () => {
  let fed: Federation;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-faults-'));
    await seedAll({ dataDir });
    fed = await launchFederation({ dataDir, env: { LOG_LEVEL: 'silent', FOOTPRINT_SUBGRAPH_TIMEOUT_MS: '1500' } });
  });
  afterAll(async () => {
    await fed?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const q = '{ me { id account { profile { totalCount } } orders { discovery { domain } } } }';

  it('times out a hung subgraph and names it, keeping the other domains', async () => {
    const orders = fed.subgraphs.get('orders')!;
    orders.child.kill('SIGSTOP');
    try {
      const started = Date.now();
      const res = await gql<{ me: { account: { profile: { totalCount: number } }; orders: unknown } }>(fed.gatewayUrl, q, {}, bearer(await subjectToken('10000001')));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.status).toBe(200);
      expect(res.data!.me.account.profile.totalCount).toBe(1);
      expect(res.data!.me.orders).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'orders' });
      expect(res.errors![0]!.message).toMatch(/orders.*1500 ms/);
    } finally {
      orders.child.kill('SIGCONT');
    }
  });

  it('returns the other domains and an error naming a stopped one; /health reports it', async () => {
    await fed.stopSubgraph('orders');
    const res = await gql<{ me: { account: { profile: { totalCount: number } }; orders: unknown } }>(fed.gatewayUrl, q, {}, bearer(await subjectToken('10000001')));
    expect(res.data!.me.account.profile.totalCount).toBe(1);
    expect(res.data!.me.orders).toBeNull();
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', domain: 'orders' });
    expect(res.errors![0]!.message).toMatch(/orders domain is unavailable/);
    const health = (await (await fetch(new URL('/health', fed.gatewayUrl))).json()) as { status: string; down: string[] };
    expect(health.status).toBe('degraded');
    expect(health.down).toEqual(['orders']);
  });
});
