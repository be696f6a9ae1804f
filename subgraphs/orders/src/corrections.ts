import { CountryCode, correctableKind, defineCorrections, EmailAddress, maskPhone, multiline, PhoneE164, text, type CorrectableFieldSpec } from '@footprint/kit';
import { z } from 'zod';
import type { GiftAddressRow, OrderDeliveryRow, OrdersDB, SavedAddressRow } from './store.js';

/**
 * What a person can correct in the online store (policy §9): delivery details
 * and addresses, all shared with the delivery partner (§4), so each correction
 * also records an Art. 19 notice to it. One set of address rules serves every
 * kind that holds an address.
 */

const address = {
  recipientName: { label: 'Recipient', schema: text(1, 100, 'A recipient name'), description: '1 to 100 characters' },
  phone: { label: 'Phone number', schema: PhoneE164, mask: maskPhone, description: 'In international form, e.g. +994501234567' },
  street: { label: 'Street and number', schema: text(3, 200, 'A street address'), description: '3 to 200 characters' },
  city: { label: 'City', schema: text(1, 100, 'A city'), description: '1 to 100 characters' },
  postalCode: {
    label: 'Postal code',
    schema: z
      .string()
      .trim()
      .regex(/^[A-Z0-9][A-Z0-9 -]{1,10}[A-Z0-9]$/, 'A postal code has 3 to 12 capital letters, digits, spaces or hyphens, e.g. AZ1000'),
    description: '3 to 12 capital letters, digits, spaces or hyphens (AZ1000)',
  },
  country: { label: 'Country', schema: CountryCode, description: 'Two-letter ISO 3166 code, e.g. AZ' },
} satisfies Record<string, CorrectableFieldSpec<never>>;

// Once a parcel is delivered, returned or cancelled its delivery record is what happened, kept as is.
const OPEN_DELIVERY = ['PREPARING', 'IN_TRANSIT'];

const delivery = correctableKind<OrdersDB, OrderDeliveryRow>({
  kind: 'orders.delivery',
  label: (row) => `Order ${row.orderNumber} (${row.status.toLowerCase().replace('_', ' ')})`,
  where: (eb) => eb('status', 'in', OPEN_DELIVERY),
  scope: 'deliveries still being prepared or in transit; a delivered, returned or cancelled delivery is kept as it happened',
  fields: {
    ...address,
    trackingEmail: { label: 'Tracking e-mail', schema: EmailAddress.nullable(), description: 'Where tracking notices go; may be left empty' },
    instructions: { label: 'Delivery instructions', schema: multiline(500, 'Instructions').nullable(), description: 'Up to 500 characters; may be left empty' },
  },
});

const savedAddress = correctableKind<OrdersDB, SavedAddressRow>({
  kind: 'orders.delivery_address',
  label: (row) => `${row.label}: ${row.city}`,
  touch: 'updatedAt',
  fields: {
    label: { label: 'Label', schema: text(1, 40, 'A label'), description: '1 to 40 characters, e.g. Home' },
    ...address,
  },
});

const giftAddress = correctableKind<OrdersDB, GiftAddressRow>({
  kind: 'orders.gift_address',
  label: (row) => `Gift from ${row.senderName.split(/\s+/)[0]}: ${row.city}`,
  fields: {
    ...address,
    phone: { ...address.phone, schema: PhoneE164.nullable(), description: 'In international form, e.g. +994501234567; may be left empty' },
  },
});

export const corrections = defineCorrections<OrdersDB>([delivery, savedAddress, giftAddress]);
