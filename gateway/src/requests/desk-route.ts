import { join } from 'node:path';
import { sendError, type Route } from '@footprint/kit';
import type { GatewayConfig } from '../config.js';
import { serveDemoSession } from '../privacy/demo-session.js';
import { load, send, sendPage } from '../privacy/feature.js';
import { localizedPages } from '../privacy/localize.js';
import { REQUESTS_SCOPE } from './access.js';
import { PRIVACY_ASSETS } from '../privacy/assets.js';

export const DEMO_OPERATOR = 'demo-operator';

/**
 * The privacy desk at /privacy/desk (its page and script are built by the
 * @footprint/web package, web/src/privacy/desk.ts). Like the privacy centre it loads
 * nothing from elsewhere and works only through the public GraphQL API, with
 * the operator's own token and a reason on every call. Outside production a
 * demo sign-in mints a one-hour desk token (footprint:requests only).
 */
export function deskRoute(config: GatewayConfig, logger: { info(o: object, m: string): void }): Route {
  const demo = !config.production && Boolean(config.jwtSecret);
  const pages = localizedPages(load(join(PRIVACY_ASSETS, 'desk.html'), 'text/html; charset=utf-8'));
  const css = load(join(PRIVACY_ASSETS, 'desk.css'), 'text/css; charset=utf-8');
  const scripts = new Map(['desk'].map((n) => [`/privacy/${n}.js`, load(join(PRIVACY_ASSETS, `${n}.js`), 'text/javascript; charset=utf-8')]));
  const settings = Buffer.from(JSON.stringify({ demo, scope: REQUESTS_SCOPE }));

  return async (req, res, url) => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/privacy/desk/demo-session') return serveDemoSession(req, res, config, { subject: DEMO_OPERATOR, claims: { role: 'operator', scope: REQUESTS_SCOPE }, as: 'operator', log: 'privacy desk' }, logger);
    const script = scripts.get(path);
    if (path === '/privacy/desk' || path === '/privacy/desk/') {
      if (method !== 'GET' && method !== 'HEAD') { sendError(res, 'BAD_USER_INPUT', `${method} is not served here`); return true; }
      sendPage(req, res, method, pages);
      return true;
    }
    const asset = path === '/privacy/desk.css' ? css : path === '/privacy/desk.json' ? { type: 'application/json; charset=utf-8', body: settings } : script;
    if (!asset) return false;
    if (method !== 'GET' && method !== 'HEAD') { sendError(res, 'BAD_USER_INPUT', `${method} is not served here`); return true; }
    send(res, method, asset, 'no-cache');
    return true;
  };
}
