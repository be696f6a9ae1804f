import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serviceEntry } from '@footprint/scripts/entries';

function start(pkg: string, env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FOOTPRINT_')));
  return spawnSync(process.execPath, [serviceEntry(pkg)], { env: { ...clean, ...env, PORT: '0' }, encoding: 'utf8', timeout: 20_000 });
}

describe('production refuses dev secrets', () => {
  for (const pkg of ['@footprint/gateway', '@footprint/subgraph-account']) {
    it(`${pkg} exits with a clear message when secrets are missing`, () => {
      const r = start(pkg, { NODE_ENV: 'production' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/FOOTPRINT_INTERNAL_SECRET must be set when NODE_ENV=production/);
    });
  }
  it('the gateway also needs a JWT secret or JWKS URL', () => {
    const r = start('@footprint/gateway', { NODE_ENV: 'production', FOOTPRINT_INTERNAL_SECRET: 'z'.repeat(40) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FOOTPRINT_JWT_SECRET or FOOTPRINT_JWKS_URL/);
  });
  it('a short secret is named', () => {
    const r = start('@footprint/gateway', { NODE_ENV: 'production', FOOTPRINT_INTERNAL_SECRET: 'short', FOOTPRINT_JWT_SECRET: 'z'.repeat(40) });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FOOTPRINT_INTERNAL_SECRET must be at least 32 characters/);
  });
});
