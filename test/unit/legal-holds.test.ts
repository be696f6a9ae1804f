import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, RESTRICT_SCOPE } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { addDuration, subtractDuration } from '@footprint/schema';
import { importSubgraphPackage } from '../support/conformance.js';
import { isolateStores, TEST_ENGINE } from '../support/engine.js';
import { requires } from '../support/requires.js';

/**
 * Legal holds per record (issue #25): a kind kept from collection (orders, 6 years) holds each record for its
 * own period and the hourly purge deletes each one when that ends; a kind kept from erasure (consents, 3 years)
 * holds from the first erasure, which erasing again does not restart. On PostgreSQL too (`npm run test:pg`).
 */
if (TEST_ENGINE === 'postgres') await requires('postgres');
let dropStores: () => Promise<void> = async () => {};
const PERSON = '39100001';
type Started = TestSubgraph<unknown>;
const started = new Map<string, Started>();

beforeAll(async () => {
  dropStores = await isolateStores('legal-holds');
  for (const domain of ['orders', 'account']) {
    const { createServer, seed } = await importSubgraphPackage(domain);
    started.set(domain, await startTestSubgraph(createServer, seed, [{ id: PERSON, scale: 2 }]));
  }
});
afterAll(async () => {
  for (const sg of started.values()) await sg.close();
  await dropStores();
});

type Receipt = { kinds: { kind: string; retained: number; retainedUntil: string | null }[] };
const erase = async (sg: Started, requestId: string) => {
  const res = await postGraphQL<{ _erase: Receipt }>(sg.url, 'mutation($id: ID!) { _erase(requestId: $id) { kinds { kind retained retainedUntil } } }', { id: requestId }, {
    [CREDENTIAL_HEADER]: await sg.credential(PERSON, { scopes: [ERASE_SCOPE] }),
  });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!._erase;
};
type Meta = { collectedAt: string; restricted: boolean; restriction: { ground: string; until: string | null } | null };
const META = 'meta { collectedAt restricted restriction { ground until } }';

describe('legal holds end per record', () => {
  it('orders (6 years from collection): each order is held until its own end, and the purge deletes each when it ends', async () => {
    const sg = started.get('orders')!;
    const orders = async () => {
      const res = await sg.entities<{ orders: { orders: { nodes: ({ id: string } & { meta: Meta })[] } } }>(PERSON, `orders { orders(first: 100) { nodes { id ${META} } } }`);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return res.data!._entities[0]!.orders.orders.nodes;
    };
    // One order whose six years end in ten days, the others collected a year ago.
    const now = new Date();
    const oldest = addDuration(subtractDuration(now, 'P6Y')!, 'P10D')!.toISOString();
    const recent = subtractDuration(now, 'P1Y')!.toISOString();
    const ids = (await orders()).map((o) => Number(o.id.split(':')[1]));
    expect(ids.length).toBeGreaterThan(1);
    const [first, ...rest] = ids;
    await sql`update store_order set collected_at = ${oldest} where person_id = ${PERSON} and id = ${first}`.execute(sg.store.db);
    await sql`update store_order set collected_at = ${recent} where person_id = ${PERSON} and id <> ${first}`.execute(sg.store.db);

    const receipt = (await erase(sg, 'holds-orders')).kinds.find((k) => k.kind === 'orders.order')!;
    expect(receipt.retained).toBe(ids.length);
    const recentEnd = addDuration(new Date(recent), 'P6Y')!.toISOString();
    const oldestEnd = addDuration(new Date(oldest), 'P6Y')!.toISOString();
    // The receipt says until when anything of the kind is kept: the last record's own end.
    expect(receipt.retainedUntil).toBe(recentEnd);
    for (const o of await orders()) {
      expect(o.meta.restriction, o.id).toEqual({ ground: 'LEGAL_HOLD', until: o.id === `orders.order:${first}` ? oldestEnd : recentEnd });
    }

    // Before the oldest order's end nothing goes; a day after it, exactly that order goes and the rest stay held.
    expect((await sg.subgraph.rights.purgeExpiredHolds(addDuration(now, 'P9D')!)).filter((h) => h.deleted > 0)).toEqual([]);
    const purged = await sg.subgraph.rights.purgeExpiredHolds(addDuration(new Date(oldestEnd), 'P1D')!);
    expect(purged).toContainEqual({ person: PERSON, kind: 'orders.order', deleted: 1 });
    const left = await orders();
    expect(left.map((o) => Number(o.id.split(':')[1])).sort((a, b) => a - b)).toEqual([...rest].sort((a, b) => a - b));
    for (const o of left) expect(o.meta.restriction).toEqual({ ground: 'LEGAL_HOLD', until: recentEnd });
    const items = await sql<{ n: number }>`select count(*) as n from order_item where order_id = ${first}`.execute(sg.store.db);
    expect(Number(items.rows[0]!.n)).toBe(0);

    // Once the last order's own period ends, the purge deletes it and the hold ends.
    const last = await sg.subgraph.rights.purgeExpiredHolds(addDuration(new Date(recentEnd), 'P1D')!);
    expect(last).toContainEqual({ person: PERSON, kind: 'orders.order', deleted: rest.length });
    expect(await orders()).toEqual([]);
  });

  it('consents (3 years from erasure): erasing again keeps the hold of the first erasure; the purge deletes them after it', async () => {
    const sg = started.get('account')!;
    const consentOf = (r: Receipt) => r.kinds.find((k) => k.kind === 'account.consent')!;
    const first = consentOf(await erase(sg, 'holds-consent-1'));
    expect(first.retained).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = consentOf(await erase(sg, 'holds-consent-2'));
    expect(second.retainedUntil).toBe(first.retainedUntil);
    const state = await postGraphQL<{ _processingState: { restrictions: { kind: string; ground: string; until: string | null }[] } }>(sg.url, '{ _processingState { restrictions { kind ground until } } }', {}, {
      [CREDENTIAL_HEADER]: await sg.credential(PERSON, { scopes: [RESTRICT_SCOPE] }),
    });
    expect(state.data!._processingState.restrictions.filter((r) => r.kind === 'account.consent')).toEqual([{ kind: 'account.consent', ground: 'LEGAL_HOLD', until: first.retainedUntil }]);

    const purged = await sg.subgraph.rights.purgeExpiredHolds(addDuration(new Date(first.retainedUntil!), 'P1D')!);
    expect(purged).toContainEqual({ person: PERSON, kind: 'account.consent', deleted: first.retained });
  });
});
