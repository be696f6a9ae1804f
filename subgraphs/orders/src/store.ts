import type { Selectable } from 'kysely';
import { column, defineTables, openStore, plainTable, recordTable, type DatabaseOf, type KindRowsOf, type Store } from '@footprint/kit';
import type {
  OrderDeliveryStatus,
  OrderInvoiceType,
  OrderStatus,
  PaymentMethodType,
  SupportMessageAuthor,
  SupportTicketStatus,
  SupportTicketTopic,
} from './generated/resolvers.js';

const { text, integer } = column;

/** A child table's index on its parent (then id, the order rows are read in). */
const byParent = (table: string, parent: string) => ({ indexes: [{ name: `${table}_${parent.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_idx`, columns: [parent, 'id'] }] });

/**
 * The orders domain's tables, described once: migrations, row types and the
 * record type → table map come from here. Money is stored as integer minor
 * units (qəpik, cents) and returned as a decimal string. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  storeOrder: recordTable(
    'Order',
    {
      orderNumber: text(),
      placedAt: text(),
      status: text<OrderStatus>(),
      currency: text(),
      subtotalMinor: integer(),
      shippingFeeMinor: integer(),
      discountMinor: integer(),
      totalMinor: integer(),
      /** The invoice columns are all null until an invoice is issued. */
      invoiceNumber: text().nullable(),
      invoiceIssuedAt: text().nullable(),
      invoiceType: text<OrderInvoiceType>().nullable(),
      invoiceTitle: text().nullable(),
      invoiceTaxId: text().nullable(),
      invoiceEmail: text().nullable(),
    },
    [{ name: 'store_order_number_idx', columns: ['personId', 'orderNumber'], unique: true }],
  ),
  /** A line of an order: a child row, not a record of its own; read through the itemsByOrder loader. */
  orderItem: plainTable(
    {
      orderId: integer(),
      /** The order's person, repeated so a read can never cross people and erasure needs no join. */
      personId: text(),
      position: integer(),
      name: text(),
      sku: text(),
      quantity: integer(),
      unitPriceMinor: integer(),
    },
    byParent('order_item', 'orderId'),
  ),
  orderDelivery: recordTable('OrderDelivery', {
    orderId: integer(),
    orderNumber: text(),
    recipientName: text(),
    phone: text(),
    street: text(),
    city: text(),
    postalCode: text(),
    country: text(),
    trackingEmail: text().nullable(),
    instructions: text().nullable(),
    carrier: text(),
    trackingNumber: text().nullable(),
    status: text<OrderDeliveryStatus>(),
    shippedAt: text().nullable(),
    deliveredAt: text().nullable(),
  }),
  savedAddress: recordTable('SavedAddress', {
    label: text(),
    recipientName: text(),
    phone: text(),
    street: text(),
    city: text(),
    postalCode: text(),
    country: text(),
    isDefault: integer(),
    updatedAt: text(),
  }),
  paymentMethod: recordTable('PaymentMethod', {
    type: text<PaymentMethodType>(),
    issuer: text(),
    accountHolder: text(),
    /** The masked form: the last 4 digits of the card or account number. The full number is never stored. */
    numberLast4: text(),
    /** The payment provider's token for charging the method; never selected into a response. */
    providerToken: text(),
    expiryMonth: integer().nullable(),
    expiryYear: integer().nullable(),
    isDefault: integer(),
    addedAt: text(),
  }),
  supportTicket: recordTable(
    'SupportTicket',
    {
      ticketNumber: text(),
      orderNumber: text().nullable(),
      topic: text<SupportTicketTopic>(),
      subject: text(),
      status: text<SupportTicketStatus>(),
      openedAt: text(),
      closedAt: text().nullable(),
    },
    [{ name: 'support_ticket_number_idx', columns: ['personId', 'ticketNumber'], unique: true }],
  ),
  /** A message of a support ticket: a child row, read through the messagesByTicket loader. */
  supportMessage: plainTable(
    {
      ticketId: integer(),
      personId: text(),
      author: text<SupportMessageAuthor>(),
      /** The agent who wrote it (internal staff id); never returned, messages show the role only. */
      agentId: text().nullable(),
      body: text(),
      sentAt: text(),
    },
    byParent('support_message', 'ticketId'),
  ),
  giftAddress: recordTable('GiftAddress', {
    /** The buyer who typed the address in: their account and full name stay in the store. */
    senderAccountId: text(),
    senderName: text(),
    recipientName: text(),
    phone: text().nullable(),
    street: text(),
    city: text(),
    postalCode: text(),
    country: text(),
    receivedAt: text(),
  }),
});

export interface OrdersDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** Row names the domain's code uses. */
export type OrderRow = KindRows['Order'];
export type OrderItemRow = Selectable<OrdersDB['orderItem']>;
export type OrderDeliveryRow = KindRows['OrderDelivery'];
export type SavedAddressRow = KindRows['SavedAddress'];
export type PaymentMethodRow = KindRows['PaymentMethod'];
export type SupportTicketRow = KindRows['SupportTicket'];
export type SupportTicketMessageRow = Selectable<OrdersDB['supportMessage']>;
export type GiftAddressRow = KindRows['GiftAddress'];

export type OrdersStore = Store<OrdersDB>;

export function openOrdersStore(url: string | undefined, dataDir: string): OrdersStore {
  return openStore<OrdersDB>({ domain: 'orders', url, dataDir, migrations: tables.migrations });
}
