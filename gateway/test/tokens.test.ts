import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, grantRefusal } from '../src/auth/principal.js';

/** The bearer-token rules on their own: exp required, lifetime capped, nbf/iss/aud checked when configured. */

const secret = 'a-test-secret-of-at-least-thirty-two-characters';
const key = new TextEncoder().encode(secret);
const sign = (build: (jwt: SignJWT) => SignJWT) => build(new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('10000001')).sign(key);

async function refusal(verify: ReturnType<typeof createTokenVerifier>, token: string): Promise<string> {
  try {
    await verify(`Bearer ${token}`, undefined);
  } catch (err) {
    expect((err as { extensions: { code: string } }).extensions.code).toBe('UNAUTHENTICATED');
    return (err as Error).message;
  }
  throw new Error('the token was accepted');
}

describe('bearer tokens', () => {
  const plain = createTokenVerifier({ jwtSecret: secret, jwksUrl: undefined, issuer: undefined, audience: undefined });

  it('need exp', async () => {
    expect(await refusal(plain, await sign((j) => j.setIssuedAt()))).toBe('The bearer token has no "exp" claim: a token must say when it expires');
  });

  it('may live at most maxTtlSeconds (24 h by default), counted from iat, or from now without iat', async () => {
    expect(await refusal(plain, await sign((j) => j.setIssuedAt().setExpirationTime('25h')))).toMatch(/is valid for 90000 s; this gateway accepts tokens valid for at most 86400 s/);
    expect(await refusal(plain, await sign((j) => j.setExpirationTime('25h')))).toMatch(/at most 86400 s/);
    await expect(plain(`Bearer ${await sign((j) => j.setIssuedAt().setExpirationTime('23h'))}`, undefined)).resolves.toEqual({ kind: 'subject', sub: '10000001' });
    const short = createTokenVerifier({ jwtSecret: secret, jwksUrl: undefined, issuer: undefined, audience: undefined, maxTtlSeconds: 600 });
    expect(await refusal(short, await sign((j) => j.setIssuedAt().setExpirationTime('1h')))).toMatch(/is valid for 3600 s; this gateway accepts tokens valid for at most 600 s/);
    // A token issued long ago with a short remaining life still counts its whole lifetime.
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(short, await sign((j) => j.setIssuedAt(now - 3000).setExpirationTime(now + 60)))).toMatch(/valid for 3060 s/);
  });

  it('are refused before nbf, and accepted within the configured clock tolerance', async () => {
    const early = await sign((j) => j.setNotBefore('20s').setExpirationTime('1h'));
    expect(await refusal(plain, early)).toBe('The bearer token is not valid yet (nbf)');
    const lenient = createTokenVerifier({ jwtSecret: secret, jwksUrl: undefined, issuer: undefined, audience: undefined, clockToleranceSeconds: 60 });
    await expect(lenient(`Bearer ${early}`, undefined)).resolves.toMatchObject({ kind: 'subject' });
  });

  it('must name the configured issuer and audience', async () => {
    const strict = createTokenVerifier({ jwtSecret: secret, jwksUrl: undefined, issuer: 'https://id.example', audience: 'footprint' });
    expect(await refusal(strict, await sign((j) => j.setExpirationTime('1h')))).toBe('The bearer token has no "iss" claim');
    expect(await refusal(strict, await sign((j) => j.setIssuer('https://evil.example').setAudience('footprint').setExpirationTime('1h')))).toBe('The bearer token has an invalid "iss" claim');
    expect(await refusal(strict, await sign((j) => j.setIssuer('https://id.example').setAudience('other').setExpirationTime('1h')))).toBe('The bearer token has an invalid "aud" claim');
    await expect(strict(`Bearer ${await sign((j) => j.setIssuer('https://id.example').setAudience('footprint').setExpirationTime('1h'))}`, undefined)).resolves.toMatchObject({ kind: 'subject' });
  });

  it('bound the operator reason, naming the limit (the refusal is decided, and audited, where the operator acts)', async () => {
    const op = await new SignJWT({ role: 'operator', scope: 'footprint:read' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ops').setExpirationTime('1h').sign(key);
    const long = await plain(`Bearer ${op}`, 'x'.repeat(501));
    expect(long).toMatchObject({ kind: 'operator', reason: null, reasonRefusal: expect.stringMatching(/^X-Footprint-Reason is 501 characters long; at most 500 are accepted/) });
    expect(grantRefusal(long, 'footprint:read')).toMatch(/^X-Footprint-Reason is 501 characters long/);
    await expect(plain(`Bearer ${op}`, `  ${'x'.repeat(500)}  `)).resolves.toMatchObject({ kind: 'operator', reason: 'x'.repeat(500) });
  });
});
