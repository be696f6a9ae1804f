import { defineRights } from '@footprint/kit';
import type { OrdersDB } from './store.js';

/**
 * What erasure does in the orders domain beyond @personalData: the child rows
 * that go with a record and the columns an ANONYMIZE clears. Orders themselves
 * are RETAINed under tax law (their items with them, the invoice's e-mail
 * address cleared); a delivery keeps what
 * the carrier settlement and accounting need, a ticket what consumer law does.
 */
export const rights = defineRights<OrdersDB>({
  kinds: [
    {
      kind: 'orders.order',
      children: [{ table: 'orderItem', column: 'orderId' }],
      // The invoice stays as issued (number, date, title, tax number): the address it was e-mailed to is not
      // part of the bookkeeping record (a nullable column, cleared).
      clearOnRetain: { invoiceEmail: null },
    },
    {
      kind: 'orders.delivery',
      // NOT NULL columns are generalised to an empty value (0 for the order id, which no order has); nullable ones are cleared.
      anonymize: { recipientName: '', phone: '', street: '', city: '', postalCode: '', trackingEmail: null, instructions: null, trackingNumber: null, orderId: 0, orderNumber: '' },
      // The order (kept under tax law, with the name and e-mail) would name the recipient; a delivery of an order erased with it goes too.
      joinKeys: [
        { column: 'orderId', kind: 'orders.order', deleteWithParent: true },
        { column: 'orderNumber', kind: 'orders.order', parentColumn: 'orderNumber' },
      ],
    },
    {
      kind: 'orders.support_ticket',
      children: [{ table: 'supportMessage', column: 'ticketId' }],
      anonymize: { subject: '', orderNumber: null },
      joinKeys: [{ column: 'orderNumber', kind: 'orders.order', parentColumn: 'orderNumber' }],
    },
  ],
});
