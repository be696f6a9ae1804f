import { fail } from '@footprint/schema';
import { defineRights, insertChunked, type ProcessingOutcome } from '@footprint/kit';
import { z } from 'zod';
import { buildAdSegments, sendNotification, type PushProcessor } from './processing.js';
import type { PushDB } from './store.js';

/** The marketing channels a person opts in or out of (push.marketing_choice). */
export const MARKETING_CHANNELS = ['PUSH', 'IN_APP', 'LOCK_SCREEN'] as const;

/** A trigger's JSON input for a notification; sendNotification checks each field (a clear BAD_USER_INPUT for each). */
const TriggerInput = z.object({ appPackage: z.string().default(''), title: z.string().default(''), body: z.string().default('') }, { message: 'input must be an object { appPackage, title, body }' });

async function notify(host: PushProcessor, person: string, category: 'MARKETING' | 'SERVICE', input: unknown): Promise<ProcessingOutcome> {
  const parsed = TriggerInput.safeParse(input ?? {});
  if (!parsed.success) fail('BAD_USER_INPUT', parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), { field: 'input' });
  const r = await sendNotification(host, person, { category, ...parsed.data });
  return { done: r.sent, refused: r.refused };
}

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
      // The trigger (_runProcessing, input { appPackage, title, body }): a marketing campaign's send to the person.
      run: async (host, person, input) => notify(host, person, 'MARKETING', input),
    },
    {
      name: 'serviceNotification',
      description: 'Sends a SYSTEM or SERVICE notice to the person’s registrations (§3.2)',
      kinds: ['push.registration', 'push.notification'],
      run: async (host, person, input) => notify(host, person, 'SERVICE', input),
    },
    {
      name: 'adSegmentation',
      description: 'Places the person in ad segments from their advertising ID (profiling for ads, §3.2)',
      kinds: ['push.advertising_id', 'push.ad_segment'],
      objection: 'AD_PROFILING',
      consent: 'PERSONALISATION',
      async run(host, person) {
        const r = await buildAdSegments(host, person);
        return { done: r.placed.length, refused: r.refused };
      },
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
