import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDuration, subtractDuration } from '@footprint/schema';
import { CREDENTIAL_HEADER, DEMO_PERSON, ERASE_SCOPE, HEAVY_PERSON, RESTRICT_SCOPE, type RightsTables } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { OrdersDB } from '../src/store.js';

/**
 * Erasure in the orders domain: orders are RETAINed under tax law (those past
 * the six years go, with their items), deliveries and support tickets are
 * ANONYMIZEd (the named fields, the person id and the keys to the order
 * cleared, the conversation deleted; a delivery of an erased order goes with
 * it), the rest is
 * deleted; each recipient of erased data gets one Art. 19 notice per kind.
 */
const [ERASED, OTHER] = ['36000001', '36000002'];
let sg: TestSubgraph<OrdersDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [ERASED, OTHER].map((id) => ({ id, scale: 40 })));
});
afterAll(() => sg.close());
/** The heavy person's scale in the seeded federation (scripts/src/seeding.ts HEAVY_SCALE). */
const HEAVY_SCALE = 1000;

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
    // Deliveries of the orders past their six years go with those orders; the rest are anonymised.
    const oldIds = new Set(old.map((o) => o.id));
    const goneDeliveries = deliveries.filter((d) => oldIds.has(d.orderId));
    const keptDeliveries = deliveries.filter((d) => !oldIds.has(d.orderId));
    expect(goneDeliveries.length).toBeGreaterThan(0);
    expect(keptDeliveries.length).toBeGreaterThan(0);
    const tickets = await db.selectFrom('supportTicket').selectAll().where('personId', '=', ERASED).orderBy('id').execute();
    expect(tickets.some((t) => t.orderNumber !== null)).toBe(true);
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

    expect(by['orders.delivery']).toMatchObject({
      action: 'ANONYMIZE',
      anonymized: keptDeliveries.length,
      deleted: goneDeliveries.length,
      fields: ['recipientName', 'phone', 'street', 'city', 'postalCode', 'trackingEmail', 'instructions', 'trackingNumber', 'orderNumber'],
    });
    // Anonymised: no person id, no order id or number that would lead to the retained order (and its name and e-mail).
    expect(await db.selectFrom('orderDelivery').select('id').where('personId', '=', ERASED).execute()).toEqual([]);
    expect(await db.selectFrom('orderDelivery').select('id').where('id', 'in', goneDeliveries.map((d) => d.id)).execute()).toEqual([]);
    const anon = await db.selectFrom('orderDelivery').selectAll().where('id', 'in', keptDeliveries.map((d) => d.id)).orderBy('id').execute();
    expect(anon).toHaveLength(keptDeliveries.length);
    for (const [i, d] of anon.entries()) {
      expect(d).toMatchObject({ personId: `anonymous:${d.id}`, orderId: 0, orderNumber: '', recipientName: '', phone: '', street: '', city: '', postalCode: '', trackingEmail: null, instructions: null, trackingNumber: null });
      const was = keptDeliveries[i]!;
      expect([d.carrier, d.country, d.status, d.shippedAt, d.collectedAt]).toEqual([was.carrier, was.country, was.status, was.shippedAt, was.collectedAt]);
    }
    expect(by['orders.support_ticket']).toMatchObject({ action: 'ANONYMIZE', anonymized: tickets.length, deleted: 0, fields: ['subject', 'messages', 'orderNumber'] });
    expect(await db.selectFrom('supportMessage').select('id').where('personId', '=', ERASED).execute()).toEqual([]);
    const anonTickets = await db.selectFrom('supportTicket').selectAll().where('id', 'in', tickets.map((t) => t.id)).orderBy('id').execute();
    for (const [i, t] of anonTickets.entries()) {
      expect(t).toMatchObject({ personId: `anonymous:${t.id}`, orderNumber: null, subject: '', ticketNumber: tickets[i]!.ticketNumber, topic: tickets[i]!.topic, status: tickets[i]!.status });
    }
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

/**
 * The demo person and the heavy person as the federation seeds them: some of
 * their deliveries belong to orders past their six years, which the erasure
 * deletes. Those deliveries go with their orders; the rest keep nothing that
 * leads back to the person (no person id, no order id or number).
 */
describe('orders: erasing the demo and the heavy person', () => {
  let seeded: TestSubgraph<OrdersDB>;
  beforeAll(async () => {
    seeded = await startTestSubgraph(subgraph.createServer, seed, [
      { id: DEMO_PERSON, scale: 3 },
      { id: HEAVY_PERSON, scale: HEAVY_SCALE },
    ]);
  });
  afterAll(() => seeded.close());

  it.each([DEMO_PERSON, HEAVY_PERSON])('person %s: deliveries of erased orders are deleted, the others anonymised', async (person) => {
    const db = seeded.store.db;
    const cutoff = subtractDuration(new Date(), 'P6Y')!.toISOString();
    const old = new Set((await db.selectFrom('storeOrder').select('id').where('personId', '=', person).where('collectedAt', '<', cutoff).execute()).map((o) => o.id));
    const deliveries = await db.selectFrom('orderDelivery').select(['id', 'orderId']).where('personId', '=', person).execute();
    const gone = deliveries.filter((d) => old.has(d.orderId)).map((d) => d.id);
    const kept = deliveries.filter((d) => !old.has(d.orderId)).map((d) => d.id);
    expect(gone.length, 'deliveries of orders past their six years').toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);

    const res = await postGraphQL<{ _erase: { kinds: KindReceipt[] } }>(seeded.url, ERASE.replace('o-1', `o-${person}`), {}, { [CREDENTIAL_HEADER]: await seeded.credential(person, { scopes: [ERASE_SCOPE] }) });
    expect(res.errors).toBeUndefined();
    expect(res.data!._erase.kinds.find((k) => k.kind === 'orders.delivery')).toMatchObject({ deleted: gone.length, anonymized: kept.length, retained: 0 });

    expect(await db.selectFrom('orderDelivery').select('id').where('id', 'in', gone).execute()).toEqual([]);
    const left = await db.selectFrom('orderDelivery').select(['personId', 'orderId', 'orderNumber']).where('id', 'in', kept).execute();
    expect(left).toHaveLength(kept.length);
    expect(left.filter((d) => d.personId === person || d.orderId !== 0 || d.orderNumber !== '')).toEqual([]);
    // The retained orders (name, e-mail on the invoice) cannot be reached from what is left.
    const retained = await db.selectFrom('storeOrder').select(['id', 'orderNumber']).where('personId', '=', person).execute();
    expect(retained.length).toBeGreaterThan(0);
    const linked = await db
      .selectFrom('orderDelivery')
      .select('id')
      .where('id', 'in', kept)
      .where((eb) => eb.or([eb('orderId', 'in', retained.map((o) => o.id)), eb('orderNumber', 'in', retained.map((o) => o.orderNumber))]))
      .execute();
    expect(linked).toEqual([]);
  });
});
