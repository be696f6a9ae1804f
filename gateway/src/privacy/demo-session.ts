import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, type JWTPayload } from 'jose';
import { sendError, sendJson } from '@footprint/kit';
import type { GatewayConfig } from '../config.js';

const DEMO_TTL_SECONDS = 3600;

/** Who a demo sign-in is for: the subject, the token's extra claims, and how the answer names it. */
export interface DemoIdentity {
  subject: string;
  claims: JWTPayload;
  /** The answer's field naming the subject (`person` for the privacy centre, `operator` for the desk). */
  as: 'person' | 'operator';
  log: string;
}

/**
 * Outside production, mints a one-hour token for a fixed demo identity (the
 * privacy centre's person, the desk's operator). Only a POST with the custom
 * header X-Footprint-Demo: 1 is served: a cross-site page cannot send that
 * header without a CORS preflight, which no route grants.
 */
export async function serveDemoSession(
  req: IncomingMessage,
  res: ServerResponse,
  config: GatewayConfig,
  who: DemoIdentity,
  logger: { info(o: object, m: string): void },
): Promise<true> {
  if (config.production || !config.jwtSecret) {
    sendError(res, 'NOT_FOUND', 'The demo sign-in exists only outside production');
    return true;
  }
  if (req.method !== 'POST' || req.headers['x-footprint-demo'] !== '1') {
    sendError(res, 'BAD_USER_INPUT', 'POST with the header X-Footprint-Demo: 1');
    return true;
  }
  let jwt = new SignJWT(who.claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(who.subject).setIssuedAt().setExpirationTime(`${DEMO_TTL_SECONDS}s`);
  if (config.jwtIssuer) jwt = jwt.setIssuer(config.jwtIssuer);
  if (config.jwtAudience) jwt = jwt.setAudience(config.jwtAudience);
  const token = await jwt.sign(new TextEncoder().encode(config.jwtSecret));
  logger.info({ [who.as]: who.subject }, `${who.log}: demo sign-in (not in production)`);
  sendJson(res, 200, { token, [who.as]: who.subject, expiresIn: DEMO_TTL_SECONDS }, { 'cache-control': 'no-store' });
  return true;
}
