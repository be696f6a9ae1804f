import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inventoryKinds } from '@footprint/schema';
import { HEAVY_PERSON, personProfile } from '@footprint/kit';
import { startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { maskPhone, type MessagingDB } from '../src/store.js';

const ME = '10000001';
const OTHER = '10000002';

interface Address {
  own: boolean;
  phoneNumber: string;
}
interface Meta {
  kind: string;
  source: string;
  correctable: boolean;
  correctionNote: string | null;
  recipients: string[];
}
interface Conversation {
  id: string;
  conversationId: string;
  type: 'DIRECT' | 'GROUP';
  title: string;
  participantCount: number;
  participants: Address[];
  createdAt: string;
  lastMessageAt: string | null;
  meta: Meta;
}
interface Message {
  id: string;
  conversationId: string;
  messageId: string;
  direction: 'SENT' | 'RECEIVED';
  body: string;
  sentAt: string;
  state: string;
  deliveredAt: string | null;
  readAt: string | null;
  sender: Address;
  recipients: Address[];
  meta: Meta;
}
interface Identifier {
  id: string;
  type: 'PHONE_NUMBER' | 'MI_MESSAGE_ID';
  value: string;
  registeredAt: string;
  active: boolean;
  meta: Meta;
}
interface Connection<T> {
  totalCount: number;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface Messaging {
  conversations: Connection<Conversation>;
  messages: Connection<Message>;
  routingIdentifiers: Connection<Identifier>;
  discovery: { domain: string; kinds: { kind: string; count: number; sources: string[] }[] };
}

const META = 'meta { kind source correctable correctionNote recipients }';
const ADDRESS = '{ own phoneNumber }';
/** Every field the domain serves, for one person. */
const EVERYTHING = `messaging {
  conversations(first: 5000) { totalCount pageInfo { hasNextPage endCursor } nodes { id conversationId type title participantCount participants ${ADDRESS} createdAt lastMessageAt ${META} } }
  messages(first: 5000) { totalCount pageInfo { hasNextPage endCursor } nodes { id conversationId messageId direction body sentAt state deliveredAt readAt sender ${ADDRESS} recipients ${ADDRESS} ${META} } }
  routingIdentifiers(first: 5000) { totalCount pageInfo { hasNextPage endCursor } nodes { id type value registeredAt verifiedAt deactivatedAt active ${META} } }
  discovery { domain kinds { kind count sources } }
}`;

const messagingOf = (res: GraphQLResponse<{ _entities: unknown[] }>): Messaging => {
  expect(res.errors).toBeUndefined();
  return (res.data!._entities[0] as { messaging: Messaging }).messaging;
};

/** Runs `fn` while recording every statement the store executes and the rows it returned. */
async function captureQueries<T>(sg: TestSubgraph<MessagingDB>, fn: () => Promise<T>): Promise<{ result: T; sql: string[]; rows: unknown[] }> {
  const executor = sg.store.db.getExecutor();
  const original = executor.executeQuery.bind(executor);
  const sql: string[] = [];
  const rows: unknown[] = [];
  const spy = vi.spyOn(executor, 'executeQuery').mockImplementation(async (query, ...rest) => {
    const out = await original(query, ...rest);
    sql.push(query.sql);
    rows.push(...out.rows);
    return out;
  });
  // Record pages on SQLite are read by the store's prepared statements, not through Kysely: capture those too.
  const reads = sg.store.reads;
  const readAll = reads?.all.bind(reads);
  const readSpy =
    reads && readAll
      ? vi.spyOn(reads, 'all').mockImplementation((query: string, params: readonly unknown[]) => {
          const out = readAll(query, params);
          sql.push(query);
          rows.push(...out);
          return out;
        })
      : null;
  try {
    return { result: await fn(), sql, rows };
  } finally {
    spy.mockRestore();
    readSpy?.mockRestore();
  }
}

/** What the store holds about a person's correspondents: theirs, never to be returned. */
async function correspondentsOf(sg: TestSubgraph<MessagingDB>, person: string) {
  return sg.store.db.selectFrom('correspondent').select(['phoneNumber', 'phoneMasked', 'displayName', 'miMessageId']).where('personId', '=', person).execute();
}

/** Every string a correspondent's data could leak through: full number, its digits without +, the hidden middle, name, Mi Message ID. */
function forbiddenStrings(c: { phoneNumber: string; displayName: string | null; miMessageId: string | null }): string[] {
  const out = [c.phoneNumber, c.phoneNumber.slice(1), c.phoneNumber.slice(6)];
  if (c.displayName) out.push(c.displayName);
  if (c.miMessageId) out.push(c.miMessageId);
  return out;
}

let sg: TestSubgraph<MessagingDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed);
});
afterAll(() => sg.close());

describe('masking of correspondents', () => {
  it('masks a number to its prefix and last two digits', () => {
    expect(maskPhone('+994501234567')).toBe('+99450•••••67');
    expect(maskPhone('+994 70 765-43-21')).toBe('+99470•••••21');
    expect(maskPhone('+994501234567')).not.toContain('12345');
  });

  it("never selects or returns a correspondent's full number, name or Mi Message ID", async () => {
    const stored = await correspondentsOf(sg, ME);
    expect(stored.length).toBeGreaterThanOrEqual(4);
    // The other demo person writes to ME: their own number is one of ME's correspondents.
    expect(stored.map((c) => c.phoneNumber)).toContain(personProfile(OTHER).phone);

    const { result: res, sql, rows } = await captureQueries(sg, () => sg.entities(ME, EVERYTHING));
    const m = messagingOf(res);
    expect(m.messages.nodes.length).toBeGreaterThan(0);
    // The capture saw the request's statements (pages, counts, discovery, loaders).
    expect(sql.length).toBeGreaterThanOrEqual(5);
    expect(sql.some((s) => /"correspondent"/.test(s))).toBe(true);
    expect(sql.some((s) => /from "message".* limit /i.test(s)), 'the message page was captured').toBe(true);
    expect(sql.every((s) => !/"phone_number"|"display_name"|"mi_message_id"/.test(s))).toBe(true);

    const body = JSON.stringify(res);
    const selected = JSON.stringify(rows);
    for (const c of stored) {
      for (const s of forbiddenStrings(c)) {
        expect(body, `response contains ${s}`).not.toContain(s);
        expect(selected, `a statement selected ${s}`).not.toContain(s);
      }
      // Not vacuous: each correspondent is shown, masked.
      expect(body).toContain(c.phoneMasked);
    }
  });

  it('shows the person their own numbers in full, and a correspondent only masked', async () => {
    const m = messagingOf(await sg.entities(ME, EVERYTHING));
    const ownPhones = m.routingIdentifiers.nodes.filter((n) => n.type === 'PHONE_NUMBER').map((n) => n.value);
    expect(ownPhones).toContain(personProfile(ME).phone);
    const addresses = [...m.messages.nodes.flatMap((n) => [n.sender, ...n.recipients]), ...m.conversations.nodes.flatMap((c) => c.participants)];
    for (const a of addresses) {
      if (a.own) expect(ownPhones).toContain(a.phoneNumber);
      else expect(a.phoneNumber).toMatch(/^\+\d{5}•{5}\d{2}$/);
    }
    expect(addresses.some((a) => a.own)).toBe(true);
    expect(addresses.some((a) => !a.own)).toBe(true);
  });

  it("shows one person's own number in full to them and only masked to their correspondent", async () => {
    const otherPhone = personProfile(OTHER).phone;
    const mine = JSON.stringify(await sg.entities(ME, EVERYTHING));
    const theirs = messagingOf(await sg.entities(OTHER, EVERYTHING));
    expect(theirs.routingIdentifiers.nodes.map((n) => n.value)).toContain(otherPhone);
    expect(mine).not.toContain(otherPhone);
    expect(mine).toContain(maskPhone(otherPhone));
  });
});

describe('chat history', () => {
  it('routes SENT messages from the own number and RECEIVED ones to it', async () => {
    const m = messagingOf(await sg.entities(ME, EVERYTHING));
    const ownPhones = m.routingIdentifiers.nodes.filter((n) => n.type === 'PHONE_NUMBER').map((n) => n.value);
    const sent = m.messages.nodes.filter((n) => n.direction === 'SENT');
    const received = m.messages.nodes.filter((n) => n.direction === 'RECEIVED');
    expect(sent.length).toBeGreaterThan(0);
    expect(received.length).toBeGreaterThan(0);
    for (const n of sent) {
      expect(n.sender.own).toBe(true);
      expect(ownPhones).toContain(n.sender.phoneNumber);
      expect(n.recipients.length).toBeGreaterThan(0);
      expect(n.recipients.every((r) => !r.own)).toBe(true);
      expect(n.meta.source).toBe('PROVIDED');
    }
    for (const n of received) {
      expect(n.sender.own).toBe(false);
      expect(n.recipients.filter((r) => r.own)).toHaveLength(1);
      expect(n.meta.source).toBe('THIRD_PARTY');
    }
    // Delivery state is consistent with its timestamps.
    for (const n of m.messages.nodes) {
      if (n.state === 'READ') expect(n.readAt! >= n.deliveredAt!).toBe(true);
      if (n.state === 'PENDING' || n.state === 'FAILED') expect(n.deliveredAt).toBeNull();
    }
  });

  it('ties messages to conversations whose participants and titles show correspondents masked', async () => {
    const m = messagingOf(await sg.entities(ME, EVERYTHING));
    const byId = new Map(m.conversations.nodes.map((c) => [c.conversationId, c]));
    expect(new Set(m.conversations.nodes.map((c) => c.type))).toEqual(new Set(['DIRECT', 'GROUP']));
    for (const c of m.conversations.nodes) {
      expect(c.participants).toHaveLength(c.participantCount);
      expect(c.participants.filter((p) => p.own)).toHaveLength(1);
      if (c.type === 'DIRECT') {
        expect(c.participantCount).toBe(2);
        expect(c.title).toBe(c.participants.find((p) => !p.own)!.phoneNumber);
      } else expect(c.participantCount).toBeGreaterThanOrEqual(3);
    }
    for (const n of m.messages.nodes) {
      const c = byId.get(n.conversationId);
      expect(c, `message ${n.messageId} names an unknown conversation`).toBeDefined();
      const members = new Set(c!.participants.map((p) => p.phoneNumber));
      for (const a of [n.sender, ...n.recipients]) expect(members.has(a.phoneNumber)).toBe(true);
      expect(n.sentAt >= c!.createdAt).toBe(true);
      expect(n.sentAt <= c!.lastMessageAt!).toBe(true);
    }
  });

  it('returns message bodies exactly as stored, non-ASCII, quotes and newlines included', async () => {
    const m = messagingOf(await sg.entities(ME, EVERYTHING));
    const stored = await sg.store.db.selectFrom('message').select(['messageId', 'body']).where('personId', '=', ME).execute();
    const byId = new Map(m.messages.nodes.map((n) => [n.messageId, n.body]));
    expect(byId.size).toBe(stored.length);
    for (const s of stored) expect(byId.get(s.messageId)).toBe(s.body);
    expect(m.messages.nodes.some((n) => /[^\p{ASCII}]/u.test(n.body))).toBe(true);
  });
});

describe('inventory and metadata', () => {
  it('serves every messaging kind with its metadata, present for every person', async () => {
    for (const person of [ME, OTHER]) {
      const m = messagingOf(await sg.entities(person, EVERYTHING));
      expect(m.discovery.domain).toBe('messaging');
      expect(m.discovery.kinds.map((k) => k.kind).sort()).toEqual(inventoryKinds('messaging').sort());
      for (const k of m.discovery.kinds) expect(k.count).toBeGreaterThanOrEqual(1);
      expect(m.discovery.kinds.find((k) => k.kind === 'messaging.message')!.sources.sort()).toEqual(['PROVIDED', 'THIRD_PARTY']);
      const records = [...m.conversations.nodes, ...m.messages.nodes, ...m.routingIdentifiers.nodes];
      for (const r of records) {
        expect(r.id.startsWith(`${r.meta.kind}:`)).toBe(true);
        expect(r.meta.correctable).toBe(false);
        expect(r.meta.correctionNote).toBeTruthy();
        expect(r.meta.recipients).toEqual(['SERVICE_PROVIDER']);
      }
      expect(m.conversations.nodes.every((n) => n.meta.kind === 'messaging.conversation')).toBe(true);
      expect(m.messages.nodes.every((n) => n.meta.kind === 'messaging.message')).toBe(true);
      expect(m.routingIdentifiers.nodes.every((n) => n.meta.kind === 'messaging.routing_identifier')).toBe(true);
      expect(m.routingIdentifiers.nodes.some((n) => n.type === 'MI_MESSAGE_ID' && n.active)).toBe(true);
      expect(m.routingIdentifiers.nodes.some((n) => n.type === 'PHONE_NUMBER' && n.active && n.value === personProfile(person).phone)).toBe(true);
      expect(m.messages.totalCount + m.conversations.totalCount + m.routingIdentifiers.totalCount).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('the heavy person', () => {
  let heavy: TestSubgraph<MessagingDB>;
  beforeAll(async () => {
    heavy = await startTestSubgraph(subgraph.createServer, seed, [
      { id: HEAVY_PERSON, scale: 1000 },
      { id: ME, scale: 1 },
    ]);
  });
  afterAll(() => heavy.close());

  it('holds at least 8 × scale records', async () => {
    const m = messagingOf(await heavy.entities(HEAVY_PERSON, 'messaging { discovery { domain kinds { kind count sources } } }'));
    const total = m.discovery.kinds.reduce((s, k) => s + k.count, 0);
    expect(total).toBeGreaterThanOrEqual(8000);
    expect(m.discovery.kinds.find((k) => k.kind === 'messaging.message')!.count).toBe(8000);
  });

  it('loads senders, recipients and participants in a constant number of statements, whatever the page size', async () => {
    const q = (first: number) =>
      `messaging { messages(first: ${first}) { nodes { messageId sender ${ADDRESS} recipients ${ADDRESS} } } conversations(first: ${first}) { nodes { title participants ${ADDRESS} } } }`;
    const cost = async (first: number) => {
      const before = heavy.store.statements;
      const res = await heavy.entities(HEAVY_PERSON, q(first));
      const m = messagingOf(res);
      return { statements: heavy.store.statements - before, messages: m.messages.nodes.length, conversations: m.conversations.nodes.length };
    };
    const small = await cost(5);
    const large = await cost(5000);
    expect(small.messages).toBe(5);
    expect(large.messages).toBe(5000);
    expect(large.conversations).toBeGreaterThan(small.conversations);
    expect(large.statements).toBe(small.statements);
    // Two pages and two loaders: parents in one statement each, never one per parent.
    expect(large.statements).toBeLessThanOrEqual(4);
  });

  it("pages through all 8,000 messages and never returns a correspondent's full number", async () => {
    const stored = await correspondentsOf(heavy, HEAVY_PERSON);
    expect(stored.length).toBeGreaterThan(100);
    let after: string | null = null;
    let count = 0;
    const bodies: string[] = [];
    for (let pages = 0; pages < 10; pages++) {
      const res = await heavy.entities(
        HEAVY_PERSON,
        `messaging { messages(first: 5000${after ? `, after: "${after}"` : ''}) { pageInfo { hasNextPage endCursor } nodes { messageId sender ${ADDRESS} recipients ${ADDRESS} } } }`,
      );
      const page = messagingOf(res).messages;
      count += page.nodes.length;
      bodies.push(JSON.stringify(res));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(count).toBe(8000);
    const all = bodies.join('\n');
    for (const c of stored) for (const s of forbiddenStrings(c)) expect(all.includes(s), `response contains ${s}`).toBe(false);
  });
});
