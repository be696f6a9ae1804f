import { defineRights } from '@footprint/kit';
import { rebuildRecommendationProfile } from './recommendations.js';
import type { ThemesDB } from './store.js';

/**
 * What the rights do in the themes domain beyond @personalData: a
 * recommendation profile's weights go with it, a retained purchase loses its
 * payment token and card digits, and recommending (profiling
 * from downloads and searches, §3.2) stops when the person restricts those
 * kinds or withdraws consent to personalisation.
 */
export const rights = defineRights<ThemesDB>({
  kinds: [
    { kind: 'themes.recommendation_profile', children: [{ table: 'recommendationWeight', column: 'profileId' }] },
    // Bookkeeping needs what was bought, for how much, when and under which payment reference (retainFields);
    // not the provider's refund token nor the card's last digits, both nullable columns.
    { kind: 'themes.purchase', clearOnRetain: { pspToken: null, cardLast4: null } },
  ],
  activities: [
    {
      name: 'recommendations',
      description: 'Builds the recommendation profile from downloads and searches and recommends themes from it (§3.2)',
      kinds: ['themes.download', 'themes.search_query', 'themes.recommendation_profile'],
      consent: 'PERSONALISATION',
      // The trigger (_runProcessing): rebuilds the person's profile now.
      async run(host, person) {
        const r = await rebuildRecommendationProfile(host, person);
        return { done: r.profileId === null ? 0 : 1, refused: r.refused };
      },
    },
  ],
});
