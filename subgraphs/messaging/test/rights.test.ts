import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { MessagingDB } from '../src/store.js';

/** Erasing messaging data takes the rows that only served it: members, parties, and the correspondents' numbers. */
const [ERASED, OTHER] = ['38000001', '38000002'];
let sg: TestSubgraph<MessagingDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [ERASED, OTHER].map((id) => ({ id, scale: 5 })));
});
afterAll(() => sg.close());

const rows = async (person: string) => {
  const db = sg.store.db;
  const n = async (t: 'correspondent' | 'conversationMember' | 'messageParty' | 'conversation' | 'message') =>
    Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', person).executeTakeFirstOrThrow()).n);
  return { correspondent: await n('correspondent'), member: await n('conversationMember'), party: await n('messageParty'), conversation: await n('conversation'), message: await n('message') };
};
const erase = async (id: string, kinds: string[] | null) =>
  postGraphQL<{ _erase: { kinds: { kind: string; deleted: number }[] } }>(
    sg.url,
    'mutation($id: ID!, $k: [String!]) { _erase(requestId: $id, kinds: $k) { kinds { kind deleted } } }',
    { id, k: kinds },
    { [CREDENTIAL_HEADER]: await sg.credential(ERASED, { scopes: [ERASE_SCOPE] }) },
  );

describe('messaging: erasure', () => {
  it('keeps correspondents while a conversation still uses them, and takes them with the last of it', async () => {
    const before = await rows(ERASED);
    const other = await rows(OTHER);
    expect(Object.values(before).every((n) => n > 0)).toBe(true);
    const messagesOnly = await erase('m-1', ['messaging.message']);
    expect(messagesOnly.errors).toBeUndefined();
    const mid = await rows(ERASED);
    expect(mid).toMatchObject({ message: 0, party: 0, conversation: before.conversation, member: before.member });
    expect(mid.correspondent).toBeGreaterThan(0);
    expect((await erase('m-2', null)).errors).toBeUndefined();
    expect(await rows(ERASED)).toEqual({ correspondent: 0, member: 0, party: 0, conversation: 0, message: 0 });
    expect(await rows(OTHER)).toEqual(other);
  });
});
