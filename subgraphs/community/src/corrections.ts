import { correctableKind, defineCorrections, maskPhone, PhoneE164, text } from '@footprint/kit';
import type { CommunityDB, CommunityProfileRow, PromotionEntryRow } from './store.js';

/**
 * What a person can correct in the forum (policy §9): the nickname other
 * members see, and the shipping details given for a prize — those are shared
 * with the delivery partner that sends it (§4), which is told of a correction
 * (Art. 19).
 */

const profile = correctableKind<CommunityDB, CommunityProfileRow>({
  kind: 'community.profile',
  label: () => 'Community profile',
  fields: {
    nickname: {
      label: 'Community nickname',
      schema: text(3, 20, 'A nickname').regex(/^[\p{L}\p{N}_.-]+$/u, 'A nickname has letters, digits, underscores, dots and hyphens, without spaces'),
      description: '3 to 20 letters, digits, underscores, dots or hyphens, not used by another member',
    },
  },
  // Members tell each other apart by nickname, so no two may share one (compared without case).
  async check(trx, row, _field, value) {
    if (typeof value !== 'string') return null;
    const taken = await trx
      .selectFrom('profile')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['nickname']), '=', value.toLowerCase()))
      .where('personId', '!=', row.personId)
      .executeTakeFirst();
    return taken ? 'another member already uses this nickname' : null;
  },
});

const promotionEntry = correctableKind<CommunityDB, PromotionEntryRow>({
  kind: 'community.promotion_entry',
  label: (row) => `${row.promotionName}${row.prize ? ` — ${row.prize}` : ''}`,
  // Shipping details exist only for a prize that was won.
  where: (eb) => eb('prize', 'is not', null),
  scope: 'entries that won a prize, whose shipping details can be corrected',
  fields: {
    shippingName: { label: 'Ship to (name)', schema: text(1, 100, 'A name'), description: '1 to 100 characters' },
    shippingAddress: { label: 'Shipping address', schema: text(5, 300, 'An address'), description: '5 to 300 characters: street, city, postal code' },
    shippingPhone: { label: 'Phone for the courier', schema: PhoneE164, mask: maskPhone, description: 'In international form, e.g. +994501234567' },
  },
});

export const corrections = defineCorrections<CommunityDB>([profile, promotionEntry]);
