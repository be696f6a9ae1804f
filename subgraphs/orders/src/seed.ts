import { insertChunked, personProfile, recordBase, TRICKY_TEXT, type Rng, type SeedTarget } from '@footprint/kit';
import type { OrderDeliveryStatus, OrderStatus, SupportTicketStatus } from './generated/resolvers.js';
import type {
  GiftAddressRow,
  OrderDeliveryRow,
  OrderItemRow,
  OrderRow,
  OrdersStore,
  PaymentMethodRow,
  SavedAddressRow,
  SupportTicketMessageRow,
  SupportTicketRow,
} from './store.js';

type New<R> = Omit<R, 'id'>;

/** Products of the store: name, SKU, price in AZN qəpik. */
const CATALOG: readonly (readonly [string, string, number])[] = [
  ['Xiaomi 14T Pro 12GB+512GB', 'MZB0HRWEU', 179900],
  ['Redmi Note 13 Pro 8GB+256GB', 'MZB0G3BEU', 64900],
  ['Xiaomi Smart Band 9 — qara', 'BHR8337GL', 8900],
  ['Redmi Buds 6 Active', 'BHR8416GL', 3900],
  ['Xiaomi Robot Vacuum S10', 'BHR5988EU', 52900],
  ['67W Sürətli Şarj Adapteri', 'BHR6035EU', 4900],
  ['Kabel "Type-C", 1 m', 'BHR4422GL', 1500],
  ['Mi Power Bank 3 — 20000mAh', 'VXN4304GL', 6900],
  ['Xiaomi Pad 6 üçün qoruyucu örtük', 'BHR7478GL', 5900],
  ['Xiaomi Smart Air Fryer 6.5L', 'BHR7358EU', 27900],
  ['Redmi Watch 4 — gümüşü', 'BHR7848GL', 21900],
  ['Xiaomi TV A 43" 2025', 'ELA5480EU', 69900],
];
const ORDER_STATUSES = ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DELIVERED', 'SHIPPED', 'PAID', 'PENDING_PAYMENT', 'CANCELLED', 'RETURNED'] as const;
const DELIVERY_STATUS: Record<OrderStatus, OrderDeliveryStatus> = {
  PENDING_PAYMENT: 'PREPARING',
  PAID: 'PREPARING',
  SHIPPED: 'IN_TRANSIT',
  DELIVERED: 'DELIVERED',
  RETURNED: 'DELIVERED',
  CANCELLED: 'CANCELLED',
};
const CARRIERS = ['Azərpoçt', 'DHL Express', 'CDEK', 'Bolt Delivery'];
const INSTRUCTIONS = ['Zəng edin, domofon işləmir', 'Qapıçıya təhvil verin', ...TRICKY_TEXT];
const TOPICS = ['RETURN', 'REPAIR', 'DELIVERY', 'PAYMENT', 'PRODUCT_QUESTION', 'OTHER'] as const;
const SUBJECTS: Record<(typeof TOPICS)[number], string[]> = {
  RETURN: ['Məhsulu geri qaytarmaq istəyirəm', 'Qaytarma: qutu açılmayıb'],
  REPAIR: ['Ekran çatlayıb, zəmanət təmiri', 'Şarj olmur — təmir sorğusu'],
  DELIVERY: ['Bağlama gecikir', 'Kuryer ünvanı tapmadı'],
  PAYMENT: ['Ödəniş iki dəfə çıxılıb', 'Faktura düzəlişi: VÖEN səhvdir'],
  PRODUCT_QUESTION: ['Saat telefonla qoşulmur', 'Tozsoranın xəritəsi necə saxlanır?'],
  OTHER: ['Hədiyyə qablaşdırması', TRICKY_TEXT[0]!],
};
const AGENT_REPLIES = [
  'Salam! Müraciətiniz qeydə alındı, 24 saat ərzində cavab veriləcək.',
  'Təşəkkür edirik. Zəhmət olmasa, sifariş nömrəsini və şəkli göndərin.',
  'Geri ödəniş kartınıza 3–5 iş günü ərzində qaytarılacaq.',
];
const BANKS = ['Kapital Bank', 'PAŞA Bank', 'ABB', 'Xalq Bank'];

const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** A buyer other than the person, who sent them a gift: never the person, never someone of the same name. */
function giftSender(t: SeedTarget, rng: Rng) {
  for (;;) {
    const other = personProfile(`1${rng.digits(7)}`);
    if (other.id !== t.profile.id && other.fullName !== t.profile.fullName) return other;
  }
}

/**
 * Deterministic store data for each target: every orders kind; orders (with
 * their deliveries and items) and support tickets (with their messages)
 * scale with `scale`: 3 + 3 + 2 records per unit of scale.
 */
export async function seed(store: OrdersStore, targets: SeedTarget[]): Promise<void> {
  for (const t of targets) {
    const { profile: p, rng } = t;
    await store.db.transaction().execute(async (trx) => {
      // Orders, with their items and the delivery of each.
      const orders: New<OrderRow>[] = [];
      const itemsByNumber = new Map<string, New<OrderItemRow>[]>();
      for (let i = 0; i < 3 * t.scale; i++) {
        const placedAt = rng.date('2019-06-01T00:00:00Z', '2026-10-01T00:00:00Z');
        const status = rng.pick(ORDER_STATUSES);
        const currency = rng.bool(0.9) ? 'AZN' : 'EUR';
        const orderNumber = `${placedAt.slice(2, 10).replace(/-/g, '')}${String(i).padStart(6, '0')}${rng.digits(4)}`;
        const items: New<OrderItemRow>[] = [];
        for (let position = 1, n = rng.int(1, 4); position <= n; position++) {
          const [name, sku, azn] = rng.pick(CATALOG);
          items.push({ orderId: 0, personId: p.id, position, name, sku, quantity: rng.pick([1, 1, 1, 2, 3]), unitPriceMinor: currency === 'AZN' ? azn : Math.round(azn * 0.53) });
        }
        itemsByNumber.set(orderNumber, items);
        const subtotal = items.reduce((s, it) => s + it.unitPriceMinor * it.quantity, 0);
        const shipping = subtotal >= 10000 ? 0 : 500;
        const discount = rng.bool(0.2) ? Math.round(subtotal * 0.1) : 0;
        const invoiced = status !== 'PENDING_PAYMENT' && status !== 'CANCELLED';
        const company = rng.bool(0.15);
        orders.push({
          ...recordBase(t, placedAt),
          orderNumber,
          placedAt,
          status,
          currency,
          subtotalMinor: subtotal,
          shippingFeeMinor: shipping,
          discountMinor: discount,
          totalMinor: subtotal + shipping - discount,
          invoiceNumber: invoiced ? `INV-${placedAt.slice(0, 4)}-${rng.digits(8)}` : null,
          invoiceIssuedAt: invoiced ? addMinutes(placedAt, rng.int(5, 600)) : null,
          invoiceType: invoiced ? (company ? 'COMPANY' : 'PERSONAL') : null,
          invoiceTitle: invoiced ? (company ? `${p.familyName} və Ortaqları MMC` : p.fullName) : null,
          invoiceTaxId: invoiced && company ? rng.digits(10) : null,
          invoiceEmail: invoiced ? p.email : null,
        });
      }
      await insertChunked(trx, 'storeOrder', orders);
      const orderIds = new Map(
        (await trx.selectFrom('storeOrder').select(['id', 'orderNumber']).where('personId', '=', p.id).execute()).map((o) => [o.orderNumber, o.id]),
      );
      const items: New<OrderItemRow>[] = [];
      const deliveries: New<OrderDeliveryRow>[] = [];
      for (const o of orders) {
        const orderId = orderIds.get(o.orderNumber)!;
        for (const it of itemsByNumber.get(o.orderNumber)!) items.push({ ...it, orderId });
        const status = DELIVERY_STATUS[o.status];
        const shipped = status === 'IN_TRANSIT' || status === 'DELIVERED';
        const shippedAt = shipped ? addMinutes(o.placedAt, rng.int(600, 4000)) : null;
        const carrier = rng.pick(CARRIERS);
        const atWork = rng.bool(0.2);
        deliveries.push({
          ...recordBase(t, o.placedAt),
          orderId,
          orderNumber: o.orderNumber,
          recipientName: rng.bool(0.9) ? p.fullName : `${p.givenName} ${p.familyName.charAt(0)}.`,
          phone: p.phone,
          street: atWork ? 'Neftçilər pr. 153, Port Baku Towers, 12-ci mərtəbə' : p.street,
          city: atWork ? 'Bakı' : p.city,
          postalCode: atWork ? 'AZ1010' : p.postalCode,
          country: 'AZ',
          trackingEmail: p.email,
          instructions: rng.bool(0.3) ? rng.pick(INSTRUCTIONS) : null,
          carrier,
          trackingNumber: shipped ? (carrier === 'Azərpoçt' ? `RR${rng.digits(9)}AZ` : rng.digits(12)) : null,
          status,
          shippedAt,
          deliveredAt: status === 'DELIVERED' && shippedAt ? addMinutes(shippedAt, rng.int(600, 7200)) : null,
        });
      }
      await insertChunked(trx, 'orderItem', items);
      await insertChunked(trx, 'orderDelivery', deliveries);

      // The address book and payment methods: a few per person.
      const addresses: New<SavedAddressRow>[] = [
        { ...recordBase(t, p.registeredAt), label: 'Ev', recipientName: p.fullName, phone: p.phone, street: p.street, city: p.city, postalCode: p.postalCode, country: 'AZ', isDefault: 1, updatedAt: rng.date() },
        { ...recordBase(t, rng.date()), label: 'İş', recipientName: `${p.fullName} (ofis)`, phone: p.phone, street: 'Neftçilər pr. 153, Port Baku Towers, 12-ci mərtəbə', city: 'Bakı', postalCode: 'AZ1010', country: 'AZ', isDefault: 0, updatedAt: rng.date() },
      ];
      await insertChunked(trx, 'savedAddress', addresses);
      const cardAdded = rng.date();
      const payments: New<PaymentMethodRow>[] = [
        { ...recordBase(t, cardAdded), type: 'CARD', issuer: rng.pick(['VISA', 'MASTERCARD']), accountHolder: p.fullName.toLocaleUpperCase('az'), numberLast4: rng.digits(4), providerToken: `tok_${rng.hex(24)}`, expiryMonth: rng.int(1, 12), expiryYear: rng.int(2026, 2031), isDefault: 1, addedAt: cardAdded },
        { ...recordBase(t, rng.date()), type: 'BANK_ACCOUNT', issuer: rng.pick(BANKS), accountHolder: p.fullName, numberLast4: rng.digits(4), providerToken: `ba_${rng.hex(24)}`, expiryMonth: null, expiryYear: null, isDefault: 0, addedAt: rng.date() },
      ];
      await insertChunked(trx, 'paymentMethod', payments);

      // Support tickets, with their conversations.
      const tickets: New<SupportTicketRow>[] = [];
      for (let i = 0; i < 2 * t.scale; i++) {
        const openedAt = rng.date('2019-06-01T00:00:00Z', '2026-10-01T00:00:00Z');
        const topic = rng.pick(TOPICS);
        const status = rng.pick<SupportTicketStatus>(['OPEN', 'AWAITING_CUSTOMER', 'RESOLVED', 'CLOSED', 'CLOSED']);
        const about = rng.bool(0.7) ? orders[rng.int(0, orders.length - 1)]! : null;
        tickets.push({
          ...recordBase(t, openedAt),
          ticketNumber: `CS${openedAt.slice(0, 4)}${String(i).padStart(6, '0')}`,
          orderNumber: about?.orderNumber ?? null,
          topic,
          subject: rng.pick(SUBJECTS[topic]),
          status,
          openedAt,
          closedAt: status === 'RESOLVED' || status === 'CLOSED' ? addMinutes(openedAt, rng.int(60, 20000)) : null,
        });
      }
      await insertChunked(trx, 'supportTicket', tickets);
      const ticketIds = new Map(
        (await trx.selectFrom('supportTicket').select(['id', 'ticketNumber']).where('personId', '=', p.id).execute()).map((r) => [r.ticketNumber, r.id]),
      );
      const messages: New<SupportTicketMessageRow>[] = [];
      for (const tk of tickets) {
        const ticketId = ticketIds.get(tk.ticketNumber)!;
        let at = tk.openedAt;
        for (let m = 0, n = rng.int(1, 3); m < n; m++) {
          const agent = m % 2 === 1;
          messages.push({ ticketId, personId: p.id, author: agent ? 'SUPPORT_AGENT' : 'CUSTOMER', agentId: agent ? `agent-${rng.digits(5)}` : null, body: agent ? rng.pick(AGENT_REPLIES) : rng.pick([tk.subject, ...TRICKY_TEXT]), sentAt: at });
          at = addMinutes(at, rng.int(5, 2000));
        }
      }
      await insertChunked(trx, 'supportMessage', messages);

      // Addresses other buyers typed in to send the person a gift (THIRD_PARTY per record).
      const gifts: New<GiftAddressRow>[] = [];
      for (let i = 0; i < 1 + Math.floor(t.scale / 10); i++) {
        const sender = giftSender(t, rng);
        const receivedAt = rng.date();
        gifts.push({
          ...recordBase(t, receivedAt, 'THIRD_PARTY'),
          senderAccountId: sender.id,
          senderName: sender.fullName,
          recipientName: rng.bool(0.5) ? p.fullName : p.givenName,
          phone: rng.bool(0.7) ? p.phone : null,
          street: p.street,
          city: p.city,
          postalCode: p.postalCode,
          country: 'AZ',
          receivedAt,
        });
      }
      await insertChunked(trx, 'giftAddress', gifts);
    });
  }
}
