import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { AccountDB } from '../src/store.js';

let sg: TestSubgraph<AccountDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed);
});
afterAll(() => sg.close());

describe('account subgraph', () => {
  it('never returns a security secret, only that it exists', async () => {
    const res = await sg.entities('10000001', 'account { security { nodes { factor secretPresent enabledSince } } }');
    expect(res.errors).toBeUndefined();
    const body = JSON.stringify(res.data);
    const stored = await sg.store.db.selectFrom('securitySetting').select('secretHash').where('personId', '=', '10000001').execute();
    for (const { secretHash } of stored) if (secretHash) expect(body).not.toContain(secretHash);
    const nodes = (res.data!._entities[0] as { account: { security: { nodes: { factor: string; secretPresent: boolean }[] } } }).account.security.nodes;
    expect(nodes.find((n) => n.factor === 'PASSWORD')?.secretPresent).toBe(true);
    expect(nodes.find((n) => n.factor === 'RECOVERY_EMAIL')?.secretPresent).toBe(false);
  });

  it('returns the profile with non-ASCII text and its metadata', async () => {
    const res = await sg.entities('10000001', 'account { profile { totalCount nodes { accountId name email meta { kind source legalBasis correctable } } } }');
    const account = (res.data!._entities[0] as { account: { profile: { totalCount: number; nodes: { accountId: string; name: string; meta: { kind: string; correctable: boolean } }[] } } }).account;
    expect(account.profile.totalCount).toBe(1);
    expect(account.profile.nodes[0]!.accountId).toBe('10000001');
    expect(account.profile.nodes[0]!.name).toMatch(/[^\p{ASCII}]/u);
    expect(account.profile.nodes[0]!.meta).toMatchObject({ kind: 'account.profile', correctable: true });
  });
});
