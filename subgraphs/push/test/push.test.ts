import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKinds } from '@footprint/schema';
import { HEAVY_PERSON, openStore, personProfile, Rng } from '@footprint/kit';
import { startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { tables, type PushDB } from '../src/store.js';
import { fcmTokenColumns, maskFcmToken } from '../src/tokens.js';

const ME = '10000001';
const OTHER = '10000002';
const HEAVY_SCALE = 1000;

let sg: TestSubgraph<PushDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [
    { id: ME, scale: 1 },
    { id: OTHER, scale: 1 },
    { id: HEAVY_PERSON, scale: HEAVY_SCALE },
  ]);
});
afterAll(() => sg.close());

interface Meta {
  kind: string;
  category: string;
  source: string;
  legalBasis: string;
  correctable: boolean;
  correctionNote: string | null;
  recipients: string[];
  policySection: string;
}
interface Conn<N> {
  totalCount: number;
  nodes: N[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type Push = Record<string, unknown>;

/** `_entities` for one person, returning the push object (or the raw response when it failed). */
async function push<T = Push>(id: string, selection: string, as?: string | null): Promise<{ res: GraphQLResponse<{ _entities: unknown[] }>; push: T }> {
  const res = await sg.entities(id, `push { ${selection} }`, as === undefined ? {} : { as });
  const entity = res.data?._entities?.[0] as { push: T } | null | undefined;
  return { res, push: entity?.push as T };
}
const rowId = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1));

describe('push subgraph', () => {
  it('returns the FCM token only masked to its last 6 characters, never its fingerprint, and never stores it whole', async () => {
    let shown = 0;
    let absent = 0;
    for (const person of [ME, HEAVY_PERSON]) {
      const { res, push: p } = await push<{ registrations: Conn<{ id: string; fcmTokenMasked: string | null; appPackage: string }> }>(
        person,
        'registrations(first: 100) { totalCount nodes { id fcmTokenMasked appPackage androidId gaid } }',
      );
      expect(res.errors).toBeUndefined();
      const stored = await sg.store.db.selectFrom('registration').selectAll().where('personId', '=', person).execute();
      expect(p.registrations.nodes).toHaveLength(stored.length);
      const body = JSON.stringify(res.data);
      for (const row of stored) {
        const node = p.registrations.nodes.find((n) => rowId(n.id) === row.id)!;
        if (row.fcmTokenTail === null) {
          expect(node.fcmTokenMasked).toBeNull();
          absent++;
        } else {
          expect(node.fcmTokenMasked).toBe(`••••••${row.fcmTokenTail}`);
          expect(row.fcmTokenTail).toHaveLength(6);
          expect(body).not.toContain(row.fcmTokenFingerprint!);
          shown++;
        }
        // Nothing in the store is a whole token.
        for (const v of Object.values(row)) if (typeof v === 'string') expect(v).not.toMatch(/:APA91b/);
      }
    }
    expect(shown).toBeGreaterThan(0);
    expect(absent).toBeGreaterThan(0);
    // The helpers themselves: a whole token becomes 6 characters and a hash; a longer tail is cut to 6.
    const token = `abcdefghijklmnopqrstuv:APA91b${'x'.repeat(128)}Zq9_-k`;
    const cols = fcmTokenColumns(token);
    expect(cols.fcmTokenTail).toBe('Zq9_-k');
    expect(cols.fcmTokenFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(maskFcmToken(token)).toBe('••••••Zq9_-k');
    expect(maskFcmToken(null)).toBeNull();
  });

  it("resolves each notification's registration in one statement however many notifications ask", async () => {
    const query = (first: number) =>
      push<{ notifications: Conn<{ id: string; appPackage: string; registration: { id: string; appPackage: string; deviceModel: string } | null }> }>(
        HEAVY_PERSON,
        `notifications(first: ${first}) { nodes { id appPackage registration { id appPackage deviceModel meta { kind } } } }`,
      );
    const before1 = sg.store.statements;
    const small = await query(2);
    const few = sg.store.statements - before1;
    const before2 = sg.store.statements;
    const large = await query(1000);
    const many = sg.store.statements - before2;
    expect(small.res.errors).toBeUndefined();
    expect(large.res.errors).toBeUndefined();
    expect(large.push.notifications.nodes).toHaveLength(1000);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(3);

    // And the right registration: the one the store links, the same app; null once removed.
    const rows = await sg.store.db
      .selectFrom('notification')
      .select(['id', 'registrationId'])
      .where('personId', '=', HEAVY_PERSON)
      .orderBy('id')
      .limit(1000)
      .execute();
    let removed = 0;
    rows.forEach((row, i) => {
      const node = large.push.notifications.nodes[i]!;
      expect(rowId(node.id)).toBe(row.id);
      if (row.registrationId === null) {
        expect(node.registration).toBeNull();
        removed++;
      } else {
        expect(node.registration!.id).toBe(`push.registration:${row.registrationId}`);
        expect(node.registration!.appPackage).toBe(node.appPackage);
      }
    });
    expect(removed).toBeGreaterThan(0);
  });

  it("never resolves another person's registration through a notification", async () => {
    const theirs = await sg.store.db.selectFrom('registration').select('id').where('personId', '=', OTHER).executeTakeFirstOrThrow();
    const inserted = await sg.store.db
      .insertInto('notification')
      .values({ personId: ME, collectedAt: '2026-05-01T10:00:00.000Z', region: 'INDIA', source: null, category: 'SERVICE', appPackage: 'com.mi.health', title: 't', body: 'b', sentAt: '2026-05-01T10:00:00.000Z', openedAt: null, registrationId: theirs.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const { res, push: p } = await push<{ notifications: Conn<{ id: string; registration: { id: string } | null }> }>(ME, 'notifications(first: 1000) { nodes { id registration { id androidId } } }');
      expect(res.errors).toBeUndefined();
      const node = p.notifications.nodes.find((n) => rowId(n.id) === inserted.id);
      expect(node).toBeDefined();
      expect(node!.registration).toBeNull();
      expect(JSON.stringify(res.data)).not.toContain(`push.registration:${theirs.id}"`);
    } finally {
      await sg.store.db.deleteFrom('notification').where('id', '=', inserted.id).execute();
    }
  });

  it('pages through the whole notification history with after, for a light and the heavy person', async () => {
    for (const [person, pageSize] of [
      [ME, 3],
      [HEAVY_PERSON, 5000],
    ] as const) {
      const seen: string[] = [];
      let after: string | null = null;
      let total = -1;
      let pages = 0;
      for (;;) {
        const args: string = after ? `first: ${pageSize}, after: "${after}"` : `first: ${pageSize}`;
        const { res, push: p } = await push<{ notifications: Conn<{ id: string; sentAt: string }> }>(
          person,
          `notifications(${args}) { totalCount nodes { id sentAt } pageInfo { hasNextPage endCursor } }`,
        );
        expect(res.errors).toBeUndefined();
        pages++;
        total = p.notifications.totalCount;
        seen.push(...p.notifications.nodes.map((n) => n.id));
        if (!p.notifications.pageInfo.hasNextPage) break;
        after = p.notifications.pageInfo.endCursor;
        expect(pages).toBeLessThan(100);
      }
      const stored = await sg.store.db.selectFrom('notification').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', person).executeTakeFirstOrThrow();
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toHaveLength(Number(stored.n));
      expect(total).toBe(Number(stored.n));
      expect(pages).toBe(Math.ceil(Number(stored.n) / pageSize));
    }
  });

  it('writes at least 8 × scale records for the heavy person, most of them notification history', async () => {
    const { push: p } = await push<{ discovery: { kinds: { kind: string; count: number }[] } }>(HEAVY_PERSON, 'discovery { kinds { kind count } }');
    const total = p.discovery.kinds.reduce((n, k) => n + k.count, 0);
    expect(total).toBeGreaterThanOrEqual(8 * HEAVY_SCALE);
    expect(p.discovery.kinds.find((k) => k.kind === 'push.notification')!.count).toBeGreaterThanOrEqual(8 * HEAVY_SCALE);
    for (const k of p.discovery.kinds) expect(k.count).toBeGreaterThan(0);
  });

  it('serves every push kind with its policy metadata, and discovery counts the same records', async () => {
    const fields = ['registrations', 'notifications', 'marketingChoices', 'appNotificationSettings', 'advertisingIds', 'adSegments', 'profilingObjections'];
    const meta = 'meta { kind category source legalBasis correctable correctionNote recipients policySection }';
    const { res, push: p } = await push<Record<string, Conn<{ id: string; meta: Meta }>> & { discovery: { domain: string; kinds: { kind: string; count: number; sources: string[] }[] } }>(
      ME,
      `${fields.map((f) => `${f}(first: 100) { totalCount nodes { id ${meta} } }`).join(' ')} discovery { domain kinds { kind count sources } }`,
    );
    expect(res.errors).toBeUndefined();
    const byKind = new Map<string, { count: number; meta: Meta }>();
    for (const f of fields) {
      const conn = p[f]!;
      expect(conn.totalCount, f).toBeGreaterThanOrEqual(1);
      expect(conn.nodes).toHaveLength(conn.totalCount);
      const kinds = new Set(conn.nodes.map((n) => n.meta.kind));
      expect(kinds.size, f).toBe(1);
      for (const n of conn.nodes) expect(n.id.startsWith(`${n.meta.kind}:`)).toBe(true);
      byKind.set(conn.nodes[0]!.meta.kind, { count: conn.totalCount, meta: conn.nodes[0]!.meta });
    }
    expect([...byKind.keys()].sort()).toEqual(inventoryKinds('push').sort());
    expect(Object.keys(tables.kinds)).toHaveLength(inventoryKinds('push').length);

    const m = (kind: string) => byKind.get(`push.${kind}`)!.meta;
    expect(m('registration')).toMatchObject({ category: 'DEVICE', recipients: ['PUSH_PROVIDER'], correctable: false });
    expect(m('notification')).toMatchObject({ category: 'COMMUNICATION', correctable: false });
    expect(m('marketing_choice')).toMatchObject({ legalBasis: 'CONSENT', correctable: true, correctionNote: null });
    expect(m('app_notification_setting')).toMatchObject({ correctable: true, correctionNote: null });
    expect(m('advertising_id')).toMatchObject({ category: 'ADVERTISING', recipients: ['AD_PARTNER'], correctable: false });
    expect(m('ad_segment')).toMatchObject({ category: 'PROFILING', correctable: false });
    expect(m('profiling_objection')).toMatchObject({ correctable: true, correctionNote: null });
    for (const { meta: x } of byKind.values()) {
      if (!x.correctable) expect(x.correctionNote?.length ?? 0, x.kind).toBeGreaterThan(20);
      expect(x.policySection).toMatch(/^§/);
    }

    expect(p.discovery.domain).toBe('push');
    expect(p.discovery.kinds.map((k) => k.kind).sort()).toEqual(inventoryKinds('push').sort());
    for (const k of p.discovery.kinds) expect(k.count, k.kind).toBe(byKind.get(k.kind)!.count);
    expect(p.discovery.kinds.find((k) => k.kind === 'push.ad_segment')!.sources.sort()).toEqual(['INFERRED', 'THIRD_PARTY']);
  });

  it('says per ad segment whether our model or a partner placed it', async () => {
    const { push: p } = await push<{ adSegments: Conn<{ segmentName: string; placedBy: string; meta: { source: string } }> }>(
      HEAVY_PERSON,
      'adSegments(first: 1000) { nodes { segmentName placedBy placedAt meta { source } } }',
    );
    const bySource = new Map<string, Set<string>>();
    for (const n of p.adSegments.nodes) {
      if (!bySource.has(n.meta.source)) bySource.set(n.meta.source, new Set());
      bySource.get(n.meta.source)!.add(n.placedBy);
    }
    expect([...bySource.keys()].sort()).toEqual(['INFERRED', 'THIRD_PARTY']);
    expect(bySource.get('INFERRED')!.size).toBe(1);
    for (const partner of bySource.get('THIRD_PARTY')!) expect(bySource.get('INFERRED')!.has(partner)).toBe(false);
  });

  it('returns text and choices exactly as stored: non-ASCII, quotes, newlines, booleans and null dates', async () => {
    const { res, push: p } = await push<{
      notifications: Conn<{ id: string; category: string; title: string; body: string; sentAt: string; openedAt: string | null }>;
      appNotificationSettings: Conn<{ id: string; appPackage: string; enabled: boolean; sound: boolean; badge: boolean }>;
      marketingChoices: Conn<{ id: string; optedIn: boolean; channel: string }>;
      advertisingIds: Conn<{ id: string; advertisingId: string; limitAdTracking: boolean; resetAt: string | null }>;
      profilingObjections: Conn<{ id: string; objected: boolean }>;
    }>(
      HEAVY_PERSON,
      `notifications(first: 5000) { nodes { id category title body sentAt openedAt } }
       appNotificationSettings { nodes { id appPackage enabled sound badge } }
       marketingChoices { nodes { id optedIn channel } }
       advertisingIds { nodes { id advertisingId limitAdTracking resetAt } }
       profilingObjections { nodes { id objected } }`,
    );
    expect(res.errors).toBeUndefined();
    const notes = await sg.store.db.selectFrom('notification').selectAll().where('personId', '=', HEAVY_PERSON).orderBy('id').limit(5000).execute();
    notes.forEach((row, i) => {
      const n = p.notifications.nodes[i]!;
      expect(n).toEqual({ id: `push.notification:${row.id}`, category: row.category, title: row.title, body: row.body, sentAt: row.sentAt, openedAt: row.openedAt });
    });
    const bodies = p.notifications.nodes.map((n) => n.body);
    expect(bodies.some((b) => b.includes('\n') && b.includes('"'))).toBe(true);
    expect(bodies.some((b) => /[əşğıçöü]/.test(b))).toBe(true);
    expect(p.notifications.nodes.some((n) => n.openedAt === null)).toBe(true);
    expect(new Set(p.notifications.nodes.map((n) => n.category))).toEqual(new Set(['SYSTEM', 'SERVICE', 'MARKETING']));

    const settings = await sg.store.db.selectFrom('appNotificationSetting').selectAll().where('personId', '=', HEAVY_PERSON).execute();
    for (const row of settings) {
      const n = p.appNotificationSettings.nodes.find((x) => rowId(x.id) === row.id)!;
      expect(n).toEqual({ id: `push.app_notification_setting:${row.id}`, appPackage: row.appPackage, enabled: row.enabled === 1, sound: row.sound === 1, badge: row.badge === 1 });
    }
    const choices = await sg.store.db.selectFrom('marketingChoice').selectAll().where('personId', '=', HEAVY_PERSON).execute();
    for (const row of choices) expect(p.marketingChoices.nodes.find((x) => rowId(x.id) === row.id)!.optedIn).toBe(row.optedIn === 1);
    const ads = p.advertisingIds.nodes;
    expect(ads[0]!.resetAt).toBeNull();
    for (const a of ads.slice(1)) expect(a.resetAt).not.toBeNull();
    for (const a of ads) expect(typeof a.limitAdTracking).toBe('boolean');
    expect(typeof p.profilingObjections.nodes[0]!.objected).toBe('boolean');
  });

  it('seeds deterministically from the target rng', async () => {
    const dump = async () => {
      const store = openStore<PushDB>({ domain: 'push', url: ':memory:', dataDir: sg.dataDir, migrations: tables.migrations });
      await store.migrate();
      await seed(store, [{ profile: personProfile(ME), scale: 3, rng: new Rng(`seed:${ME}`) }]);
      const out = {
        registrations: await store.db.selectFrom('registration').selectAll().orderBy('id').execute(),
        notifications: await store.db.selectFrom('notification').selectAll().orderBy('id').execute(),
        segments: await store.db.selectFrom('adSegment').selectAll().orderBy('id').execute(),
      };
      await store.close();
      return out;
    };
    const a = await dump();
    const b = await dump();
    expect(a.notifications).toHaveLength(24);
    expect(b).toEqual(a);
  });
});
