import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKinds } from '@footprint/schema';
import { HEAVY_PERSON, personProfile } from '@footprint/kit';
import { startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { CommunityDB } from '../src/store.js';

const ME = '10000001';
const OTHER = '10000002';
/** Enough records for several pages and for a batching test with many parents. */
const MY_SCALE = 40;

let sg: TestSubgraph<CommunityDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [
    { id: ME, scale: MY_SCALE },
    { id: OTHER, scale: 1 },
  ]);
});
afterAll(() => sg.close());

interface Conn<T> {
  totalCount: number;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type Meta = { kind: string; domain: string; correctable: boolean; correctionNote: string | null; recipients: string[]; source: string; region: string };

/** The Person's `community` value, or a failed assertion with the errors. */
function community<T extends { community: unknown }>(res: GraphQLResponse<{ _entities: T[] }>): T['community'] {
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0]!.community;
}

const META = 'meta { kind domain correctable correctionNote recipients source region }';

describe('community subgraph', () => {
  it('serves every community kind of the inventory for every person, with its policy metadata', async () => {
    const expected: Record<string, { field: string; correctable: boolean; recipients: string[]; source: string }> = {
      'community.profile': { field: 'profile', correctable: true, recipients: [], source: 'COLLECTED' },
      'community.post': { field: 'posts', correctable: false, recipients: [], source: 'PROVIDED' },
      'community.comment': { field: 'comments', correctable: false, recipients: [], source: 'PROVIDED' },
      'community.private_message': { field: 'privateMessages', correctable: false, recipients: [], source: 'COLLECTED' },
      'community.browsing': { field: 'browsing', correctable: false, recipients: [], source: 'COLLECTED' },
      'community.login': { field: 'logins', correctable: false, recipients: [], source: 'COLLECTED' },
      'community.promotion_entry': { field: 'promotions', correctable: true, recipients: ['DELIVERY_PARTNER'], source: 'PROVIDED' },
    };
    expect(Object.keys(expected).sort()).toEqual(inventoryKinds('community').sort());
    for (const person of [ME, OTHER]) {
      const fields = Object.values(expected)
        .map((e) => `${e.field}(first: 1) { totalCount nodes { id ${META} } }`)
        .join(' ');
      const data = community<{ community: Record<string, Conn<{ id: string; meta: Meta }>> & { discovery: { domain: string; kinds: { kind: string; count: number }[] } } }>(
        await sg.entities(person, `community { ${fields} discovery { domain kinds { kind count } } }`),
      );
      expect(data.discovery.domain).toBe('community');
      expect(data.discovery.kinds.map((k) => k.kind).sort()).toEqual(inventoryKinds('community').sort());
      for (const [kind, e] of Object.entries(expected)) {
        const conn = data[e.field]!;
        expect(conn.totalCount, `${person} ${kind}`).toBeGreaterThanOrEqual(1);
        expect(data.discovery.kinds.find((k) => k.kind === kind)?.count).toBe(conn.totalCount);
        const node = conn.nodes[0]!;
        expect(node.id).toMatch(new RegExp(`^${kind.replace('.', '\\.')}:\\d+$`));
        expect(node.meta).toMatchObject({ kind, domain: 'community', correctable: e.correctable, recipients: e.recipients, source: e.source, region: personProfile(person).region });
        if (e.correctable) expect(node.meta.correctionNote).toBeNull();
        else expect(node.meta.correctionNote).toMatch(/\w{10,}/);
      }
    }
  });

  it('returns the community profile with its nickname and the badges nested from the store', async () => {
    const data = community<{ community: { profile: Conn<{ nickname: string; level: number; levelName: string; rating: number; joinedAt: string; badges: { name: string; awardedAt: string }[] }> } }>(
      await sg.entities(ME, 'community { profile { totalCount nodes { nickname rating level levelName joinedAt badges { name awardedAt } } } }'),
    );
    expect(data.profile.totalCount).toBe(1);
    const profile = data.profile.nodes[0]!;
    expect(profile.nickname).toBe(personProfile(ME).nickname);
    const stored = await sg.store.db.selectFrom('badge').select(['name', 'awardedAt']).where('personId', '=', ME).orderBy('awardedAt').orderBy('id').execute();
    expect(stored.length).toBeGreaterThan(0);
    expect(profile.badges).toEqual(stored);
    const row = await sg.store.db.selectFrom('profile').select(['rating', 'level', 'levelName', 'joinedAt']).where('personId', '=', ME).executeTakeFirstOrThrow();
    expect({ rating: profile.rating, level: profile.level, levelName: profile.levelName, joinedAt: profile.joinedAt }).toEqual(row);
  });

  it('keeps free text exactly as typed (quotes, commas, newlines, non-ASCII)', async () => {
    const data = community<{ community: { posts: Conn<{ postId: string; body: string; title: string; board: string }> } }>(
      await sg.entities(ME, `community { posts(first: ${MY_SCALE}) { totalCount nodes { postId board title body } } }`),
    );
    const stored = await sg.store.db.selectFrom('post').select(['postId', 'board', 'title', 'body']).where('personId', '=', ME).orderBy('id').execute();
    expect(data.posts.totalCount).toBe(MY_SCALE);
    expect(data.posts.nodes).toEqual(stored);
    expect(stored.some((p) => p.body.includes('\n') && p.body.includes('"'))).toBe(true);
    expect(stored.every((p) => /[^\p{ASCII}]/u.test(p.body))).toBe(true);
  });

  it('shows a private message counterpart only by their community nickname', async () => {
    const data = community<{ community: { privateMessages: Conn<Record<string, unknown> & { direction: string; counterpartNickname: string }> } }>(
      await sg.entities(ME, `community { privateMessages(first: ${2 * MY_SCALE}) { totalCount nodes { id ${META} direction counterpartNickname body at } } }`),
    );
    const nodes = data.privateMessages.nodes;
    expect(nodes).toHaveLength(2 * MY_SCALE);
    expect(new Set(nodes.map((n) => n.direction))).toEqual(new Set(['SENT', 'RECEIVED']));
    // The other demo person is one of the counterparts: their nickname is shown, nothing else of theirs.
    const other = personProfile(OTHER);
    expect(nodes.some((n) => n.counterpartNickname === other.nickname)).toBe(true);
    const body = JSON.stringify(data);
    for (const secret of [OTHER, other.email, other.phone, other.fullName, other.street]) expect(body).not.toContain(secret);
    expect(body).not.toMatch(/@example\.com|\+99450\d{7}|\b100\d{5}\b/);
    expect(Object.keys(nodes[0]!).sort()).toEqual(['at', 'body', 'counterpartNickname', 'direction', 'id', 'meta']);
  });

  it('returns only the person’s own records', async () => {
    const data = community<{ community: { comments: Conn<{ id: string }>; logins: Conn<{ id: string }> } }>(
      await sg.entities(ME, 'community { comments(first: 5000) { nodes { id } } logins(first: 5000) { nodes { id } } }'),
    );
    for (const [table, conn] of [['comment', data.comments], ['login', data.logins]] as const) {
      const mine = await sg.store.db.selectFrom(table).select('id').where('personId', '=', ME).orderBy('id').execute();
      expect(conn.nodes.map((n) => Number(n.id.split(':')[1]))).toEqual(mine.map((r) => r.id));
    }
  });

  it('loads the titles of commented and visited posts in one statement however many records ask', async () => {
    const statementsFor = async (first: number) => {
      const before = sg.store.statements;
      const data = community<{ community: { comments: Conn<{ postId: string; postTitle: string | null }>; browsing: Conn<{ threadId: string | null; threadTitle: string | null }> } }>(
        await sg.entities(ME, `community { comments(first: ${first}) { nodes { postId postTitle } } browsing(first: ${first}) { nodes { threadId threadTitle } } }`),
      );
      return { statements: sg.store.statements - before, data };
    };
    const few = await statementsFor(2);
    const many = await statementsFor(2 * MY_SCALE);
    expect(few.data.comments.nodes).toHaveLength(2);
    expect(many.data.comments.nodes).toHaveLength(2 * MY_SCALE);
    // Two pages, one forum-post lookup shared by comments and visits.
    expect(many.statements).toBe(3);
    expect(many.statements).toBe(few.statements);

    const index = new Map((await sg.store.db.selectFrom('forumPost').select(['id', 'title']).execute()).map((r) => [r.id, r.title]));
    const comments = many.data.comments.nodes;
    for (const c of comments) expect(c.postTitle).toBe(index.get(c.postId) ?? null);
    // The seed has comments on removed posts (title null) as well as on live ones.
    expect(comments.some((c) => c.postTitle === null)).toBe(true);
    expect(comments.some((c) => c.postTitle !== null)).toBe(true);
    for (const b of many.data.browsing.nodes) expect(b.threadTitle).toBe(b.threadId === null ? null : (index.get(b.threadId) ?? null));
    expect(many.data.browsing.nodes.some((b) => b.threadId === null)).toBe(true);
  });

  it('loads the badges of a profile through the batched loader, never another person’s', async () => {
    const before = sg.store.statements;
    const data = community<{ community: { profile: Conn<{ badges: { name: string }[] }> } }>(await sg.entities(OTHER, 'community { profile { nodes { badges { name } } } }'));
    expect(sg.store.statements - before).toBe(2);
    const stored = await sg.store.db.selectFrom('badge').select('name').where('personId', '=', OTHER).orderBy('awardedAt').orderBy('id').execute();
    expect(data.profile.nodes[0]!.badges.map((b) => b.name)).toEqual(stored.map((b) => b.name));
  });

  it('shows the prize and the shipping details given for it, and none for an entry that did not win', async () => {
    const data = community<{ community: { promotions: Conn<{ promotionName: string; prize: string | null; shipping: { name: string; address: string; phone: string } | null; meta: Meta }> } }>(
      await sg.entities(ME, `community { promotions { nodes { promotionName prize shipping { name address phone } ${META} } } }`),
    );
    const p = personProfile(ME);
    const won = data.promotions.nodes.filter((n) => n.shipping !== null);
    expect(won.length).toBeGreaterThan(0);
    for (const n of won) {
      expect(n.prize).not.toBeNull();
      expect(n.shipping).toEqual({ name: p.fullName, address: `${p.street}, ${p.city}, ${p.postalCode}`, phone: p.phone });
      expect(n.meta.recipients).toEqual(['DELIVERY_PARTNER']);
    }
    const lost = data.promotions.nodes.filter((n) => n.prize === null);
    expect(lost.length).toBeGreaterThan(0);
    for (const n of lost) expect(n.shipping).toBeNull();
  });

  it('keeps browsing and login logs within their 12-month retention window', async () => {
    for (const table of ['browsing', 'login'] as const) {
      const oldest = await sg.store.db.selectFrom(table).select((eb) => eb.fn.min('at').as('oldest')).executeTakeFirstOrThrow();
      expect(String(oldest.oldest) >= '2025-11-01T00:00:00.000Z').toBe(true);
    }
  });
});

describe('community seed', () => {
  let heavy: TestSubgraph<CommunityDB>;
  let seconds = 0;
  beforeAll(async () => {
    const started = performance.now();
    heavy = await startTestSubgraph(subgraph.createServer, seed, [
      { id: HEAVY_PERSON, scale: 1000 },
      { id: ME, scale: MY_SCALE },
    ]);
    seconds = (performance.now() - started) / 1000;
  });
  afterAll(() => heavy.close());

  it('writes at least 8 × scale records for the heavy person, quickly', async () => {
    const data = community<{ community: { discovery: { kinds: { kind: string; count: number }[] } } }>(await heavy.entities(HEAVY_PERSON, 'community { discovery { kinds { kind count } } }'));
    const total = data.discovery.kinds.reduce((s, k) => s + k.count, 0);
    expect(total).toBeGreaterThanOrEqual(8000);
    expect(data.discovery.kinds.every((k) => k.count >= 1)).toBe(true);
    expect(seconds).toBeLessThan(30);
  });

  it('is deterministic: the same person gets the same records in another store and order', async () => {
    for (const table of ['post', 'comment', 'privateMessage', 'browsing', 'login', 'promotionEntry'] as const) {
      const read = (s: TestSubgraph<CommunityDB>) =>
        s.store.db.selectFrom(table).selectAll().where('personId', '=', ME).orderBy('id').execute().then((rows) => rows.map(({ id: _id, ...rest }) => rest));
      expect(await read(heavy), table).toEqual(await read(sg));
    }
  });
});
