import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryKinds } from '@footprint/schema';
import { personProfile, recordBase, Rng, type SeedTarget } from '@footprint/kit';
import { startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { createLoaders } from '../src/loaders.js';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { openOrdersStore, tables as orderTables, type OrdersDB, type OrdersStore } from '../src/store.js';

const ME = '10000001';
const OTHER = '10000002';
/** A third person whose rows a test may add to without changing the others' counts. */
const SPARE = '10000003';
const SCALE = 10;

let sg: TestSubgraph<OrdersDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [
    { id: ME, scale: SCALE },
    { id: OTHER, scale: 1 },
    { id: SPARE, scale: 1 },
  ]);
});
afterAll(() => sg.close());

interface Conn<N> {
  totalCount: number;
  nodes: N[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface Meta {
  kind: string;
  source: string;
  retention: string;
  correctable: boolean;
  correctionNote: string | null;
  recipients: string[];
}

/** `Person.orders` of one person, read as that person. */
async function orders<T>(person: string, selection: string): Promise<T> {
  const res = await sg.entities<{ orders: T }>(person, `orders { ${selection} }`);
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0]!.orders;
}

const cents = (decimal: string) => {
  expect(decimal).toMatch(/^\d+\.\d{2}$/);
  return Math.round(Number(decimal) * 100);
};

describe('orders subgraph', () => {
  it('serves every orders kind of the inventory with its policy metadata', async () => {
    const meta = 'totalCount nodes { meta { kind source retention correctable correctionNote recipients } }';
    const data = await orders<Record<string, Conn<{ meta: Meta }>> & { discovery: { kinds: { kind: string; count: number; sources: string[] }[] } }>(
      ME,
      `orders(first: 1) { ${meta} } deliveries(first: 1) { ${meta} } savedAddresses(first: 1) { ${meta} }
       paymentMethods(first: 1) { ${meta} } supportTickets(first: 1) { ${meta} } giftAddresses(first: 1) { ${meta} }
       discovery { kinds { kind count sources } }`,
    );
    const byKind = new Map<string, { total: number; meta: Meta }>();
    for (const [field, conn] of Object.entries(data)) {
      if (field === 'discovery') continue;
      const c = conn as Conn<{ meta: Meta }>;
      expect(c.totalCount, field).toBeGreaterThanOrEqual(1);
      byKind.set(c.nodes[0]!.meta.kind, { total: c.totalCount, meta: c.nodes[0]!.meta });
    }
    expect([...byKind.keys()].sort()).toEqual(inventoryKinds('orders').sort());

    const order = byKind.get('orders.order')!;
    expect(order.meta).toMatchObject({ retention: 'LEGAL_PERIOD', correctable: false, recipients: ['DELIVERY_PARTNER'] });
    expect(order.meta.correctionNote).toMatch(/statutory/);
    expect(byKind.get('orders.delivery')!.meta).toMatchObject({ correctable: true, correctionNote: null, recipients: ['DELIVERY_PARTNER'] });
    expect(byKind.get('orders.delivery_address')!.meta).toMatchObject({ correctable: true, correctionNote: null, recipients: ['DELIVERY_PARTNER'] });
    const payment = byKind.get('orders.payment_method')!.meta;
    expect(payment).toMatchObject({ correctable: false, recipients: ['PAYMENT_PROVIDER'] });
    expect(payment.correctionNote).toBeTruthy();
    expect(byKind.get('orders.support_ticket')!.meta.correctionNote).toBeTruthy();
    expect(byKind.get('orders.gift_address')!.meta.source).toBe('THIRD_PARTY');

    // Orders, deliveries and tickets scale with the person's scale; together ≥ 8 × scale records.
    expect(byKind.get('orders.order')!.total).toBe(3 * SCALE);
    expect(byKind.get('orders.delivery')!.total).toBe(3 * SCALE);
    expect(byKind.get('orders.support_ticket')!.total).toBe(2 * SCALE);
    expect([...byKind.values()].reduce((s, k) => s + k.total, 0)).toBeGreaterThanOrEqual(8 * SCALE);

    // Discovery counts the same records, from the indexes, and sees the per-record THIRD_PARTY source.
    const disc = new Map(data.discovery.kinds.map((k) => [k.kind, k]));
    for (const [kind, { total }] of byKind) expect(disc.get(kind)?.count, kind).toBe(total);
    expect(disc.get('orders.gift_address')!.sources).toEqual(['THIRD_PARTY']);
  });

  it('returns each order with its own items, consistent amounts and the invoice once issued', async () => {
    type Item = { position: number; name: string; sku: string; quantity: number; unitPrice: string; lineTotal: string };
    type O = { orderNumber: string; status: string; currency: string; subtotal: string; shippingFee: string; discount: string; total: string; items: Item[]; invoice: { number: string; title: string } | null };
    const data = await orders<{ orders: Conn<O> }>(
      ME,
      'orders(first: 100) { nodes { orderNumber status currency subtotal shippingFee discount total items { position name sku quantity unitPrice lineTotal } invoice { number title } } }',
    );
    const stored = await sg.store.db
      .selectFrom('orderItem')
      .innerJoin('storeOrder', 'storeOrder.id', 'orderItem.orderId')
      .select(['storeOrder.orderNumber', 'orderItem.sku', 'orderItem.position'])
      .where('orderItem.personId', '=', ME)
      .orderBy('orderItem.position')
      .execute();
    expect(data.orders.nodes).toHaveLength(3 * SCALE);
    for (const o of data.orders.nodes) {
      const mine = stored.filter((s) => s.orderNumber === o.orderNumber);
      expect(o.items.map((i) => i.sku)).toEqual(mine.map((s) => s.sku));
      expect(o.items.map((i) => i.position)).toEqual(o.items.map((_, k) => k + 1));
      for (const i of o.items) expect(cents(i.lineTotal)).toBe(cents(i.unitPrice) * i.quantity);
      expect(cents(o.subtotal)).toBe(o.items.reduce((s, i) => s + cents(i.lineTotal), 0));
      expect(cents(o.total)).toBe(cents(o.subtotal) + cents(o.shippingFee) - cents(o.discount));
      expect(o.invoice === null).toBe(o.status === 'PENDING_PAYMENT' || o.status === 'CANCELLED');
    }
    const names = data.orders.nodes.flatMap((o) => o.items.map((i) => i.name)).join('\n');
    expect(names).toMatch(/[^\p{ASCII}]/u);
  });

  it('loads nested items and messages in one statement per page, however many parents', async () => {
    async function statementsFor(selection: string): Promise<{ delta: number; children: number }> {
      const before = sg.store.statements;
      const data = await orders<Record<string, { nodes: { items?: unknown[]; messages?: unknown[] }[] }>>(ME, selection);
      const delta = sg.store.statements - before;
      const children = Object.values(data).flatMap((c) => c.nodes).reduce((s, n) => s + (n.items ?? n.messages ?? []).length, 0);
      return { delta, children };
    }
    const fewOrders = await statementsFor('orders(first: 2) { nodes { items { sku } } }');
    const allOrders = await statementsFor(`orders(first: ${3 * SCALE}) { nodes { items { sku } } }`);
    expect(allOrders.children).toBeGreaterThanOrEqual(3 * SCALE);
    expect(allOrders.delta).toBe(fewOrders.delta);
    expect(allOrders.delta).toBeLessThanOrEqual(2);

    const fewTickets = await statementsFor('supportTickets(first: 1) { nodes { messages { body } } }');
    const allTickets = await statementsFor(`supportTickets(first: ${2 * SCALE}) { nodes { messages { body } } }`);
    expect(allTickets.children).toBeGreaterThanOrEqual(2 * SCALE);
    expect(allTickets.delta).toBe(fewTickets.delta);
    expect(allTickets.delta).toBeLessThanOrEqual(2);
  });

  it('returns payment numbers masked to the last 4 digits and never the provider token', async () => {
    const data = await orders<{ paymentMethods: Conn<{ id: string; type: string; maskedNumber: string; accountHolder: string }> }>(
      ME,
      'paymentMethods { nodes { id type maskedNumber accountHolder } }',
    );
    const stored = await sg.store.db.selectFrom('paymentMethod').selectAll().where('personId', '=', ME).orderBy('id').execute();
    expect(data.paymentMethods.nodes.map((n) => n.type).sort()).toEqual(['BANK_ACCOUNT', 'CARD']);
    const body = JSON.stringify(data);
    for (const [k, n] of data.paymentMethods.nodes.entries()) {
      expect(n.maskedNumber).toBe(`•••• ${stored[k]!.numberLast4}`);
      expect(n.maskedNumber).toMatch(/^•••• \d{4}$/);
      expect(body).not.toContain(stored[k]!.providerToken);
    }
    const asked = await sg.entities(ME, 'orders { paymentMethods { nodes { providerToken } } }');
    expect(asked.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('masks a full number even if one reached the store', async () => {
    const pan = '4169 7388 1234 5678';
    await sg.store.db
      .insertInto('paymentMethod')
      .values({ ...recordBase({ profile: personProfile(SPARE), scale: 1, rng: new Rng(1) }, '2025-01-01T00:00:00.000Z'), type: 'CARD', issuer: 'VISA', accountHolder: 'TEST', numberLast4: pan, providerToken: 'tok_x', expiryMonth: 1, expiryYear: 2030, isDefault: 0, addedAt: '2025-01-01T00:00:00.000Z' })
      .execute();
    const data = await orders<{ paymentMethods: Conn<{ maskedNumber: string }> }>(SPARE, 'paymentMethods(first: 100) { nodes { maskedNumber } }');
    expect(data.paymentMethods.nodes.map((n) => n.maskedNumber)).toContain('•••• 5678');
    expect(JSON.stringify(data)).not.toMatch(/4169|7388|1234/);
  });

  it('shows a gift sender by first name only', async () => {
    const data = await orders<{ giftAddresses: Conn<{ senderFirstName: string; recipientName: string; street: string; meta: { source: string } }> }>(
      ME,
      'giftAddresses { nodes { senderFirstName recipientName street meta { source } } }',
    );
    const stored = await sg.store.db.selectFrom('giftAddress').selectAll().where('personId', '=', ME).orderBy('id').execute();
    expect(data.giftAddresses.nodes).toHaveLength(stored.length);
    const body = JSON.stringify(data);
    for (const [k, n] of data.giftAddresses.nodes.entries()) {
      const s = stored[k]!;
      expect(s.senderName.split(' ').length).toBeGreaterThan(1);
      expect(n.senderFirstName).toBe(s.senderName.split(' ')[0]);
      expect(body).not.toContain(s.senderName);
      expect(body).not.toContain(s.senderAccountId);
      expect(n.meta.source).toBe('THIRD_PARTY');
      expect(n.street).toBe(personProfile(ME).street);
    }
  });

  it('returns ticket conversations oldest first, staff by role only', async () => {
    const data = await orders<{ supportTickets: Conn<{ ticketNumber: string; subject: string; messages: { author: string; body: string; sentAt: string }[] }> }>(
      ME,
      'supportTickets(first: 100) { nodes { ticketNumber subject messages { author body sentAt } } }',
    );
    const stored = await sg.store.db.selectFrom('supportMessage').selectAll().where('personId', '=', ME).execute();
    const returned = data.supportTickets.nodes.flatMap((t) => t.messages);
    expect(returned).toHaveLength(stored.length);
    for (const t of data.supportTickets.nodes) {
      expect(t.messages.length).toBeGreaterThanOrEqual(1);
      expect(t.messages[0]!.author).toBe('CUSTOMER');
      expect(t.messages.map((m) => m.sentAt)).toEqual(t.messages.map((m) => m.sentAt).sort());
    }
    const body = JSON.stringify(data);
    const agents = stored.flatMap((m) => (m.agentId ? [m.agentId] : []));
    expect(agents.length).toBeGreaterThan(0);
    for (const a of agents) expect(body).not.toContain(a);
    expect(body).toContain('\\n'); // free text with newlines survives
  });

  it("child loaders read only the credential's person", async () => {
    const [theirOrder] = await sg.store.db.selectFrom('storeOrder').select('id').where('personId', '=', OTHER).limit(1).execute();
    const [theirTicket] = await sg.store.db.selectFrom('supportTicket').select('id').where('personId', '=', OTHER).limit(1).execute();
    const mine = createLoaders(sg.store, ME);
    expect(await mine.itemsByOrder.load(theirOrder!.id)).toEqual([]);
    expect(await mine.messagesByTicket.load(theirTicket!.id)).toEqual([]);
    expect((await createLoaders(sg.store, OTHER).itemsByOrder.load(theirOrder!.id)).length).toBeGreaterThan(0);
    await expect(createLoaders(sg.store, null).itemsByOrder.load(theirOrder!.id)).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });
});

describe('orders seed', () => {
  const dirs: string[] = [];
  async function freshStore(): Promise<OrdersStore> {
    const dir = mkdtempSync(join(tmpdir(), 'footprint-orders-seed-'));
    dirs.push(dir);
    const store = openOrdersStore(join(dir, 'orders.db'), dir);
    await store.migrate();
    return store;
  }
  const target = (id: string, scale: number): SeedTarget => ({ profile: personProfile(id), scale, rng: new Rng(`seed:${id}`) });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is deterministic', async () => {
    const dump = async (store: OrdersStore) =>
      JSON.stringify(
        await Promise.all(
          (['storeOrder', 'orderItem', 'orderDelivery', 'savedAddress', 'paymentMethod', 'supportTicket', 'supportMessage', 'giftAddress'] as const).map((t) =>
            store.db.selectFrom(t).selectAll().orderBy('id').execute(),
          ),
        ),
      );
    const [a, b] = [await freshStore(), await freshStore()];
    await seed(a, [target('10000005', 3)]);
    await seed(b, [target('10000005', 3)]);
    expect(await dump(a)).toBe(await dump(b));
    await Promise.all([a.close(), b.close()]);
  });

  it('writes at least 8,000 records for the heavy person, quickly', async () => {
    const store = await freshStore();
    const started = performance.now();
    await seed(store, [target('10000099', 1000)]);
    const elapsed = performance.now() - started;
    let records = 0;
    for (const table of Object.values(orderTables.kinds)) {
      const { n } = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(n), table).toBeGreaterThanOrEqual(1);
      records += Number(n);
    }
    expect(records).toBeGreaterThanOrEqual(8000);
    expect(elapsed).toBeLessThan(20_000);
    await store.close();
  });
});
