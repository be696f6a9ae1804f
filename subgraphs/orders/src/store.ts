import { PostgresAdapter, type Kysely, type Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/kit';

/** Money is stored as integer minor units (qəpik, cents) and returned as a decimal string. */
export interface OrderRow extends RecordRow {
  orderNumber: string;
  placedAt: string;
  status: string;
  currency: string;
  subtotalMinor: number;
  shippingFeeMinor: number;
  discountMinor: number;
  totalMinor: number;
  /** The invoice columns are all null until an invoice is issued. */
  invoiceNumber: string | null;
  invoiceIssuedAt: string | null;
  invoiceType: string | null;
  invoiceTitle: string | null;
  invoiceTaxId: string | null;
  invoiceEmail: string | null;
}

/** A line of an order: a child row, not a record of its own; read through the itemsByOrder loader. */
export interface OrderItemRow {
  id: number;
  orderId: number;
  /** The order's person, repeated so a read can never cross people and erasure needs no join. */
  personId: string;
  position: number;
  name: string;
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface OrderDeliveryRow extends RecordRow {
  orderId: number;
  orderNumber: string;
  recipientName: string;
  phone: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  trackingEmail: string | null;
  instructions: string | null;
  carrier: string;
  trackingNumber: string | null;
  status: string;
  shippedAt: string | null;
  deliveredAt: string | null;
}

export interface SavedAddressRow extends RecordRow {
  label: string;
  recipientName: string;
  phone: string;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  isDefault: number;
  updatedAt: string;
}

export interface PaymentMethodRow extends RecordRow {
  type: string;
  issuer: string;
  accountHolder: string;
  /** The masked form: the last 4 digits of the card or account number. The full number is never stored. */
  numberLast4: string;
  /** The payment provider's token for charging the method; never selected into a response. */
  providerToken: string;
  expiryMonth: number | null;
  expiryYear: number | null;
  isDefault: number;
  addedAt: string;
}

export interface SupportTicketRow extends RecordRow {
  ticketNumber: string;
  orderNumber: string | null;
  topic: string;
  subject: string;
  status: string;
  openedAt: string;
  closedAt: string | null;
}

/** A message of a support ticket: a child row, read through the messagesByTicket loader. */
export interface SupportTicketMessageRow {
  id: number;
  ticketId: number;
  personId: string;
  author: string;
  /** The agent who wrote it (internal staff id); never returned, messages show the role only. */
  agentId: string | null;
  body: string;
  sentAt: string;
}

export interface GiftAddressRow extends RecordRow {
  /** The buyer who typed the address in: their account and full name stay in the store. */
  senderAccountId: string;
  senderName: string;
  recipientName: string;
  phone: string | null;
  street: string;
  city: string;
  postalCode: string;
  country: string;
  receivedAt: string;
}

export interface OrdersDB {
  storeOrder: OrderRow;
  orderItem: OrderItemRow;
  orderDelivery: OrderDeliveryRow;
  savedAddress: SavedAddressRow;
  paymentMethod: PaymentMethodRow;
  supportTicket: SupportTicketRow;
  supportMessage: SupportTicketMessageRow;
  giftAddress: GiftAddressRow;
}

/** Record type → table; the kit paginates, counts and summarises through it. Child tables are not records. */
export const TABLES = {
  Order: 'storeOrder',
  OrderDelivery: 'orderDelivery',
  SavedAddress: 'savedAddress',
  PaymentMethod: 'paymentMethod',
  SupportTicket: 'supportTicket',
  GiftAddress: 'giftAddress',
} as const;

/** A child table (no record columns): its own id, the parent and person keys, and an index on the parent. */
async function createChildTable(
  db: Kysely<unknown>,
  table: string,
  parent: string,
  columns: Parameters<typeof createRecordTable>[2],
): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  const builder = db.schema
    .createTable(table)
    .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn(parent, 'integer', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull());
  await columns(builder as never).execute();
  await db.schema.createIndex(`${table}_${parent}_idx`).on(table).columns([parent, 'id']).execute();
}

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await createRecordTable(db, 'store_order', (t) =>
        t
          .addColumn('order_number', 'text', (c) => c.notNull())
          .addColumn('placed_at', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('subtotal_minor', 'integer', (c) => c.notNull())
          .addColumn('shipping_fee_minor', 'integer', (c) => c.notNull())
          .addColumn('discount_minor', 'integer', (c) => c.notNull())
          .addColumn('total_minor', 'integer', (c) => c.notNull())
          .addColumn('invoice_number', 'text')
          .addColumn('invoice_issued_at', 'text')
          .addColumn('invoice_type', 'text')
          .addColumn('invoice_title', 'text')
          .addColumn('invoice_tax_id', 'text')
          .addColumn('invoice_email', 'text'),
      );
      await db.schema.createIndex('store_order_number_idx').on('store_order').columns(['person_id', 'order_number']).unique().execute();
      await createChildTable(db, 'order_item', 'order_id', (t) =>
        t
          .addColumn('position', 'integer', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('quantity', 'integer', (c) => c.notNull())
          .addColumn('unit_price_minor', 'integer', (c) => c.notNull()),
      );
      await createRecordTable(db, 'order_delivery', (t) =>
        t
          .addColumn('order_id', 'integer', (c) => c.notNull())
          .addColumn('order_number', 'text', (c) => c.notNull())
          .addColumn('recipient_name', 'text', (c) => c.notNull())
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('street', 'text', (c) => c.notNull())
          .addColumn('city', 'text', (c) => c.notNull())
          .addColumn('postal_code', 'text', (c) => c.notNull())
          .addColumn('country', 'text', (c) => c.notNull())
          .addColumn('tracking_email', 'text')
          .addColumn('instructions', 'text')
          .addColumn('carrier', 'text', (c) => c.notNull())
          .addColumn('tracking_number', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('shipped_at', 'text')
          .addColumn('delivered_at', 'text'),
      );
      await createRecordTable(db, 'saved_address', (t) =>
        t
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('recipient_name', 'text', (c) => c.notNull())
          .addColumn('phone', 'text', (c) => c.notNull())
          .addColumn('street', 'text', (c) => c.notNull())
          .addColumn('city', 'text', (c) => c.notNull())
          .addColumn('postal_code', 'text', (c) => c.notNull())
          .addColumn('country', 'text', (c) => c.notNull())
          .addColumn('is_default', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'payment_method', (t) =>
        t
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('issuer', 'text', (c) => c.notNull())
          .addColumn('account_holder', 'text', (c) => c.notNull())
          .addColumn('number_last4', 'text', (c) => c.notNull())
          .addColumn('provider_token', 'text', (c) => c.notNull())
          .addColumn('expiry_month', 'integer')
          .addColumn('expiry_year', 'integer')
          .addColumn('is_default', 'integer', (c) => c.notNull())
          .addColumn('added_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'support_ticket', (t) =>
        t
          .addColumn('ticket_number', 'text', (c) => c.notNull())
          .addColumn('order_number', 'text')
          .addColumn('topic', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('opened_at', 'text', (c) => c.notNull())
          .addColumn('closed_at', 'text'),
      );
      await db.schema.createIndex('support_ticket_number_idx').on('support_ticket').columns(['person_id', 'ticket_number']).unique().execute();
      await createChildTable(db, 'support_message', 'ticket_id', (t) =>
        t
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text')
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'gift_address', (t) =>
        t
          .addColumn('sender_account_id', 'text', (c) => c.notNull())
          .addColumn('sender_name', 'text', (c) => c.notNull())
          .addColumn('recipient_name', 'text', (c) => c.notNull())
          .addColumn('phone', 'text')
          .addColumn('street', 'text', (c) => c.notNull())
          .addColumn('city', 'text', (c) => c.notNull())
          .addColumn('postal_code', 'text', (c) => c.notNull())
          .addColumn('country', 'text', (c) => c.notNull())
          .addColumn('received_at', 'text', (c) => c.notNull()),
      );
    },
  },
};

export type OrdersStore = Store<OrdersDB>;

export function openOrdersStore(url: string | undefined, dataDir: string): OrdersStore {
  return openStore<OrdersDB>({ domain: 'orders', url, dataDir, migrations });
}
