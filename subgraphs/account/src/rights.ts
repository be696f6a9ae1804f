import { fail, type Purpose } from '@footprint/schema';
import { defineRights, type RightsHookContext } from '@footprint/kit';
import type { Transaction } from 'kysely';
import type { AccountDB } from './store.js';

/** Notification topics that are marketing (§8): withdrawing the MARKETING consent switches them off. */
const MARKETING_TOPICS = ['promotions', 'offers', 'newsletter'];

async function marketingTopicsOff(trx: Transaction<AccountDB>, person: string, now: string): Promise<void> {
  await trx.updateTable('notificationPreference').set({ enabled: 0, updatedAt: now }).where('personId', '=', person).where('topic', 'in', MARKETING_TOPICS).execute();
}

async function consentRecord(trx: Transaction<AccountDB>, purpose: Purpose, granted: 0 | 1, ctx: RightsHookContext): Promise<void> {
  // The record lives in the person's data region (§11), which their account records carry.
  if (!ctx.region) fail('NOT_FOUND', `The account domain holds no account ${ctx.person}`);
  await trx.insertInto('consent').values({ personId: ctx.person, collectedAt: ctx.now, region: ctx.region, source: null, purpose, granted, at: ctx.now, channel: 'privacy centre' }).execute();
}

/**
 * The account domain keeps the consent records (§8, §9). A withdrawal is
 * recorded there as a new consent record (granted: false, channel
 * "privacy centre"), exactly as a consent is given: the history stays, the
 * latest record per purpose is in force. Notification preferences are kept on
 * a withdrawal (they also hold service notices); their marketing topics are
 * switched off, as they are on an objection to direct marketing.
 */
export const rights = defineRights<AccountDB>({
  // The consent records are the consent state, those written in the apps' settings before the rights included.
  consentRecords: { table: 'consent' },
  kinds: [{ kind: 'account.notification_preference', onWithdrawal: 'KEEP' }],
  async onWithdrawal(trx, purpose: Purpose, ctx) {
    await consentRecord(trx, purpose, 0, ctx);
    if (purpose === 'MARKETING') await marketingTopicsOff(trx, ctx.person, ctx.now);
  },
  // Given again: one more record (granted: true), the earlier ones kept as proof (Art. 7(1)). Topics stay as the person set them.
  onConsentGiven: (trx, purpose: Purpose, ctx) => consentRecord(trx, purpose, 1, ctx),
  // An objection to direct marketing (absolute, Art. 21(3)) switches the marketing topics off as well.
  objections: { DIRECT_MARKETING: { apply: (trx, ctx) => marketingTopicsOff(trx, ctx.person, ctx.now) } },
});
