import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendError, type Route } from '@footprint/kit';
import type { GatewayConfig } from '../config.js';
import { serveDemoSession } from '../privacy/demo-session.js';
import { load, send } from '../privacy/feature.js';
import { REQUESTS_SCOPE } from './access.js';
import { GATEWAY_ROOT } from '../package-root.js';

const STATIC_DIR = join(GATEWAY_ROOT, 'privacy');
const CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'privacy', 'client');
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
    if (path === '/privacy/desk/demo-session') return serveDemoSession(req, res, config, { subject: DEMO_OPERATOR, claims: { role: 'operator', scope: REQUESTS_SCOPE }, as: 'operator', log: 'privacy desk' }, logger);
    const script = scripts.get(path);
    const asset = path === '/privacy/desk' || path === '/privacy/desk/' ? html : path === '/privacy/desk.css' ? css : path === '/privacy/desk.json' ? { type: 'application/json; charset=utf-8', body: settings } : script;
    if (!asset) return false;
    if (method !== 'GET' && method !== 'HEAD') { sendError(res, 'BAD_USER_INPUT', `${method} is not served here`); return true; }
    send(res, method, asset, asset === html ? 'no-store' : 'no-cache');
    return true;
  };
}
