import { webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { z } from 'zod';
import { fail } from '@footprint/schema';

/** Header the gateway puts its signed credential in for subgraph calls. */
export const CREDENTIAL_HEADER = 'x-footprint-credential';
export const REQUEST_ID_HEADER = 'x-request-id';
/** The language the person reads (their preference, or their browser's): the gateway passes it so a domain's notices and codes speak it. */
export const LANGUAGE_HEADER = 'x-footprint-language';

const ISSUER = 'footprint-gateway';
const AUDIENCE = 'footprint-subgraph';
/** Short-lived: a credential is minted per gateway request (or per export page). */
export const CREDENTIAL_TTL_SECONDS = 60;

const Claims = z.object({
  act: z.string().min(1),
  actorType: z.enum(['subject', 'operator', 'job']),
  per: z.string().min(1).nullable(),
  scp: z.array(z.string()),
  rid: z.string().min(1),
});

/** What the gateway vouches for on one subgraph call. */
export interface InternalCredential {
  /** Who asked: the account ID of a subject, the operator's subject, or the export job. */
  actor: string;
  actorType: 'subject' | 'operator' | 'job';
  /** The one person this call may read, or null when it reads no person. */
  person: string | null;
  scopes: string[];
  requestId: string;
}

/**
 * The HMAC key per secret, imported once: jose imports a raw Uint8Array key on
 * every sign and verify, which was most of the cost of a credential (the
 * gateway signs, and every subgraph verifies, one per call). The gateway's
 * bearer and job tokens (HS256) use it too.
 */
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
export function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  let k = keys.get(secret);
  if (!k) {
    k = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    // A process knows one or two secrets (its own, a test's forged one); never let the map grow without bound.
    if (keys.size >= 16) keys.clear();
    keys.set(secret, k);
  }
  return k;
}

export async function signCredential(c: InternalCredential, secret: string, ttlSeconds = CREDENTIAL_TTL_SECONDS): Promise<string> {
  return new SignJWT({ act: c.actor, actorType: c.actorType, per: c.person, scp: c.scopes, rid: c.requestId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await hmacKey(secret));
}

/** Verifies a credential; any failure is UNAUTHENTICATED with the reason. */
export async function verifyCredential(token: string | undefined, secret: string): Promise<InternalCredential> {
  if (!token) fail('UNAUTHENTICATED', `Missing ${CREDENTIAL_HEADER}: subgraphs answer only calls that come through the gateway`);
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
    const claims = Claims.parse(payload);
    return { actor: claims.act, actorType: claims.actorType, person: claims.per, scopes: claims.scp, requestId: claims.rid };
  } catch (err) {
    const why = err instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
    fail('UNAUTHENTICATED', `The gateway credential is ${why}: subgraphs answer only calls that come through the gateway`);
  }
}
