import type { Resolvers } from '../generated/resolvers.js';
import { firstNameOnly, formatMinor, maskNumber } from '../format.js';

/**
 * Field resolvers that turn stored rows into the schema's shape. Nested lists
 * come from the request's loaders (one statement per page of parents);
 * payment numbers leave masked, provider tokens and a gift sender's identity
 * never leave the store.
 */
export const recordResolvers: Resolvers = {
  Order: {
    subtotal: (row) => formatMinor(row.subtotalMinor),
    shippingFee: (row) => formatMinor(row.shippingFeeMinor),
    discount: (row) => formatMinor(row.discountMinor),
    total: (row) => formatMinor(row.totalMinor),
    items: (row, _, ctx) => ctx.loaders.itemsByOrder.get(row.id),
    invoice: (row) =>
      row.invoiceNumber && row.invoiceIssuedAt && row.invoiceType && row.invoiceTitle
        ? {
            number: row.invoiceNumber,
            issuedAt: row.invoiceIssuedAt,
            type: row.invoiceType,
            title: row.invoiceTitle,
            taxId: row.invoiceTaxId,
            email: row.invoiceEmail,
          }
        : null,
  },
  OrderItem: {
    unitPrice: (row) => formatMinor(row.unitPriceMinor),
    lineTotal: (row) => formatMinor(row.unitPriceMinor * row.quantity),
  },
  SavedAddress: {
    isDefault: (row) => row.isDefault === 1,
  },
  PaymentMethod: {
    maskedNumber: (row) => maskNumber(row.numberLast4),
    isDefault: (row) => row.isDefault === 1,
  },
  SupportTicket: {
    messages: (row, _, ctx) => ctx.loaders.messagesByTicket.get(row.id),
  },
  GiftAddress: {
    senderFirstName: (row) => firstNameOnly(row.senderName),
  },
};
