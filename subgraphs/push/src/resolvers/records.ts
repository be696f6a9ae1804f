import { whenLoaded } from '@footprint/kit';
import type { PushNotificationCategory, Resolvers } from '../generated/resolvers.js';
import { maskFcmToken } from '../tokens.js';

const CATEGORIES: readonly PushNotificationCategory[] = ['SYSTEM', 'SERVICE', 'MARKETING'];

/** A stored category, checked against the enum so a bad row fails loudly instead of leaking a wrong value. */
function category(value: string): PushNotificationCategory {
  const found = CATEGORIES.find((c) => c === value);
  if (!found) throw new Error(`push.notification has an unknown category "${value}"`);
  return found;
}

/**
 * Field resolvers that turn stored rows into the schema's shape. The FCM token
 * leaves only masked (its last 6 characters); its fingerprint never leaves.
 * Store booleans are 0/1.
 */
export const recordResolvers: Resolvers = {
  PushRegistration: {
    fcmTokenMasked: (row) => maskFcmToken(row.fcmTokenTail),
  },
  PushNotification: {
    category: (row) => category(row.category),
    registration: (row, _args, ctx) =>
      row.registrationId === null ? null : whenLoaded(ctx.loaders.registrationById.get(row.registrationId), (registration) => registration ?? null),
  },
  MarketingChoice: {
    optedIn: (row) => row.optedIn === 1,
  },
  AppNotificationSetting: {
    enabled: (row) => row.enabled === 1,
    sound: (row) => row.sound === 1,
    badge: (row) => row.badge === 1,
  },
  AdvertisingId: {
    limitAdTracking: (row) => row.limitAdTracking === 1,
  },
  ProfilingObjection: {
    objected: (row) => row.objected === 1,
  },
};
