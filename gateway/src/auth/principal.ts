import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { fail } from '@footprint/schema';

/** Scopes an operator token may carry. */
export const SCOPES = {
  read: 'footprint:read',
  export: 'footprint:export',
  correct: 'footprint:correct',
} as const;

export type Principal =
  | { kind: 'subject'; sub: string }
  | { kind: 'operator'; sub: string; scopes: string[]; reason: string | null };

export interface TokenVerifierOptions {
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
}

/** An account ID: digits only. */
export const AccountId = z.string().regex(/^\d{6,20}$/, 'an account ID is 6 to 20 digits');

const Claims = z.object({
  sub: z.string().min(1),
  role: z.enum(['subject', 'operator']).optional(),
  scope: z.string().optional(),
  scp: z.array(z.string()).optional(),
});

export type TokenVerifier = (authorization: string | undefined, reason: string | undefined) => Promise<Principal>;

/**
 * Verifies bearer JWTs: HS256 with the shared secret, or the issuer's keys from
 * a JWKS URL. `alg: none`, forged, expired and wrong-issuer tokens are refused.
 * A token with role "operator" is an operator; any other is a subject whose
 * `sub` must be an account ID.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : new TextEncoder().encode(opts.jwtSecret ?? '');
  const algorithms = opts.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];

  return async (authorization, reason) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) fail('UNAUTHENTICATED', 'Missing bearer token: send "Authorization: Bearer <token>" (npm run token prints one)');
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(m[1]!, key as Uint8Array, {
        algorithms,
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        ...(opts.audience ? { audience: opts.audience } : {}),
      });
      payload = verified.payload;
    } catch (err) {
      const why =
        err instanceof joseErrors.JWTExpired
          ? 'has expired'
          : err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported
            ? 'uses an algorithm that is not accepted'
            : err instanceof joseErrors.JWTClaimValidationFailed
              ? `has an invalid "${err.claim}" claim`
              : 'is invalid (bad signature or malformed)';
      fail('UNAUTHENTICATED', `The bearer token ${why}`);
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) fail('UNAUTHENTICATED', 'The bearer token has no subject (sub)');
    const { sub, role, scope, scp } = claims.data;
    if (role === 'operator') {
      const scopes = [...(scope ? scope.split(/\s+/).filter(Boolean) : []), ...(scp ?? [])];
      const trimmed = reason?.trim();
      return { kind: 'operator', sub, scopes, reason: trimmed ? trimmed.slice(0, 1000) : null };
    }
    if (!AccountId.safeParse(sub).success) fail('UNAUTHENTICATED', 'A subject token\'s sub must be an account ID');
    return { kind: 'subject', sub };
  };
}

/** Refuses an operator that lacks `scope` or gave no reason; subjects pass. */
export function requireOperatorGrant(p: Principal, scope: string): void {
  if (p.kind !== 'operator') return;
  if (!p.scopes.includes(scope)) fail('FORBIDDEN', `Operator token lacks the scope ${scope}`);
  if (!p.reason) fail('FORBIDDEN', 'Operator requests need a reason: send a non-empty X-Footprint-Reason header');
}
