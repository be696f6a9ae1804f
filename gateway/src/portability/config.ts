import { createHash, createHmac, createPrivateKey } from 'node:crypto';
import type { JWK, JWKS } from 'oidc-provider';
import { z } from 'zod';
import { ConfigError } from '@footprint/kit';
import type { GatewayConfig } from '../config.js';

/** A private JSON Web Key the authorisation server signs with (its ID tokens and JWT responses). */
const PrivateJwk = z.looseObject({ kty: z.string(), d: z.string().min(1), kid: z.string().optional(), alg: z.string().optional(), crv: z.string().optional(), x: z.string().optional(), y: z.string().optional(), use: z.string().optional() });

const Env = z.object({
  /** Comma-separated secrets the provider signs its cookies with (keygrip: the first signs, all verify, so keys rotate). */
  FOOTPRINT_OAUTH_COOKIE_KEYS: z.string().min(1).optional(),
  /** `{"keys":[<private JWK>, …]}`: the provider's signing keys. Every gateway of a deployment must share them. */
  FOOTPRINT_OAUTH_JWKS: z.string().min(1).optional(),
  /** Lifetime of an access token a receiving service gets (capped by its grant's period). */
  FOOTPRINT_OAUTH_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(3600),
  /** How long a one-time grant lasts: the service has this long to start its one archive job and fetch it. */
  FOOTPRINT_OAUTH_ONE_TIME_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(3600),
  /** How long a person has to answer the consent screen. */
  FOOTPRINT_OAUTH_INTERACTION_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  /** Expired authorisation-server rows (codes, tokens, interactions) are deleted this often. */
  FOOTPRINT_OAUTH_SWEEP_MS: z.coerce.number().int().min(0).default(600_000),
  /** Archive jobs one grant may start per day (a period grant could otherwise export without end). */
  FOOTPRINT_PORTABILITY_JOBS_PER_DAY: z.coerce.number().int().min(1).max(100).default(10),
});

export interface PortabilityConfig {
  /** The authorisation server's issuer: <public URL>/oauth. */
  issuer: string;
  publicUrl: string;
  cookieKeys: string[];
  jwks: JWKS;
  accessTokenTtlSeconds: number;
  oneTimeTtlSeconds: number;
  interactionTtlSeconds: number;
  sweepMs: number;
  jobsPerDay: number;
  /** Redirect URIs must be https in production (http://localhost or 127.0.0.1 too outside it). */
  production: boolean;
}

/**
 * An Ed25519 key derived from the gateway's internal secret (development only): every gateway sharing the secret
 * signs with the same key, so a restart or a second gateway accepts what the first issued. Production names its
 * keys in FOOTPRINT_OAUTH_JWKS.
 */
function derivedSigningKey(secret: string): JWK {
  const seed = createHmac('sha256', secret).update('footprint-oauth-signing-key/v1').digest();
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): a fixed 16-byte prefix, then the 32 bytes.
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const jwk = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  const kid = createHash('sha256').update(String(jwk.x)).digest('base64url').slice(0, 16);
  return { ...jwk, kid, alg: 'EdDSA', use: 'sig' };
}

export function loadPortabilityConfig(gateway: GatewayConfig, env: NodeJS.ProcessEnv = process.env): PortabilityConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid portability environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  if (gateway.production && (!e.FOOTPRINT_OAUTH_COOKIE_KEYS || !e.FOOTPRINT_OAUTH_JWKS)) {
    throw new ConfigError('FOOTPRINT_OAUTH_COOKIE_KEYS and FOOTPRINT_OAUTH_JWKS must be set when NODE_ENV=production (the keys derived from the development secret are refused)');
  }
  let jwks: JWKS;
  if (e.FOOTPRINT_OAUTH_JWKS) {
    let raw: unknown;
    try {
      raw = JSON.parse(e.FOOTPRINT_OAUTH_JWKS);
    } catch {
      throw new ConfigError('FOOTPRINT_OAUTH_JWKS is not JSON: give {"keys":[<private JWK>, …]}');
    }
    const keys = z.object({ keys: z.array(PrivateJwk).min(1) }).safeParse(raw);
    if (!keys.success) throw new ConfigError('FOOTPRINT_OAUTH_JWKS must be {"keys":[…]} with at least one private JWK (each with "d")');
    jwks = { keys: keys.data.keys };
  } else {
    jwks = { keys: [derivedSigningKey(gateway.internalSecret)] };
  }
  const cookieKeys = e.FOOTPRINT_OAUTH_COOKIE_KEYS
    ? e.FOOTPRINT_OAUTH_COOKIE_KEYS.split(',').map((k) => k.trim()).filter(Boolean)
    : [createHmac('sha256', gateway.internalSecret).update('footprint-oauth-cookies/v1').digest('base64url')];
  if (cookieKeys.some((k) => k.length < 32)) throw new ConfigError('FOOTPRINT_OAUTH_COOKIE_KEYS: every key must be at least 32 characters');
  const publicUrl = gateway.publicUrl.replace(/\/$/, '');
  return {
    issuer: `${publicUrl}/oauth`,
    publicUrl,
    cookieKeys,
    jwks,
    accessTokenTtlSeconds: e.FOOTPRINT_OAUTH_ACCESS_TOKEN_TTL_SECONDS,
    oneTimeTtlSeconds: e.FOOTPRINT_OAUTH_ONE_TIME_TTL_SECONDS,
    interactionTtlSeconds: e.FOOTPRINT_OAUTH_INTERACTION_TTL_SECONDS,
    sweepMs: e.FOOTPRINT_OAUTH_SWEEP_MS,
    jobsPerDay: e.FOOTPRINT_PORTABILITY_JOBS_PER_DAY,
    production: gateway.production,
  };
}
