import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDuration, subtractDuration } from '@footprint/schema';
import { CREDENTIAL_HEADER, ERASE_SCOPE, RESTRICT_SCOPE, type RightsTables } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { OrdersDB } from '../src/store.js';

/**
 * Erasure in the orders domain: orders are RETAINed under tax law (those past
 * the six years go, with their items), deliveries and support tickets are
 * ANONYMIZEd (the named fields cleared, the conversation deleted), the rest is
 * deleted; each recipient of erased data gets one Art. 19 notice per kind.
 */
const [ERASED, OTHER] = ['36000001', '36000002'];
let sg: TestSubgraph<OrdersDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [ERASED, OTHER].map((id) => ({ id, scale: 40 })));
});
afterAll(() => sg.close());

type KindReceipt = { kind: string; action: string; deleted: number; anonymized: number; retained: number; fields: string[]; ground: string | null; retainedUntil: string | null; noticesRecorded: number };
const ERASE = 'mutation($k: [String!]) { _erase(requestId: "o-1", kinds: $k) { kinds { kind action deleted anonymized retained fields ground retainedUntil noticesRecorded } } }';

describe('orders: erasure', () => {
  it('keeps orders under their legal hold, anonymises deliveries and tickets, deletes the rest, with notices', async () => {
    const db = sg.store.db;
    const cutoff = subtractDuration(new Date(), 'P6Y')!.toISOString();
    const orders = await db.selectFrom('storeOrder').select(['id', 'collectedAt']).where('personId', '=', ERASED).execute();
    const old = orders.filter((o) => o.collectedAt < cutoff);
    expect(old.length).toBeGreaterThan(0);
    expect(old.length).toBeLessThan(orders.length);
    const oldItems = await db.selectFrom('orderItem').select('id').where('orderId', 'in', old.map((o) => o.id)).execute();
    expect(oldItems.length).toBeGreaterThan(0);
    const keptItems = await db.selectFrom('orderItem').select('id').where('personId', '=', ERASED).where('orderId', 'not in', old.map((o) => o.id)).execute();
    const deliveries = await db.selectFrom('orderDelivery').selectAll().where('personId', '=', ERASED).orderBy('id').execute();
    const other = {
      orders: await db.selectFrom('storeOrder').selectAll().where('personId', '=', OTHER).execute(),
      deliveries: await db.selectFrom('orderDelivery').selectAll().where('personId', '=', OTHER).execute(),
      messages: await db.selectFrom('supportMessage').selectAll().where('personId', '=', OTHER).execute(),
    };

    const res = await postGraphQL<{ _erase: { kinds: KindReceipt[] } }>(sg.url, ERASE, {}, { [CREDENTIAL_HEADER]: await sg.credential(ERASED, { scopes: [ERASE_SCOPE] }) });
    expect(res.errors).toBeUndefined();
    const by = Object.fromEntries(res.data!._erase.kinds.map((k) => [k.kind, k]));

    expect(by['orders.order']).toMatchObject({ action: 'RETAIN', deleted: old.length, retained: orders.length - old.length, noticesRecorded: 1 });
    expect(by['orders.order']!.ground).toContain('Tax and accounting law');
    const latest = orders.map((o) => o.collectedAt).sort().at(-1)!;
    // Six years from the latest order kept (retainFrom: COLLECTED).
    expect(by['orders.order']!.retainedUntil).toBe(addDuration(new Date(latest), 'P6Y')!.toISOString());
    expect(await db.selectFrom('orderItem').select('id').where('orderId', 'in', old.map((o) => o.id)).execute()).toEqual([]);
    expect(await db.selectFrom('orderItem').select('id').where('personId', '=', ERASED).execute()).toEqual(keptItems);

    expect(by['orders.delivery']).toMatchObject({ action: 'ANONYMIZE', anonymized: deliveries.length, deleted: 0, fields: ['recipientName', 'phone', 'street', 'city', 'postalCode', 'trackingEmail', 'instructions', 'trackingNumber'] });
    const anon = await db.selectFrom('orderDelivery').selectAll().where('personId', '=', ERASED).orderBy('id').execute();
    for (const [i, d] of anon.entries()) {
      expect(d).toMatchObject({ recipientName: '', phone: '', street: '', city: '', postalCode: '', trackingEmail: null, instructions: null, trackingNumber: null });
      expect([d.carrier, d.country, d.status, d.orderNumber, d.shippedAt]).toEqual([deliveries[i]!.carrier, deliveries[i]!.country, deliveries[i]!.status, deliveries[i]!.orderNumber, deliveries[i]!.shippedAt]);
    }
    expect(by['orders.support_ticket']).toMatchObject({ action: 'ANONYMIZE', fields: ['subject', 'messages'] });
    expect(await db.selectFrom('supportMessage').select('id').where('personId', '=', ERASED).execute()).toEqual([]);
    for (const k of ['orders.delivery_address', 'orders.payment_method', 'orders.gift_address']) expect(by[k]).toMatchObject({ action: 'DELETE', retained: 0, anonymized: 0 });

    const notices = await db.withTables<Pick<RightsTables, 'rightsNotice'>>().selectFrom('rightsNotice').select(['kind', 'recipient', 'action']).where('personId', '=', ERASED).orderBy('id').execute();
    expect(notices).toEqual(
      expect.arrayContaining([
        { kind: 'orders.order', recipient: 'DELIVERY_PARTNER', action: 'ERASED' },
        { kind: 'orders.delivery', recipient: 'DELIVERY_PARTNER', action: 'ANONYMIZED' },
        { kind: 'orders.payment_method', recipient: 'PAYMENT_PROVIDER', action: 'ERASED' },
        { kind: 'orders.support_ticket', recipient: 'SERVICE_PROVIDER', action: 'ANONYMIZED' },
      ]),
    );
    expect(notices).toHaveLength(res.data!._erase.kinds.reduce((a, k) => a + k.noticesRecorded, 0));

    // The retained orders are shown restricted under the legal hold, each until its own six years end; nobody else's rows changed.
    const page = await sg.entities(ERASED, 'orders { orders(first: 200) { totalCount nodes { meta { collectedAt restricted restriction { ground until } } } } }');
    const o = (page.data!._entities[0] as { orders: { orders: { totalCount: number; nodes: { meta: { collectedAt: string; restricted: boolean; restriction: { ground: string; until: string } } }[] } } }).orders.orders;
    expect(o.totalCount).toBe(orders.length - old.length);
    for (const n of o.nodes) expect(n.meta).toMatchObject({ restricted: true, restriction: { ground: 'LEGAL_HOLD', until: addDuration(new Date(n.meta.collectedAt), 'P6Y')!.toISOString() } });
    expect(await db.selectFrom('storeOrder').selectAll().where('personId', '=', OTHER).execute()).toEqual(other.orders);
    expect(await db.selectFrom('orderDelivery').selectAll().where('personId', '=', OTHER).execute()).toEqual(other.deliveries);
    expect(await db.selectFrom('supportMessage').selectAll().where('personId', '=', OTHER).execute()).toEqual(other.messages);
  });

  it('deletes what a legal hold kept once the hold ends, and only that', async () => {
    const db = sg.store.db;
    const held = await db.selectFrom('storeOrder').select('id').where('personId', '=', ERASED).execute();
    expect(held.length).toBeGreaterThan(0);
    const other = await db.selectFrom('storeOrder').selectAll().where('personId', '=', OTHER).execute();
    expect(await sg.subgraph.rights.purgeExpiredHolds()).toEqual([]);
    const ended = await sg.subgraph.rights.purgeExpiredHolds(new Date('2099-01-01T00:00:00Z'));
    expect(ended).toEqual([{ person: ERASED, kind: 'orders.order', deleted: held.length }]);
    expect(await db.selectFrom('storeOrder').select('id').where('personId', '=', ERASED).execute()).toEqual([]);
    expect(await db.selectFrom('orderItem').select('id').where('personId', '=', ERASED).execute()).toEqual([]);
    expect(await db.selectFrom('storeOrder').selectAll().where('personId', '=', OTHER).execute()).toEqual(other);
    const state = await postGraphQL<{ _processingState: { restrictions: unknown[] } }>(sg.url, '{ _processingState { restrictions { kind } } }', {}, { [CREDENTIAL_HEADER]: await sg.credential(ERASED, { scopes: [RESTRICT_SCOPE] }) });
    expect(state.data!._processingState.restrictions).toEqual([]);
  });

  it('refuses to erase only what the law makes it keep, and names why', async () => {
    const res = await postGraphQL(sg.url, ERASE.replace('o-1', 'o-2'), { k: ['orders.order'] }, { [CREDENTIAL_HEADER]: await sg.credential(OTHER, { scopes: [ERASE_SCOPE, RESTRICT_SCOPE] }) });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RETAINED', kinds: ['orders.order'] });
    expect(res.errors?.[0]?.message).toContain('Tax and accounting law');
  });
});
