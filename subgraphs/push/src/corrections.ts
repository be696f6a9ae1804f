import { correctableKind, defineCorrections, type AnyDB } from '@footprint/kit';
import type { ExpressionBuilder, Transaction } from 'kysely';
import { z } from 'zod';
import type { AppNotificationSettingRow, MarketingChoiceRow, ProfilingObjectionRow, PushDB } from './store.js';

/**
 * What a person can correct in the push service (policy §8, §9): their
 * marketing choices, per-app notification settings and the objection to
 * profiling. Choices and objections are logs where the latest one is in force,
 * so a correction appends the corrected choice instead of rewriting history;
 * only the choice in force can be corrected.
 */

/** The choice in force: the latest row of the person's table (per channel, when grouped). */
const latest = (table: string, groupBy?: string) => (eb: ExpressionBuilder<AnyDB, string>) => {
  let sub = eb.selectFrom(`${table} as latest`).select((e) => e.fn.max('latest.id').as('id')).whereRef('latest.personId', '=', `${table}.personId`);
  if (groupBy) sub = sub.groupBy(`latest.${groupBy}`);
  return eb(`${table}.id`, 'in', sub);
};

const marketingChoice = correctableKind<PushDB, MarketingChoiceRow>({
  kind: 'push.marketing_choice',
  label: (row) => `Marketing by ${row.channel.toLowerCase().replace('_', ' ')}`,
  where: latest('marketingChoice', 'channel'),
  scope: 'the choice in force for each channel; earlier choices are the record of what you chose when',
  fields: {
    optedIn: { label: 'Receive marketing', schema: z.boolean(), description: 'true to opt in, false to opt out' },
  },
  async apply(trx: Transaction<PushDB>, row, _field, value, ctx) {
    await trx
      .insertInto('marketingChoice')
      .values({ personId: ctx.person, collectedAt: ctx.now, region: row.region, source: null, optedIn: value ? 1 : 0, channel: row.channel, at: ctx.now })
      .execute();
  },
});

const appSetting = correctableKind<PushDB, AppNotificationSettingRow>({
  kind: 'push.app_notification_setting',
  label: (row) => row.appPackage,
  touch: 'updatedAt',
  fields: {
    enabled: { label: 'Notifications', schema: z.boolean(), description: 'true to allow notifications from this app' },
    sound: { label: 'Sound', schema: z.boolean(), description: 'true to play a sound' },
    badge: { label: 'Badge', schema: z.boolean(), description: 'true to show a badge on the app icon' },
  },
});

const objection = correctableKind<PushDB, ProfilingObjectionRow>({
  kind: 'push.profiling_objection',
  label: () => 'Objection to profiling for personalised ads',
  where: latest('profilingObjection'),
  scope: 'the objection in force; earlier ones are the record of what you chose when',
  fields: {
    objected: {
      label: 'I object to profiling',
      schema: z.boolean(),
      description: 'true to object: no more ad segments are made about you',
      // Advertising partners place segments too (§3.1.3): they must hear of the change.
      alsoNotify: ['AD_PARTNER'],
    },
  },
  async apply(trx: Transaction<PushDB>, row, _field, value, ctx) {
    await trx
      .insertInto('profilingObjection')
      .values({ personId: ctx.person, collectedAt: ctx.now, region: row.region, source: null, objected: value ? 1 : 0, at: ctx.now })
      .execute();
  },
});

export const corrections = defineCorrections<PushDB>([marketingChoice, appSetting, objection]);
