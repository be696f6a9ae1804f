import { SignJWT } from 'jose';

export interface TokenRequest {
  sub: string;
  operator?: boolean;
  scopes?: string[];
  ttlSeconds?: number;
}

/** Mints a bearer token the gateway accepts with the shared secret (local use, tests). */
export async function mintToken(secret: string, req: TokenRequest): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (req.operator) {
    claims.role = 'operator';
    claims.scope = (req.scopes ?? []).join(' ');
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(req.sub)
    .setIssuedAt()
    .setExpirationTime(`${req.ttlSeconds ?? 3600}s`)
    .sign(new TextEncoder().encode(secret));
}
