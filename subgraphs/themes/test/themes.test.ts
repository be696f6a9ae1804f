import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKinds } from '@footprint/schema';
import { personProfile, Rng, type SeedTarget } from '@footprint/kit';
import { startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { openThemesStore, tables as themeTables, type ThemesDB } from '../src/store.js';
import { formatMinor, maskCard } from '../src/vocabulary.js';

const ME = '10000001';
const OTHER = '10000002';
/** A busier person: 5 recommendation profiles, 800 carousel events, 400 interactions. */
const BUSY = '10000003';
const BUSY_SCALE = 200;

let sg: TestSubgraph<ThemesDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [
    { id: ME, scale: 1 },
    { id: OTHER, scale: 1 },
    { id: BUSY, scale: BUSY_SCALE },
  ]);
});
afterAll(() => sg.close());

type Themes = Record<string, unknown>;
/** The `themes` value of the one Person asked for; fails the test on any error. */
function themesOf<T = Themes>(res: GraphQLResponse<{ _entities: unknown[] }>): T {
  expect(res.errors).toBeUndefined();
  return (res.data!._entities[0] as { themes: T }).themes;
}

interface Meta {
  kind: string;
  domain: string;
  source: string;
  category: string;
  legalBasis: string;
  retention: string;
  region: string;
  correctable: boolean;
  correctionNote: string | null;
  recipients: string[];
  policySection: string;
  collectedAt: string;
}

const FIELDS: Record<string, { field: string; table: string; kind: string }> = {
  ThemeDownload: { field: 'downloads', table: themeTables.kinds.ThemeDownload, kind: 'themes.download' },
  ThemePurchase: { field: 'purchases', table: themeTables.kinds.ThemePurchase, kind: 'themes.purchase' },
  ThemeInteraction: { field: 'interactions', table: themeTables.kinds.ThemeInteraction, kind: 'themes.interaction' },
  ThemeSearchQuery: { field: 'searchQueries', table: themeTables.kinds.ThemeSearchQuery, kind: 'themes.search_query' },
  RecommendationProfile: { field: 'recommendationProfiles', table: themeTables.kinds.RecommendationProfile, kind: 'themes.recommendation_profile' },
  CarouselSubscription: { field: 'carouselSubscriptions', table: themeTables.kinds.CarouselSubscription, kind: 'themes.carousel_subscription' },
  CarouselEvent: { field: 'carouselEvents', table: themeTables.kinds.CarouselEvent, kind: 'themes.carousel_event' },
};

describe('themes subgraph: coverage and metadata', () => {
  it('discovers exactly the inventory kinds of themes, each with records, counted like the store', async () => {
    const res = await sg.entities(ME, 'themes { discovery { domain kinds { kind title count earliest latest regions sources } } }');
    const { discovery } = themesOf<{ discovery: { domain: string; kinds: { kind: string; count: number; regions: string[]; sources: string[]; earliest: string | null }[] } }>(res);
    expect(discovery.domain).toBe('themes');
    expect(discovery.kinds.map((k) => k.kind).sort()).toEqual(inventoryKinds('themes').sort());
    const region = personProfile(ME).region;
    for (const { table, kind } of Object.values(FIELDS)) {
      const k = discovery.kinds.find((x) => x.kind === kind)!;
      const stored = await sg.store.db.selectFrom(table as 'download').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', ME).executeTakeFirstOrThrow();
      expect(k.count, kind).toBe(Number(stored.n));
      expect(k.count, kind).toBeGreaterThanOrEqual(1);
      expect(k.regions).toEqual([region]);
      expect(k.earliest).not.toBeNull();
    }
    expect(discovery.kinds.find((k) => k.kind === 'themes.recommendation_profile')!.sources).toEqual(['INFERRED']);
    expect(discovery.kinds.find((k) => k.kind === 'themes.download')!.sources).toEqual(['COLLECTED']);
  });

  it('gives every record its kind, a kind-qualified id and the policy metadata of its kind', async () => {
    const metaSel = 'meta { kind domain source category legalBasis retention region correctable correctionNote recipients policySection collectedAt }';
    const selection = Object.values(FIELDS)
      .map(({ field }) => `${field}(first: 2) { nodes { id ${metaSel} } }`)
      .join(' ');
    const themes = themesOf<Record<string, { nodes: { id: string; meta: Meta }[] }>>(await sg.entities(ME, `themes { ${selection} }`));
    const region = personProfile(ME).region;
    for (const { field, kind } of Object.values(FIELDS)) {
      const nodes = themes[field]!.nodes;
      expect(nodes.length, field).toBeGreaterThanOrEqual(1);
      for (const n of nodes) {
        expect(n.id).toMatch(new RegExp(`^${kind.replace('.', '\\.')}:\\d+$`));
        expect(n.meta).toMatchObject({ kind, domain: 'themes', region });
        expect(Number.isNaN(Date.parse(n.meta.collectedAt))).toBe(false);
        // Non-correctable kinds say why; correctable ones have nothing to explain.
        if (n.meta.correctable) expect(n.meta.correctionNote).toBeNull();
        else expect(n.meta.correctionNote).toMatch(/\w{4,}/);
      }
    }
    const first = (field: string) => themes[field]!.nodes[0]!.meta;
    expect(first('recommendationProfiles')).toMatchObject({ source: 'INFERRED', category: 'PROFILING', legalBasis: 'CONSENT', correctable: false });
    expect(first('purchases')).toMatchObject({ source: 'COLLECTED', category: 'TRANSACTION', retention: 'LEGAL_PERIOD', recipients: ['PAYMENT_PROVIDER'] });
    expect(first('carouselSubscriptions')).toMatchObject({ category: 'PREFERENCE', correctable: true, recipients: ['SERVICE_PROVIDER'] });
    expect(first('carouselEvents')).toMatchObject({ category: 'USAGE', retention: 'ROLLING_12_MONTHS', recipients: ['SERVICE_PROVIDER'] });
    expect(first('searchQueries')).toMatchObject({ retention: 'ROLLING_12_MONTHS', recipients: [] });
  });
});

describe('themes subgraph: purchases', () => {
  it('shows the card as its last four digits only and never the payment token', async () => {
    for (const person of [ME, BUSY]) {
      const res = await sg.entities(person, 'themes { purchases(first: 5000) { nodes { id itemId itemTitle itemType price currency at orderReference paymentMethod maskedCard } } }');
      const body = JSON.stringify(res);
      const { purchases } = themesOf<{ purchases: { nodes: { id: string; price: string; currency: string; paymentMethod: string; maskedCard: string | null; orderReference: string }[] } }>(res);
      const stored = await sg.store.db.selectFrom('purchase').selectAll().where('personId', '=', person).orderBy('id').execute();
      expect(purchases.nodes).toHaveLength(stored.length);
      expect(stored.some((r) => r.paymentMethod === 'CARD')).toBe(true);
      stored.forEach((row, i) => {
        const node = purchases.nodes[i]!;
        expect(node.id).toBe(`themes.purchase:${row.id}`);
        expect(node.orderReference).toBe(row.orderReference);
        expect(node.maskedCard).toBe(row.cardLast4 === null ? null : `•••• ${row.cardLast4}`);
        if (node.maskedCard !== null) expect(node.maskedCard).toMatch(/^•••• \d{4}$/);
        // Decimal text, exactly the stored minor units.
        expect(node.price).toMatch(/^\d+\.\d{2}$/);
        expect(Math.round(Number(node.price) * 100)).toBe(row.priceMinor);
        if (row.pspToken) expect(body).not.toContain(row.pspToken);
      });
      expect(body).not.toMatch(/psp_tok_/);
    }
  });

  it('masks whatever the store holds and formats amounts without floating point', () => {
    expect(maskCard('4111 1111 1111 1234')).toBe('•••• 1234');
    expect(maskCard('987')).toBe('••••');
    expect(maskCard(null)).toBeNull();
    expect(formatMinor(5, 'AZN')).toBe('0.05');
    expect(formatMinor(29900, 'RUB')).toBe('299.00');
    expect(formatMinor(1, 'INR')).toBe('0.01');
    expect(formatMinor(500, 'JPY')).toBe('500');
    expect(formatMinor(-150, 'EUR')).toBe('-1.50');
  });
});

describe('themes subgraph: recommendation profiles', () => {
  interface Weight {
    facet: string;
    tag: string;
    weight: number;
    rank: number;
  }
  const query = (first: number) =>
    `themes { recommendationProfiles(first: ${first}) { nodes { id computedAt modelVersion basedOnDownloads basedOnSearches topStyles { facet tag weight rank } topTags { facet tag weight rank } } } }`;

  it('loads the weights of every profile on a page in one statement, however many profiles', async () => {
    const before1 = sg.store.statements;
    const one = themesOf<{ recommendationProfiles: { nodes: unknown[] } }>(await sg.entities(BUSY, query(1)));
    const forOne = sg.store.statements - before1;
    const beforeN = sg.store.statements;
    const many = themesOf<{ recommendationProfiles: { nodes: { id: string; topStyles: Weight[]; topTags: Weight[] }[] } }>(await sg.entities(BUSY, query(50)));
    const forMany = sg.store.statements - beforeN;
    expect(one.recommendationProfiles.nodes).toHaveLength(1);
    expect(many.recommendationProfiles.nodes).toHaveLength(1 + Math.floor(BUSY_SCALE / 50));
    // One page statement and one weights statement, for 1 profile as for 5.
    expect(forOne).toBe(2);
    expect(forMany).toBe(forOne);
  });

  it('returns each profile its own weights, heaviest first, from the store', async () => {
    const themes = themesOf<{ recommendationProfiles: { nodes: { id: string; topStyles: Weight[]; topTags: Weight[] }[] } }>(await sg.entities(BUSY, query(50)));
    const stored = await sg.store.db.selectFrom('recommendationWeight').selectAll().where('personId', '=', BUSY).execute();
    for (const node of themes.recommendationProfiles.nodes) {
      const profileId = Number(node.id.split(':')[1]);
      for (const [facet, list, min] of [['STYLE', node.topStyles, 3], ['TAG', node.topTags, 4]] as const) {
        expect(list.length).toBeGreaterThanOrEqual(min);
        expect(list.every((w) => w.facet === facet)).toBe(true);
        expect(list.map((w) => w.rank)).toEqual(list.map((_, i) => i + 1));
        for (let i = 1; i < list.length; i++) expect(list[i]!.weight).toBeLessThanOrEqual(list[i - 1]!.weight);
        expect(list.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 1);
        const mine = stored.filter((r) => r.profileId === profileId && r.facet === facet).sort((a, b) => a.rank - b.rank);
        expect(list.map((w) => w.tag)).toEqual(mine.map((r) => r.tag));
      }
    }
  });
});

describe('themes subgraph: pagination', () => {
  async function readAll(person: string, field: string, size: number, nodeSel: string) {
    const seen: { id: string; at?: string }[] = [];
    let after: string | null = null;
    let total = -1;
    let pages = 0;
    for (;;) {
      const args: string = after ? `first: ${size}, after: ${JSON.stringify(after)}` : `first: ${size}`;
      const res = await sg.entities(person, `themes { ${field}(${args}) { totalCount edges { cursor } nodes { id ${nodeSel} } pageInfo { hasNextPage endCursor } } }`);
      const conn = themesOf<Record<string, { totalCount: number; edges: { cursor: string }[]; nodes: { id: string; at?: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>>(res)[field]!;
      total = conn.totalCount;
      pages += 1;
      expect(conn.nodes.length).toBeLessThanOrEqual(size);
      expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1]?.cursor ?? null);
      seen.push(...conn.nodes);
      if (!conn.pageInfo.hasNextPage) break;
      expect(conn.nodes).toHaveLength(size);
      after = conn.pageInfo.endCursor;
    }
    return { seen, total, pages };
  }

  it('walks every carousel event of a busy person page by page, each once, in time order', async () => {
    const { seen, total, pages } = await readAll(BUSY, 'carouselEvents', 150, 'at');
    const stored = await sg.store.db.selectFrom('carouselEvent').select('id').where('personId', '=', BUSY).orderBy('id').execute();
    expect(total).toBe(4 * BUSY_SCALE);
    expect(seen).toHaveLength(total);
    expect(pages).toBe(Math.ceil(total / 150));
    expect(seen.map((n) => n.id)).toEqual(stored.map((r) => `themes.carousel_event:${r.id}`));
    const ats = seen.map((n) => n.at);
    expect([...ats].sort()).toEqual(ats);
  });

  it('rejects a forged cursor and a page size out of range', async () => {
    const forged = await sg.entities(ME, 'themes { carouselEvents(after: "bm90LWEtY3Vyc29y") { nodes { id } } }');
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const zero = await sg.entities(ME, 'themes { downloads(first: 0) { nodes { id } } }');
    expect(zero.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('themes subgraph: interactions, searches and the carousel', () => {
  it('returns every interaction type, the comment text exactly as written, and nothing extra on the others', async () => {
    const res = await sg.entities(BUSY, 'themes { interactions(first: 5000) { nodes { id type itemId itemTitle commentText sharedTo at } } }');
    const nodes = themesOf<{ interactions: { nodes: { id: string; type: string; itemTitle: string; commentText: string | null; sharedTo: string | null }[] } }>(res).interactions.nodes;
    const stored = await sg.store.db.selectFrom('interaction').selectAll().where('personId', '=', BUSY).orderBy('id').execute();
    expect(new Set(nodes.map((n) => n.type))).toEqual(new Set(['LIKE', 'COMMENT', 'FAVOURITE', 'SHARE']));
    nodes.forEach((n, i) => {
      expect(n.commentText).toBe(stored[i]!.commentText);
      expect(n.itemTitle).toBe(stored[i]!.itemTitle);
      expect(n.commentText !== null).toBe(n.type === 'COMMENT');
      expect(n.sharedTo !== null).toBe(n.type === 'SHARE');
    });
    // Text with quotes, commas and a newline comes back intact.
    expect(nodes.some((n) => n.commentText?.includes('\n') && n.commentText.includes('"'))).toBe(true);
    expect(nodes.some((n) => /[əşğçöüı]/i.test(n.itemTitle))).toBe(true);
  });

  it('returns every interaction type even for a light person', async () => {
    const nodes = themesOf<{ interactions: { nodes: { type: string }[] } }>(await sg.entities(ME, 'themes { interactions { nodes { type } } }')).interactions.nodes;
    expect(new Set(nodes.map((n) => n.type))).toEqual(new Set(['LIKE', 'COMMENT', 'FAVOURITE', 'SHARE']));
  });

  it('returns search queries as typed, with their result counts', async () => {
    const nodes = themesOf<{ searchQueries: { nodes: { text: string; resultCount: number; at: string }[] } }>(
      await sg.entities(BUSY, 'themes { searchQueries(first: 5000) { nodes { text resultCount at } } }'),
    ).searchQueries.nodes;
    const stored = await sg.store.db.selectFrom('searchQuery').selectAll().where('personId', '=', BUSY).orderBy('id').execute();
    expect(nodes.map((n) => [n.text, n.resultCount, n.at])).toEqual(stored.map((r) => [r.text, r.resultCount, r.at]));
    expect(nodes.some((n) => /[^\p{ASCII}]/u.test(n.text))).toBe(true);
  });

  it('returns the carousel subscription settings and events with the fields each event type has', async () => {
    const res = await sg.entities(
      BUSY,
      'themes { carouselSubscriptions { nodes { subscribed changeFrequency categories contentProvider since } } carouselEvents(first: 5000) { nodes { type pictureId articleId viewMode durationMs at } } }',
    );
    const t = themesOf<{
      carouselSubscriptions: { nodes: { subscribed: boolean; changeFrequency: string; categories: string[]; contentProvider: string }[] };
      carouselEvents: { nodes: { type: string; pictureId: string; articleId: string | null; viewMode: string | null; durationMs: number | null }[] };
    }>(res);
    const subs = await sg.store.db.selectFrom('carouselSubscription').selectAll().where('personId', '=', BUSY).orderBy('id').execute();
    expect(t.carouselSubscriptions.nodes.map((n) => [n.subscribed, n.changeFrequency, n.categories, n.contentProvider])).toEqual(
      subs.map((r) => [r.subscribed === 1, r.changeFrequency, JSON.parse(r.categories) as string[], r.contentProvider]),
    );
    expect(t.carouselSubscriptions.nodes.some((n) => n.subscribed)).toBe(true);
    const events = t.carouselEvents.nodes;
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['VIEW', 'CLICK', 'IMPRESSION']));
    for (const e of events) {
      expect(e.pictureId).toMatch(/^pic-/);
      if (e.type === 'VIEW') {
        expect(e.viewMode).toMatch(/^(LOCK_SCREEN|FULL_SCREEN|DETAIL)$/);
        expect(e.durationMs).toBeGreaterThan(0);
        expect(e.articleId).toBeNull();
      } else {
        expect(e.articleId).toMatch(/^art-/);
        expect(e.viewMode).toBeNull();
        expect(e.durationMs).toBeNull();
      }
    }
  });
});

describe('themes seed', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  async function seeded(id: string, scale: number) {
    const dir = mkdtempSync(join(tmpdir(), 'footprint-themes-seed-'));
    dirs.push(dir);
    const store = openThemesStore(join(dir, 'themes.db'), dir);
    await store.migrate();
    const target: SeedTarget = { profile: personProfile(id), scale, rng: new Rng(`seed:${id}`) };
    const started = performance.now();
    await seed(store, [target]);
    return { store, ms: performance.now() - started };
  }
  const tables = [...Object.values(themeTables.kinds), 'recommendationWeight'] as const;

  it('writes the same rows on every run', async () => {
    const a = await seeded(BUSY, 30);
    const b = await seeded(BUSY, 30);
    try {
      for (const table of tables) {
        const rowsA = await a.store.db.selectFrom(table as 'download').selectAll().orderBy('id').execute();
        const rowsB = await b.store.db.selectFrom(table as 'download').selectAll().orderBy('id').execute();
        expect(rowsA.length, table).toBeGreaterThan(0);
        expect(rowsB, table).toEqual(rowsA);
      }
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  it('writes at least 8 × scale records for the heavy person, quickly', async () => {
    const scale = 1000;
    const { store, ms } = await seeded('10000099', scale);
    try {
      let records = 0;
      for (const table of Object.values(themeTables.kinds)) {
        const { n } = await store.db.selectFrom(table as 'download').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        records += Number(n);
      }
      expect(records).toBeGreaterThanOrEqual(8 * scale);
      expect(ms).toBeLessThan(15_000);
    } finally {
      await store.close();
    }
  });
});
