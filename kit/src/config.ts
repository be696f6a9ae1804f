import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './repo.js';

const DEV_JWT_SECRET = 'footprint-dev-jwt-secret-not-for-production-use';
const DEV_INTERNAL_SECRET = 'footprint-dev-internal-secret-not-for-production';

const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  FOOTPRINT_JWT_SECRET: z.string().min(32, 'FOOTPRINT_JWT_SECRET must be at least 32 characters').optional(),
  FOOTPRINT_JWKS_URL: z.url().optional(),
  FOOTPRINT_JWT_ISSUER: z.string().optional(),
  FOOTPRINT_JWT_AUDIENCE: z.string().optional(),
  FOOTPRINT_INTERNAL_SECRET: z.string().min(32, 'FOOTPRINT_INTERNAL_SECRET must be at least 32 characters').optional(),
  FOOTPRINT_DATA_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface SecretsConfig {
  production: boolean;
  /** HS256 secret for person/operator tokens, unless a JWKS URL is configured. */
  jwtSecret: string | undefined;
  jwksUrl: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  /** Signs the gateway → subgraph credential. */
  internalSecret: string;
  dataDir: string;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

/** Thrown at startup for configuration that must not run; the message says what to set. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the environment once. Dev secrets are allowed only
 * outside production; in production a missing secret stops startup.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SecretsConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.FOOTPRINT_INTERNAL_SECRET) {
    throw new ConfigError('FOOTPRINT_INTERNAL_SECRET must be set when NODE_ENV=production (the dev default is refused)');
  }
  if (production && !e.FOOTPRINT_JWT_SECRET && !e.FOOTPRINT_JWKS_URL) {
    throw new ConfigError('FOOTPRINT_JWT_SECRET or FOOTPRINT_JWKS_URL must be set when NODE_ENV=production (the dev default is refused)');
  }
  return {
    production,
    jwtSecret: e.FOOTPRINT_JWT_SECRET ?? (e.FOOTPRINT_JWKS_URL ? undefined : DEV_JWT_SECRET),
    jwksUrl: e.FOOTPRINT_JWKS_URL,
    jwtIssuer: e.FOOTPRINT_JWT_ISSUER,
    jwtAudience: e.FOOTPRINT_JWT_AUDIENCE,
    internalSecret: e.FOOTPRINT_INTERNAL_SECRET ?? DEV_INTERNAL_SECRET,
    dataDir: e.FOOTPRINT_DATA_DIR ?? join(REPO_ROOT, 'data'),
    logLevel: e.LOG_LEVEL,
  };
}
