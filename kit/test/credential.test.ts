import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { hmacKey, signCredential, verifyCredential, type InternalCredential } from '../src/credential.js';

/**
 * The internal credential every subgraph call carries: a standard HS256 JWT (any JWT library can mint one from
 * the claims), and anything but a well-formed, unexpired token of this issuer for the subgraphs, signed with
 * this secret and carrying every claim, is refused as UNAUTHENTICATED with the reason.
 */
const SECRET = 's'.repeat(48);
const C: InternalCredential = { actor: '10000001', actorType: 'subject', person: '10000001', scopes: [], requestId: 'req-1' };
const claims = { act: C.actor, actorType: C.actorType, per: C.person, scp: C.scopes, rid: C.requestId };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function refusal(token: string | undefined): Promise<{ code: unknown; message: string }> {
  try {
    await verifyCredential(token, SECRET);
  } catch (err) {
    const e = err as { extensions?: { code?: unknown }; message: string };
    return { code: e.extensions?.code, message: e.message };
  }
  throw new Error('the credential was accepted');
}

describe('the internal credential', () => {
  it('round-trips, and is a standard HS256 JWT with the issuer, audience and a 60 s lifetime', async () => {
    const token = await signCredential(C, SECRET);
    expect(await verifyCredential(token, SECRET)).toEqual(C);
    const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'HS256' });
    expect(payload).toMatchObject({ iss: 'footprint-gateway', aud: 'footprint-subgraph', act: C.actor, per: C.person });
    expect((payload!.exp as number) - (payload!.iat as number)).toBe(60);

    const joseToken = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('footprint-gateway').setAudience('footprint-subgraph').setIssuedAt().setExpirationTime('60s').sign(await hmacKey(SECRET));
    expect(await verifyCredential(joseToken, SECRET)).toEqual(C);
  });

  it('refuses a missing, forged, tampered, expired, foreign or unsigned credential, saying which', async () => {
    expect(await refusal(undefined)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('Missing x-footprint-credential') });
    const forged = await signCredential(C, 'f'.repeat(48));
    expect(await refusal(forged)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('credential is invalid') });
    const expired = await signCredential(C, SECRET, -60);
    expect(await refusal(expired)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringContaining('credential is expired') });

    const [h, , sig] = (await signCredential(C, SECRET)).split('.');
    const now = Math.floor(Date.now() / 1000);
    const other = b64({ ...claims, iss: 'footprint-gateway', aud: 'footprint-subgraph', iat: now, exp: now + 60, per: '10000002' });
    expect(await refusal(`${h}.${other}.${sig}`)).toMatchObject({ message: expect.stringContaining('credential is invalid') });
    // alg "none" with no signature: never accepted.
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${other}.`;
    expect(await refusal(none)).toMatchObject({ message: expect.stringContaining('credential is invalid') });
    // Another audience, signed with the right secret.
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('footprint-gateway').setAudience('someone-else').setIssuedAt().setExpirationTime('60s').sign(await hmacKey(SECRET));
    expect(await refusal(foreign)).toMatchObject({ message: expect.stringContaining('credential is invalid') });
    // Right signature, but claims the credential does not have.
    const bare = await new SignJWT({ act: C.actor }).setProtectedHeader({ alg: 'HS256' }).setIssuer('footprint-gateway').setAudience('footprint-subgraph').setIssuedAt().setExpirationTime('60s').sign(await hmacKey(SECRET));
    expect(await refusal(bare)).toMatchObject({ message: expect.stringContaining('credential is invalid') });
    expect(await refusal('Bearer x')).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
