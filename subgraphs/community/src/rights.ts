import { defineRights } from '@footprint/kit';
import { promotionAudience } from './promotions.js';
import type { CommunityDB } from './store.js';

/**
 * What the rights do in the community domain beyond @personalData: badges go
 * with the profile, a promotion entry keeps the draw's record but loses the
 * shipping details, and promotions (the domain's marketing) stop on an
 * objection to direct marketing or a withdrawn marketing consent.
 */
export const rights = defineRights<CommunityDB>({
  kinds: [
    { kind: 'community.profile', children: [{ table: 'badge', column: 'profileId' }] },
    { kind: 'community.promotion_entry', anonymize: { shippingName: null, shippingAddress: null, shippingPhone: null } },
  ],
  activities: [
    {
      name: 'promotionInvitation',
      description: 'Invites the person to promotions and lotteries (direct marketing, §3.2)',
      kinds: ['community.profile', 'community.promotion_entry'],
      objection: 'DIRECT_MARKETING',
      consent: 'MARKETING',
      // The trigger (_runProcessing): decides whether the person is invited to the next promotion.
      async run(host, person) {
        const a = await promotionAudience(host, [person]);
        const out = a.excluded[0];
        return { done: a.invited.length, refused: out ? { code: out.code, reason: out.reason } : null };
      },
    },
  ],
});
