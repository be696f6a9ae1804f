import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { fail } from '@footprint/schema';
import { hmacKey } from '@footprint/kit/credential.js';
import { PersonId } from '@footprint/kit/inputs.js';
import { AUDIT_LIMITS } from './audit.js';
import { readReason } from './reason.js';

/** Scopes an operator token may carry. */
export const SCOPES = {
  read: 'footprint:read',
  export: 'footprint:export',
  correct: 'footprint:correct',
  /** Erase a person's data (requestErasure, erasureJob, cancelErasure). */
  erase: 'footprint:erase',
  /** Restrict processing, record an objection or a withdrawn consent for a person. */
  restrict: 'footprint:restrict',
} as const;

export type Principal =
  | { kind: 'subject'; sub: string }
  /** `reasonRefusal`: the X-Footprint-Reason sent cannot be recorded (auth/reason.ts); every grant is refused, and audited, with it. */
  | { kind: 'operator'; sub: string; scopes: string[]; reason: string | null; reasonRefusal?: string }
  /** An export job reading its one person through the gateway with its own short-lived token (never the requester's). */
  | { kind: 'job'; sub: string; job: string; person: string };

export interface TokenVerifierOptions {
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  issuer: string | undefined;
  audience: string | undefined;
  /** Verifies export-job tokens, which the gateway mints itself; without it job tokens are refused. */
  internalSecret?: string | undefined;
  /** The longest lifetime (exp − iat, or exp − now without iat) a person/operator token may have; default 24 h. */
  maxTtlSeconds?: number;
  /** Leeway for exp/nbf against clocks that differ a little; default none. */
  clockToleranceSeconds?: number;
}

export const DEFAULT_TOKEN_MAX_TTL_SECONDS = 86_400;
export const DEFAULT_TOKEN_CLOCK_TOLERANCE_SECONDS = 0;

/** A person's account ID (the one definition is the contract's PersonId). */
export const AccountId = PersonId;

const Claims = z.object({
  sub: z.string().min(1).max(AUDIT_LIMITS.actor),
  role: z.enum(['subject', 'operator']).optional(),
  scope: z.string().optional(),
  scp: z.array(z.string()).optional(),
});

/**
 * The export job's credential: HS256 with the internal secret, its own issuer
 * and audience (so neither a person's token nor the gateway → subgraph
 * credential, signed with the same secret, can pass for it), naming the job and
 * the one person it may read. Short-lived; the worker mints a new one as it goes.
 */
export const JOB_TOKEN = { issuer: 'footprint-gateway', audience: 'footprint-gateway/export-job', ttlSeconds: 300 } as const;

const JobClaims = z.object({
  role: z.literal('job'),
  sub: z.string().regex(/^job:[\w-]{1,64}$/),
  job: z.string().regex(/^[\w-]{1,64}$/),
  per: AccountId,
});

export async function mintJobToken(internalSecret: string, job: { id: string; person: string }, ttlSeconds: number = JOB_TOKEN.ttlSeconds): Promise<string> {
  return new SignJWT({ role: 'job', job: job.id, per: job.person })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`job:${job.id}`)
    .setIssuer(JOB_TOKEN.issuer)
    .setAudience(JOB_TOKEN.audience)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(await hmacKey(internalSecret));
}

/** Whether a (not yet verified) token claims to be a job token; such tokens are verified only with the internal secret. */
function claimsJobRole(token: string): boolean {
  try {
    return decodeJwt(token).role === 'job';
  } catch {
    return false;
  }
}

function tokenProblem(err: unknown): string {
  return err instanceof joseErrors.JWTExpired
    ? 'has expired'
    : err instanceof joseErrors.JWTClaimValidationFailed && err.reason === 'missing'
      ? `has no "${err.claim}" claim${err.claim === 'exp' ? ': a token must say when it expires' : ''}`
      : err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'nbf'
        ? 'is not valid yet (nbf)'
    : err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported
      ? 'uses an algorithm that is not accepted'
      : err instanceof joseErrors.JWTClaimValidationFailed
        ? `has an invalid "${err.claim}" claim`
        : 'is invalid (bad signature or malformed)';
}

async function verifyJobToken(token: string, internalSecret: string | undefined): Promise<Principal> {
  if (!internalSecret) fail('UNAUTHENTICATED', 'Export-job tokens are not accepted here');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, await hmacKey(internalSecret), {
      algorithms: ['HS256'],
      issuer: JOB_TOKEN.issuer,
      audience: JOB_TOKEN.audience,
    }));
  } catch (err) {
    fail('UNAUTHENTICATED', `The export-job token ${tokenProblem(err)}`);
  }
  const claims = JobClaims.safeParse(payload);
  if (!claims.success || claims.data.sub !== `job:${claims.data.job}`) fail('UNAUTHENTICATED', 'The export-job token does not name a job and a person');
  return { kind: 'job', sub: claims.data.sub, job: claims.data.job, person: claims.data.per };
}

export type TokenVerifier = (authorization: string | undefined, reason: string | undefined) => Promise<Principal>;

/**
 * Verifies bearer JWTs: HS256 with the shared secret, or the issuer's keys from
 * a JWKS URL. `alg: none`, forged, expired and wrong-issuer tokens are refused.
 * A token with role "operator" is an operator; any other is a subject whose
 * `sub` must be an account ID.
 */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  // HS256: the key imported once (hmacKey), not from raw bytes on every request, which cost as much again as the verification.
  const key: JWTVerifyGetKey | null = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : null;
  const algorithms = opts.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
  const maxTtl = opts.maxTtlSeconds ?? DEFAULT_TOKEN_MAX_TTL_SECONDS;
  const clockTolerance = opts.clockToleranceSeconds ?? DEFAULT_TOKEN_CLOCK_TOLERANCE_SECONDS;

  return async (authorization, reason) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) fail('UNAUTHENTICATED', 'Missing bearer token: send "Authorization: Bearer <token>" (npm run token prints one)');
    if (claimsJobRole(m[1]!)) return verifyJobToken(m[1]!, opts.internalSecret);
    let payload: JWTPayload;
    try {
      const options = {
        algorithms,
        // A signed token without exp would be valid forever; nbf is checked whenever present.
        requiredClaims: ['exp'],
        clockTolerance,
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        ...(opts.audience ? { audience: opts.audience } : {}),
      };
      // Two calls, not one with a union key: jose's overloads take a key or a key getter, not either.
      const verified = key ? await jwtVerify(m[1]!, key, options) : await jwtVerify(m[1]!, await hmacKey(opts.jwtSecret ?? ''), options);
      payload = verified.payload;
    } catch (err) {
      fail('UNAUTHENTICATED', `The bearer token ${tokenProblem(err)}`);
    }
    // Bounds what a leaked token is worth, whatever lifetime its issuer chose.
    const now = Math.floor(Date.now() / 1000);
    const lifetime = payload.exp! - Math.min(payload.iat ?? now, now);
    if (lifetime > maxTtl + clockTolerance) {
      fail('UNAUTHENTICATED', `The bearer token is valid for ${lifetime} s; this gateway accepts tokens valid for at most ${maxTtl} s: ask for a shorter-lived token`);
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) fail('UNAUTHENTICATED', `The bearer token has no subject (sub) of 1 to ${AUDIT_LIMITS.actor} characters`);
    const { sub, role, scope, scp } = claims.data;
    if (role === 'operator') {
      const scopes = [...(scope ? scope.split(/\s+/).filter(Boolean) : []), ...(scp ?? [])];
      // A reason that cannot be recorded is refused where the operator acts (auth/access.ts), so the refusal is audited too.
      const read = readReason(reason);
      return read.refusal === null ? { kind: 'operator', sub, scopes, reason: read.reason } : { kind: 'operator', sub, scopes, reason: null, reasonRefusal: read.refusal };
    }
    if (!AccountId.safeParse(sub).success) fail('UNAUTHENTICATED', 'A subject token\'s sub must be an account ID');
    return { kind: 'subject', sub };
  };
}

/** Why `p` holds no grant for `scope`, or null: an operator needs the scope and a reason; subjects pass; a job token never holds one. */
export function grantRefusal(p: Principal, scope: string): string | null {
  if (p.kind === 'job') return 'An export-job token may only read its own person';
  if (p.kind !== 'operator') return null;
  if (!p.scopes.includes(scope)) return `Operator token lacks the scope ${scope}`;
  if (p.reasonRefusal) return p.reasonRefusal;
  if (!p.reason) return 'Operator requests need a reason: send a non-empty X-Footprint-Reason header';
  return null;
}
