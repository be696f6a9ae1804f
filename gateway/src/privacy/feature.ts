import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Language } from '@footprint/i18n';
import { join } from 'node:path';
import { readKindMeta } from '@footprint/schema';
import { DEMO_PERSON, sendError, type Route } from '@footprint/kit';
import { isObjectType, parse } from 'graphql';
import type { FeatureContext, FeatureModule, GatewayFeature } from '../feature.js';
import { planFootprint, schemaFromSupergraph } from '../footprint/plan.js';
import { serveDemoSession } from './demo-session.js';
import { PRIVACY_ASSETS } from './assets.js';
import { localizedPages, pageLanguage } from './localize.js';

/**
 * The privacy centre at /privacy: a static page and its script, built by the
 * @footprint/web package (web/), served by the gateway, that works
 * only through the public GraphQL API with the person's own token. Besides the
 * files there are two small routes: the page's settings (the domains and kinds
 * to browse, read from the supergraph, so a new domain shows up unasked) and,
 * outside production only, a demo sign-in that mints a token for the demo
 * person.
 */


/** The page loads nothing from elsewhere and runs no inline script; framing is refused. */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface Asset {
  type: string;
  body: Buffer;
}

export function load(file: string, type: string): Asset {
  if (!existsSync(file)) throw new Error(`The privacy centre is missing ${file}: run "npm run build" (the @footprint/web package builds it)`);
  return { type, body: readFileSync(file) };
}

export function send(res: ServerResponse, method: string, asset: Asset, cache: string, extra: Record<string, string> = {}): void {
  res.writeHead(200, { ...PAGE_HEADERS, 'content-type': asset.type, 'content-length': String(asset.body.length), 'cache-control': cache, ...extra });
  res.end(method === 'HEAD' ? undefined : asset.body);
}

/** A page in the reader's language (cookie, else Accept-Language), saying which and what it varied by. */
export function sendPage(req: IncomingMessage, res: ServerResponse, method: string, pages: Map<Language, Asset>): void {
  const language = pageLanguage(req);
  const page = pages.get(language) ?? pages.values().next().value;
  if (!page) throw new Error('no page built');
  send(res, method, page, 'no-store', { 'content-language': language, vary: 'Accept-Language, Cookie' });
}

/** What the page needs to browse: every domain field of Person and its kinds of records, with the selection of one record. */
export function pageSettings(supergraphSdl: string, demo: boolean) {
  const schema = schemaFromSupergraph(supergraphSdl);
  const plan = planFootprint(schema);
  const titles = new Map(readKindMeta(parse(supergraphSdl)).map((k) => [k.typename, k]));
  const person = schema.getType('Person');
  const fields = isObjectType(person) ? person.getFields() : {};
  return {
    demo,
    demoPerson: demo ? DEMO_PERSON : null,
    domains: plan.domains.map((d) => ({
      name: d,
      description: fields[d]?.description ?? null,
      kinds: plan.kinds
        .filter((k) => k.domain === d)
        .map((k) => ({ kind: titles.get(k.typename)?.kind ?? k.typename, title: titles.get(k.typename)?.title ?? k.field, field: k.field, selection: k.selection })),
    })),
  };
}

export function createPrivacyFeature(fc: FeatureContext): GatewayFeature {
  const { config } = fc;
  // Local use only, and only where tokens are ours to mint (not with an external issuer's keys).
  const demo = !config.production && Boolean(config.jwtSecret);
  const pages = localizedPages(load(join(PRIVACY_ASSETS, 'index.html'), 'text/html; charset=utf-8'));
  const css = load(join(PRIVACY_ASSETS, 'privacy.css'), 'text/css; charset=utf-8');
  const scripts = new Map(['app'].map((n) => [`/privacy/${n}.js`, load(join(PRIVACY_ASSETS, `${n}.js`), 'text/javascript; charset=utf-8')]));
  const settings = Buffer.from(JSON.stringify(pageSettings(fc.supergraphSdl, demo)));

  const route: Route = async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/privacy' && !path.startsWith('/privacy/')) return false;
    const method = req.method ?? 'GET';
    if (path === '/privacy/demo-session') return serveDemoSession(req, res, config, { subject: DEMO_PERSON, claims: {}, as: 'person', log: 'privacy centre' }, fc.logger);
    if (method !== 'GET' && method !== 'HEAD') { sendError(res, 'BAD_USER_INPUT', `${method} is not served here`); return true; }
    if (path === '/privacy' || path === '/privacy/') { sendPage(req, res, method, pages); return true; }
    if (path === '/privacy/privacy.css') { send(res, method, css, 'no-cache'); return true; }
    if (path === '/privacy/config.json') { send(res, method, { type: 'application/json; charset=utf-8', body: settings }, 'no-cache'); return true; }
    const script = scripts.get(path);
    if (script) { send(res, method, script, 'no-cache'); return true; }
    sendError(res, 'NOT_FOUND', `No route for ${path}`);
    return true;
  };
  return { routes: [route] };
}

export const privacyFeature: FeatureModule = { name: 'privacy', create: createPrivacyFeature };
