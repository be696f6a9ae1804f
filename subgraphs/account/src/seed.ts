import { insertChunked, recordBase, TRICKY_TEXT, type SeedTarget, type Store } from '@footprint/kit';
import type { AccountDB } from './store.js';

const PROVIDERS = ['google', 'facebook', 'apple', 'vk'];
const COUNTRY: Record<string, string> = { NETHERLANDS: 'AZ', SINGAPORE: 'SG', INDIA: 'IN', RUSSIA: 'RU' };

/** Deterministic account data for each target: every account kind, `scale` sign-ins and ECVs. */
export async function seed(store: Store<AccountDB>, targets: SeedTarget[]): Promise<void> {
  const db = store.db;
  for (const t of targets) {
    const { profile: p, rng } = t;
    await db.transaction().execute(async (trx) => {
      await insertChunked(trx, 'profile', [
        {
          ...recordBase(t, p.registeredAt),
          accountId: p.id,
          name: p.fullName,
          nickname: p.nickname,
          gender: rng.pick(['FEMALE', 'MALE', 'OTHER', 'UNDISCLOSED']),
          photoUrl: `https://avatars.example.com/${p.id}.jpg`,
          email: p.email,
          phone: p.phone,
        },
      ]);
      await insertChunked(trx, 'securitySetting', [
        { ...recordBase(t, p.registeredAt), factor: 'PASSWORD', secretHash: `$argon2id$v=19$m=65536$${rng.hex(32)}`, enabledSince: p.registeredAt, lastChangedAt: rng.date() },
        { ...recordBase(t, rng.date()), factor: 'TWO_STEP_TOTP', secretHash: `totp:${rng.hex(40)}`, enabledSince: rng.date(), lastChangedAt: null },
        { ...recordBase(t, rng.date()), factor: 'RECOVERY_EMAIL', secretHash: null, enabledSince: rng.date(), lastChangedAt: null },
      ]);
      const signIns = [];
      signIns.push({ ...recordBase(t, p.registeredAt), event: 'REGISTRATION', at: p.registeredAt, ip: `85.132.${rng.int(0, 255)}.${rng.int(1, 254)}`, userAgent: 'Mozilla/5.0 (Linux; Android 14)', cookieId: rng.hex(24), deviceId: rng.hex(16), success: 1 });
      for (let i = 0; i < 6 * t.scale; i++) {
        const at = rng.date();
        signIns.push({ ...recordBase(t, at), event: 'SIGN_IN', at, ip: `85.132.${rng.int(0, 255)}.${rng.int(1, 254)}`, userAgent: rng.pick(['Mozilla/5.0 (Linux; Android 14)', 'MiBrowser/18.2', 'okhttp/4.12']), cookieId: rng.hex(24), deviceId: rng.hex(16), success: rng.bool(0.95) ? 1 : 0 });
      }
      await insertChunked(trx, 'signIn', signIns);
      await insertChunked(trx, 'linkedAccount', [
        { ...recordBase(t, rng.date()), provider: rng.pick(PROVIDERS), externalId: rng.digits(18), nickname: `${p.givenName} ${p.familyName.charAt(0)}.`, photoUrl: `https://social.example.com/${rng.hex(8)}.png`, email: p.email, linkedAt: rng.date() },
      ]);
      const ecvs = [];
      for (let i = 0; i < Math.max(1, Math.floor(t.scale / 2)); i++) {
        const at = rng.date();
        ecvs.push({ ...recordBase(t, at), value: rng.hex(64), derivedFrom: JSON.stringify(['accountId', 'deviceId', 'wifiId', 'location']), computedAt: at });
      }
      await insertChunked(trx, 'ecv', ecvs);
      await insertChunked(trx, 'consent', [
        { ...recordBase(t, p.registeredAt), purpose: 'MARKETING', granted: 1, at: p.registeredAt, channel: 'registration form' },
        { ...recordBase(t, rng.date()), purpose: 'MARKETING', granted: 0, at: rng.date(), channel: 'settings' },
        { ...recordBase(t, rng.date()), purpose: 'PERSONALISATION', granted: 1, at: rng.date(), channel: rng.pick(TRICKY_TEXT) },
      ]);
      await insertChunked(trx, 'notificationPreference', [
        { ...recordBase(t, rng.date()), channel: 'EMAIL', topic: 'security alerts', enabled: 1, updatedAt: rng.date() },
        { ...recordBase(t, rng.date()), channel: 'SMS', topic: 'promotions', enabled: 0, updatedAt: rng.date() },
      ]);
      await insertChunked(trx, 'dataRegion', [
        { ...recordBase(t, p.registeredAt), country: COUNTRY[p.region] ?? 'AZ', since: p.registeredAt },
      ]);
    });
  }
}
