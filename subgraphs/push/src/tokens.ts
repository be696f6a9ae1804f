import { createHash } from 'node:crypto';

/** How many trailing characters of an FCM token are kept and shown. */
export const FCM_TAIL_LENGTH = 6;
/** Fixed-width mask in front of the tail, so the token's length is not revealed either. */
const MASK = '••••••';

/**
 * The only columns an FCM token becomes: its last 6 characters and a SHA-256
 * fingerprint (to match a token the provider reports as expired). The token
 * itself is never written to the store, so it can never be returned.
 */
export function fcmTokenColumns(token: string | null): { fcmTokenTail: string | null; fcmTokenFingerprint: string | null } {
  if (!token) return { fcmTokenTail: null, fcmTokenFingerprint: null };
  return {
    fcmTokenTail: token.slice(-FCM_TAIL_LENGTH),
    fcmTokenFingerprint: createHash('sha256').update(token, 'utf8').digest('hex'),
  };
}

/** The masked form shown to the person: the mask then at most the last 6 characters, whatever the column holds. */
export function maskFcmToken(tail: string | null): string | null {
  if (!tail) return null;
  return `${MASK}${tail.slice(-FCM_TAIL_LENGTH)}`;
}
