import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '@footprint/kit';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { bearer, gql, subjectToken } from './support/client.js';

/** The key type jose's generateKeyPair returns (CryptoKey is a DOM-lib global this config does not load). */
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** The gateway verifying tokens with an issuer's published keys instead of the shared secret. */
describe('JWKS issuer', () => {
  let jwks: Server;
  let fed: Federation;
  let dataDir: string;
  let privateKey: SigningKey;
  let otherKey: SigningKey;
  const issuer = 'https://issuer.footprint.test';

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const port = await listen(jwks, 0);
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-jwks-'));
    fed = await launchFederation({
      dataDir,
      only: [],
      env: { LOG_LEVEL: 'silent', FOOTPRINT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`, FOOTPRINT_JWT_ISSUER: issuer },
    });
  });
  afterAll(async () => {
    await fed?.stop();
    jwks?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sign = (key: SigningKey, iss = issuer) =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('10000001').setIssuer(iss).setExpirationTime('5m').sign(key);

  it('accepts a token signed by the issuer’s key', async () => {
    const res = await gql<{ me: { id: string } }>(fed.gatewayUrl, '{ me { id } }', {}, bearer(await sign(privateKey)));
    expect(res.errors).toBeUndefined();
    expect(res.data!.me.id).toBe('10000001');
  });
  it('refuses another key, another issuer, and the shared-secret tokens', async () => {
    for (const t of [await sign(otherKey), await sign(privateKey, 'https://evil.test'), await subjectToken('10000001')]) {
      const res = await gql(fed.gatewayUrl, '{ me { id } }', {}, bearer(t));
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
