import { insertChunked, recordBase, TRICKY_TEXT, type Rng, type SeedTarget } from '@footprint/kit';
import type { PushStore } from './store.js';
import { fcmTokenColumns } from './tokens.js';

type Category = 'SYSTEM' | 'SERVICE' | 'MARKETING';
interface Template {
  category: Category;
  title: string;
  body: (rng: Rng, t: SeedTarget) => string;
}

const DEVICES: readonly { brand: string; model: string }[] = [
  { brand: 'Xiaomi', model: 'Xiaomi 14' },
  { brand: 'Xiaomi', model: 'Xiaomi 13T Pro' },
  { brand: 'Xiaomi', model: 'Xiaomi Pad 6' },
  { brand: 'Redmi', model: 'Redmi Note 13 Pro' },
  { brand: 'Redmi', model: 'Redmi 12C' },
  { brand: 'POCO', model: 'POCO X6 Pro' },
  { brand: 'POCO', model: 'POCO F5' },
];
const THEMES = ['Gecə Bakı', 'Xəzər dalğaları', 'Şəki sarayı', 'Qış nağılı', 'Minimal ağ'];

/** Each app that registers for push, with the notices it sends. */
const APPS: Record<string, readonly Template[]> = {
  'com.android.updater': [
    { category: 'SYSTEM', title: 'Sistem yeniləməsi hazırdır', body: (r) => `HyperOS 1.0.${r.int(1, 24)}.0 yükləməyə hazırdır. Quraşdırmaq üçün cihazı Wi-Fi şəbəkəsinə qoşun.` },
  ],
  'com.miui.securitycenter': [
    { category: 'SYSTEM', title: 'Yaddaş az qalıb', body: (r) => `Cihazda ${r.int(120, 900)} MB boş yer qalıb. Lazımsız faylları təmizləyin.` },
    { category: 'SYSTEM', title: 'Təhlükəsizlik yoxlaması', body: (r) => `Son yoxlamada ${r.int(1, 4)} risk tapıldı; "Düzəlt" düyməsinə toxunun.` },
  ],
  'com.mi.global.shop': [
    { category: 'SERVICE', title: 'Sifarişiniz yola düşdü', body: (r, t) => `Sifariş №${r.digits(10)} kuryerə təhvil verildi, çatdırılma: ${t.profile.city}, ${t.profile.street}.` },
    { category: 'MARKETING', title: 'Həftəsonu endirimi', body: (r) => r.pick(TRICKY_TEXT) },
    { category: 'MARKETING', title: 'Yeni Redmi Note çıxdı', body: () => 'İlk 100 alıcıya "Mi Band" hədiyyə, tələsin!' },
  ],
  'com.miui.cloudservice': [
    { category: 'SERVICE', title: 'Sinxronizasiya tamamlandı', body: (r) => `${r.int(10, 400)} kontakt və ${r.int(1, 60)} qeyd buludda saxlanıldı.` },
  ],
  'com.android.thememanager': [
    { category: 'SERVICE', title: 'Mövzu yükləndi', body: (r) => `"${r.pick(THEMES)}" mövzusu tətbiq olunmağa hazırdır.` },
    { category: 'MARKETING', title: 'Həftənin mövzuları', body: (r) => `${r.pick(THEMES)}, ${r.pick(THEMES)} və daha çoxu — pulsuz!` },
  ],
  'com.xiaomi.mipicks': [
    { category: 'SERVICE', title: 'Tətbiqlər yeniləndi', body: (r) => `${r.int(2, 15)} tətbiq avtomatik yeniləndi.` },
    { category: 'MARKETING', title: 'Sizin üçün seçdik', body: (r) => r.pick(TRICKY_TEXT) },
  ],
  'com.mi.health': [
    { category: 'SERVICE', title: 'Həftəlik hesabat', body: (r) => `Bu həftə ${r.int(18, 95)} min addım atdınız. Əla nəticə!` },
  ],
};
const PACKAGES = Object.keys(APPS);
const OPEN_RATE: Record<Category, number> = { SYSTEM: 0.3, SERVICE: 0.5, MARKETING: 0.15 };

const SEGMENTS = [
  'Mobil oyun həvəskarları',
  'Səyahət planlaşdıranlar',
  'Smartfonunu yeniləməyə hazır',
  'İdman və sağlam həyat',
  'Ev texnikası alıcıları',
  'Gənc valideynlər',
  'Avtomobil maraqlıları',
  'Texnologiya, "early adopter"',
  'Musiqi dinləyiciləri; gecə',
];
const OUR_MODEL = 'Mi Ads seqment modeli (daxili)';
const PARTNERS = ['Şərq Reklam Şəbəkəsi', 'Northwind Measurement', 'Contoso Audience Exchange'];
const MARKETING_CHANNELS = ['PUSH', 'IN_APP', 'LOCK_SCREEN'];

/** Push data's notification window: retention is 12 months, so history is the last year. */
const HISTORY_FROM = '2025-11-01T00:00:00Z';
const NOW = '2026-10-31T00:00:00Z';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function b64url(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += B64URL[rng.int(0, 63)];
  return s;
}
function uuid(rng: Rng): string {
  return `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${rng.hex(3)}-${rng.hex(12)}`;
}
/** An FCM registration token: instance id, ':APA91b', then the token body. */
function fcmToken(rng: Rng): string {
  return `${b64url(rng, 22)}:APA91b${b64url(rng, 134)}`;
}
function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
function plusMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}
function sortedDates(rng: Rng, n: number, from: string, to: string): string[] {
  return Array.from({ length: n }, () => rng.date(from, to)).sort();
}

/**
 * Deterministic push data for each target: every push kind, 8 × `scale`
 * notifications (the heavy person's big kind) and `scale / 10` ad segments,
 * all in one transaction per person.
 */
export async function seed(store: PushStore, targets: SeedTarget[]): Promise<void> {
  const db = store.db;
  for (const t of targets) {
    const { profile: p, rng } = t;
    await db.transaction().execute(async (trx) => {
      // Advertising IDs: the first from the device's first start, each later one from a reset.
      const adCount = 1 + rng.int(0, 2) + Math.floor(t.scale / 100);
      const resets = sortedDates(rng, adCount - 1, p.registeredAt, NOW);
      const adIds = [p.registeredAt, ...resets].map((createdAt, i) => ({
        ...recordBase(t, createdAt),
        advertisingId: uuid(rng),
        limitAdTracking: rng.bool(0.2) ? 1 : 0,
        resetAt: i === 0 ? null : createdAt,
      }));
      await insertChunked(trx, 'adId', adIds);
      const adIdAt = (at: string) => [...adIds].reverse().find((a) => a.collectedAt <= at) ?? adIds[0]!;

      // Registrations: a few apps on each of the person's devices.
      const registrations = [];
      const deviceCount = 1 + rng.int(0, 1) + Math.floor(t.scale / 250);
      for (let d = 0; d < deviceCount; d++) {
        const device = rng.pick(DEVICES);
        const androidId = rng.hex(16);
        const spaceId = rng.bool(0.85) ? 0 : rng.pick([10, 999]);
        const apps = shuffle(rng, PACKAGES).slice(0, rng.int(2, 4));
        for (const appPackage of apps) {
          const registeredAt = rng.date(p.registeredAt, HISTORY_FROM);
          const ad = adIdAt(registeredAt);
          registrations.push({
            ...recordBase(t, registeredAt),
            accountId: p.id,
            gaid: ad.limitAdTracking ? null : ad.advertisingId,
            ...fcmTokenColumns(rng.bool(0.75) ? fcmToken(rng) : null),
            androidId,
            spaceId,
            appPackage,
            appVersion: `${rng.int(1, 9)}.${rng.int(0, 12)}.${rng.int(0, 40)}-global`,
            deviceModel: device.model,
            deviceBrand: device.brand,
            registeredAt,
          });
        }
      }
      await insertChunked(trx, 'registration', registrations);
      const stored = await trx.selectFrom('registration').select(['id', 'appPackage']).where('personId', '=', p.id).orderBy('id').execute();

      // Per-app choices: one per app the person has registered.
      const packages = [...new Set(stored.map((r) => r.appPackage))];
      await insertChunked(
        trx,
        'appNotificationSetting',
        packages.map((appPackage) => {
          const updatedAt = rng.date(p.registeredAt, NOW);
          const enabled = rng.bool(0.8);
          return { ...recordBase(t, updatedAt), appPackage, enabled: enabled ? 1 : 0, sound: enabled && rng.bool(0.6) ? 1 : 0, badge: rng.bool(0.7) ? 1 : 0, updatedAt };
        }),
      );

      // Notification history: the last 12 months, oldest first; a few went to registrations since removed.
      const notifications = [];
      for (let i = 0; i < 8 * t.scale; i++) {
        const reg = rng.bool(0.97) ? rng.pick(stored) : null;
        const appPackage = reg ? reg.appPackage : rng.pick(PACKAGES);
        const tpl = rng.pick(APPS[appPackage]!);
        const sentAt = rng.date(HISTORY_FROM, NOW);
        notifications.push({
          ...recordBase(t, sentAt),
          category: tpl.category,
          appPackage,
          title: tpl.title,
          body: tpl.body(rng, t),
          sentAt,
          openedAt: rng.bool(OPEN_RATE[tpl.category]) ? plusMinutes(sentAt, rng.int(1, 2880)) : null,
          registrationId: reg ? reg.id : null,
        });
      }
      notifications.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
      await insertChunked(trx, 'notification', notifications);

      // Marketing choices: the choice made at registration per channel, sometimes changed later.
      const choices = [];
      for (const channel of MARKETING_CHANNELS) {
        const optedIn = rng.bool(0.6);
        choices.push({ ...recordBase(t, p.registeredAt), optedIn: optedIn ? 1 : 0, channel, at: p.registeredAt });
        if (rng.bool(0.5)) {
          const at = rng.date(p.registeredAt, NOW);
          choices.push({ ...recordBase(t, at), optedIn: optedIn ? 0 : 1, channel, at });
        }
      }
      await insertChunked(trx, 'marketingChoice', choices);

      // The objection to profiling; segments were only placed before an objection.
      const objected = rng.bool(0.35);
      const objectionAt = rng.date('2024-01-01T00:00:00Z', '2026-06-01T00:00:00Z');
      await insertChunked(trx, 'profilingObjection', [{ ...recordBase(t, objectionAt), objected: objected ? 1 : 0, at: objectionAt }]);

      // Ad segments: our model's inferences and partners' segments (both always present).
      const segments = [];
      const segmentCount = Math.max(2, Math.floor(t.scale / 10));
      const until = objected ? objectionAt : NOW;
      for (let i = 0; i < segmentCount; i++) {
        const fromPartner = i === 1 || (i > 1 && rng.bool(0.3));
        const placedAt = rng.date(p.registeredAt, until);
        segments.push({
          ...recordBase(t, placedAt, fromPartner ? 'THIRD_PARTY' : null),
          segmentName: rng.pick(SEGMENTS),
          placedAt,
          placedBy: fromPartner ? rng.pick(PARTNERS) : OUR_MODEL,
        });
      }
      await insertChunked(trx, 'adSegment', segments);
    });
  }
}
