import { defineRights, insertChunked } from '@footprint/kit';
import type { PushDB } from './store.js';

/** The marketing channels a person opts in or out of (push.marketing_choice). */
export const MARKETING_CHANNELS = ['PUSH', 'IN_APP', 'LOCK_SCREEN'] as const;

/**
 * What the rights do in the push domain (§3.2, §8, §9). Objecting to profiling
 * for ads is absolute: the ad segments are erased, the objection is recorded
 * as a push.profiling_objection record, and segmentation stops. Objecting to
 * direct marketing records an opt-out on every marketing channel and stops
 * marketing notices. Both processing activities ask the kit first.
 */
export const rights = defineRights<PushDB>({
  activities: [
    {
      name: 'marketingNotification',
      description: 'Sends a MARKETING notification to the person’s registrations (§3.2, §8)',
      kinds: ['push.registration', 'push.notification', 'push.marketing_choice'],
      objection: 'DIRECT_MARKETING',
      consent: 'MARKETING',
    },
    {
      name: 'serviceNotification',
      description: 'Sends a SYSTEM or SERVICE notice to the person’s registrations (§3.2)',
      kinds: ['push.registration', 'push.notification'],
    },
    {
      name: 'adSegmentation',
      description: 'Places the person in ad segments from their advertising ID (profiling for ads, §3.2)',
      kinds: ['push.advertising_id', 'push.ad_segment'],
      objection: 'AD_PROFILING',
      consent: 'PERSONALISATION',
    },
  ],
  objections: {
    AD_PROFILING: {
      erase: ['push.ad_segment'],
      async apply(trx, ctx) {
        if (!ctx.region) return;
        await insertChunked(trx, 'profilingObjection', [{ personId: ctx.person, collectedAt: ctx.now, region: ctx.region, source: null, objected: 1, at: ctx.now }]);
      },
    },
    DIRECT_MARKETING: {
      async apply(trx, ctx) {
        if (!ctx.region) return;
        const region = ctx.region;
        await insertChunked(
          trx,
          'marketingChoice',
          MARKETING_CHANNELS.map((channel) => ({ personId: ctx.person, collectedAt: ctx.now, region, source: null, optedIn: 0, channel, at: ctx.now })),
        );
      },
    },
  },
});
