import { fail } from '@footprint/schema';
import { insertChunked, type ProcessingDecision, type ProcessingHost } from '@footprint/kit';
import { z } from 'zod';
import type { PushDB } from './store.js';

/**
 * The push domain's own processing of a person's data (§3.2): sending a
 * notification and placing the person in ad segments. Each asks the kit first
 * whether it may run for the person — a restriction (Art. 18), an objection
 * (Art. 21) or a withdrawn consent (Art. 7(3)) stops it — so the rights change
 * what the domain does, not only a flag. Delivery to FCM itself is the push
 * provider's: a notification recorded here is the one handed to it.
 */
export type PushProcessor = ProcessingHost<PushDB>;

/** Why nothing was done: the kit's refusal, or the domain's own rule. */
export type Refusal =
  | Exclude<ProcessingDecision, { allowed: true }>
  | { allowed: false; code: 'OPTED_OUT' | 'NO_REGISTRATION' | 'LIMIT_AD_TRACKING'; reason: string };

const NotificationInput = z.object({
  category: z.enum(['SYSTEM', 'SERVICE', 'MARKETING']),
  appPackage: z.string().trim().min(1, 'appPackage is required').max(200),
  title: z.string().trim().min(1, 'A notification needs a title').max(200, 'A title has at most 200 characters'),
  body: z.string().trim().min(1, 'A notification needs a body').max(4000, 'A body has at most 4000 characters'),
});
export type NotificationInput = z.input<typeof NotificationInput>;

/**
 * Sends a notification to every registration of the person for the app.
 * A MARKETING one also needs the person's PUSH marketing choice in force to
 * be an opt-in (§8). Returns how many were sent, or why none was.
 */
export async function sendNotification(p: PushProcessor, person: string, input: NotificationInput, now = new Date()): Promise<{ sent: number; refused: Refusal | null }> {
  const parsed = NotificationInput.safeParse(input);
  if (!parsed.success) fail('BAD_USER_INPUT', parsed.error.issues.map((i) => i.message).join('; '));
  const n = parsed.data;
  const decision = await p.rights.processingAllowed(person, n.category === 'MARKETING' ? 'marketingNotification' : 'serviceNotification');
  if (!decision.allowed) return { sent: 0, refused: decision };
  const db = p.store.db;
  if (n.category === 'MARKETING') {
    const choice = await db.selectFrom('marketingChoice').select('optedIn').where('personId', '=', person).where('channel', '=', 'PUSH').orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (choice?.optedIn !== 1) return { sent: 0, refused: { allowed: false, code: 'OPTED_OUT', reason: 'The person has not opted in to marketing by push' } };
  }
  const registrations = await db.selectFrom('registration').select(['id', 'region']).where('personId', '=', person).where('appPackage', '=', n.appPackage).execute();
  if (registrations.length === 0) return { sent: 0, refused: { allowed: false, code: 'NO_REGISTRATION', reason: `The person has no registration of ${n.appPackage}` } };
  const at = now.toISOString();
  await insertChunked(
    db,
    'notification',
    registrations.map((r) => ({ personId: person, collectedAt: at, region: r.region, source: null, category: n.category, appPackage: n.appPackage, title: n.title, body: n.body, sentAt: at, openedAt: null, registrationId: r.id })),
  );
  return { sent: registrations.length, refused: null };
}

/** Our ad model's name in push.ad_segment.placedBy. */
export const OUR_AD_MODEL = 'Mi Ads seqment modeli (daxili)';

/** The interest an app registration stands for, as an ad segment. */
const SEGMENT_BY_APP: Record<string, string> = {
  'com.mi.global.shop': 'Smartfonunu yeniləməyə hazır',
  'com.mi.health': 'İdman və sağlam həyat',
  'com.android.thememanager': 'Texnologiya, "early adopter"',
  'com.xiaomi.mipicks': 'Mobil oyun həvəskarları',
};

/**
 * Places the person in the ad segments their registered apps stand for (our
 * own model), unless they objected to ad profiling, withdrew consent to
 * personalisation, restricted their advertising data, or asked apps to limit
 * ad tracking with their current advertising ID. Returns the segments placed.
 */
export async function buildAdSegments(p: PushProcessor, person: string, now = new Date()): Promise<{ placed: string[]; refused: Refusal | null }> {
  const decision = await p.rights.processingAllowed(person, 'adSegmentation');
  if (!decision.allowed) return { placed: [], refused: decision };
  const db = p.store.db;
  const adId = await db.selectFrom('adId').select(['limitAdTracking', 'region']).where('personId', '=', person).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!adId || adId.limitAdTracking === 1) {
    return { placed: [], refused: { allowed: false, code: 'LIMIT_AD_TRACKING', reason: 'The person has no advertising ID, or limits ad tracking with it' } };
  }
  const [apps, existing] = await Promise.all([
    db.selectFrom('registration').select('appPackage').distinct().where('personId', '=', person).execute(),
    db.selectFrom('adSegment').select('segmentName').where('personId', '=', person).where('placedBy', '=', OUR_AD_MODEL).execute(),
  ]);
  const have = new Set(existing.map((s) => s.segmentName));
  const placed = [...new Set(apps.map((a) => SEGMENT_BY_APP[a.appPackage]).filter((s): s is string => Boolean(s)))].filter((s) => !have.has(s));
  const at = now.toISOString();
  await insertChunked(
    db,
    'adSegment',
    placed.map((segmentName) => ({ personId: person, collectedAt: at, region: adId.region, source: 'INFERRED', segmentName, placedAt: at, placedBy: OUR_AD_MODEL })),
  );
  return { placed, refused: null };
}
