import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { REPO_ROOT, sendError, sendJson, type Route } from '@footprint/kit';
import type { GatewayConfig } from '../config.js';
import { load, send } from '../privacy/feature.js';
import { REQUESTS_SCOPE } from './access.js';

const STATIC_DIR = join(REPO_ROOT, 'gateway', 'privacy');
const CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'privacy', 'client');
const DEMO_TTL_SECONDS = 3600;
export const DEMO_OPERATOR = 'demo-operator';

/**
 * The privacy desk at /privacy/desk (gateway/privacy/desk.html and its script,
 * compiled from src/privacy/client/desk.ts), and the person's requests panel
 * the privacy centre loads (requests.js). Like the privacy centre it loads
 * nothing from elsewhere and works only through the public GraphQL API, with
 * the operator's own token and a reason on every call. Outside production a
 * demo sign-in mints a one-hour desk token (footprint:requests only).
 */
export function deskRoute(config: GatewayConfig, logger: { info(o: object, m: string): void }): Route {
  const demo = !config.production && Boolean(config.jwtSecret);
  const html = load(join(STATIC_DIR, 'desk.html'), 'text/html; charset=utf-8');
  const css = load(join(STATIC_DIR, 'desk.css'), 'text/css; charset=utf-8');
  const scripts = new Map(['desk', 'requests', 'ui'].map((n) => [`/privacy/${n}.js`, load(join(CLIENT_DIR, `${n}.js`), 'text/javascript; charset=utf-8')]));
  const settings = Buffer.from(JSON.stringify({ demo, scope: REQUESTS_SCOPE }));

  return async (req, res, url) => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/privacy/desk/demo-session') {
      if (!demo) return (sendError(res, 'NOT_FOUND', 'The demo sign-in exists only outside production'), true);
      if (method !== 'POST' || req.headers['x-footprint-demo'] !== '1') return (sendError(res, 'BAD_USER_INPUT', 'POST with the header X-Footprint-Demo: 1'), true);
      let jwt = new SignJWT({ role: 'operator', scope: REQUESTS_SCOPE }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(DEMO_OPERATOR).setIssuedAt().setExpirationTime(`${DEMO_TTL_SECONDS}s`);
      if (config.jwtIssuer) jwt = jwt.setIssuer(config.jwtIssuer);
      if (config.jwtAudience) jwt = jwt.setAudience(config.jwtAudience);
      const token = await jwt.sign(new TextEncoder().encode(config.jwtSecret!));
      logger.info({ operator: DEMO_OPERATOR }, 'privacy desk: demo sign-in (not in production)');
      sendJson(res, 200, { token, operator: DEMO_OPERATOR, expiresIn: DEMO_TTL_SECONDS }, { 'cache-control': 'no-store' });
      return true;
    }
    const script = scripts.get(path);
    const asset = path === '/privacy/desk' || path === '/privacy/desk/' ? html : path === '/privacy/desk.css' ? css : path === '/privacy/desk.json' ? { type: 'application/json; charset=utf-8', body: settings } : script;
    if (!asset) return false;
    if (method !== 'GET' && method !== 'HEAD') return (sendError(res, 'BAD_USER_INPUT', `${method} is not served here`), true);
    send(res, method, asset, asset === html ? 'no-store' : 'no-cache');
    return true;
  };
}
