import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { DEMO_PERSON, readBody, REQUEST_ID_HEADER, sendJson, type Logger, type Route } from '@footprint/kit';
import type { TokenVerifier } from '../auth/principal.js';
import type { GatewayConfig } from '../config.js';
import { WEB_DIST } from '../privacy/assets.js';
import { serveDemoSession } from '../privacy/demo-session.js';
import { load, send } from '../privacy/feature.js';
import { PERIOD_DAYS, PERIODS } from './grants.js';
import { windowBound } from './provider.js';
import type { PortabilityService } from './service.js';
import type { GrantPeriod } from './store.js';

const CONSENT = /^\/portability\/consent\/([\w-]{1,100})(\/details|\/decision)?$/;
const Decision = z.object({ approve: z.boolean() }).strict();

export interface ConsentDeps {
  service: PortabilityService;
  provider: () => Provider;
  verify: TokenVerifier;
  gateway: GatewayConfig;
  /** The gateway's own GraphQL URL: the person's counts are read through it, with the person's own token. */
  gatewayUrl: () => string;
  logger: Logger;
}

/** Where the person goes back to, as the consent screen names it. */
function hostOf(uri: unknown): string | null {
  try {
    return new URL(String(uri)).host;
  } catch {
    return null;
  }
}

const problem = (res: ServerResponse, status: number, code: string, message: string): true => {
  sendJson(res, status, { error: code, error_description: message }, { 'cache-control': 'no-store' });
  return true;
};

/**
 * The consent screen: oidc-provider sends the person's browser to /portability/consent/<uid> (its interaction
 * cookie is scoped to that path). The page signs the person in as the privacy centre does, reads the request's
 * details here — the service, its purposes and contact, what it will receive (the kinds, with the person's own
 * counts from discovery), for how long, which window — and posts the decision, which finishes the interaction.
 */
export function consentRoute(deps: ConsentDeps): Route {
  const dir = join(WEB_DIST, 'consent');
  const html = load(join(dir, 'index.html'), 'text/html; charset=utf-8');
  const css = load(join(dir, 'consent.css'), 'text/css; charset=utf-8');
  const js = load(join(dir, 'consent.js'), 'text/javascript; charset=utf-8');

  async function person(req: IncomingMessage): Promise<{ sub: string; authorization: string } | string> {
    try {
      const p = await deps.verify(req.headers.authorization, undefined);
      if (p.kind !== 'subject') return 'Only the person themselves can answer a consent request';
      return { sub: p.sub, authorization: req.headers.authorization! };
    } catch (err) {
      return (err as Error).message;
    }
  }

  async function counts(authorization: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    try {
      const res = await fetch(deps.gatewayUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: '{ me { discovery { domains { domain kinds { kind count } } } } }' }),
        signal: AbortSignal.timeout(20_000),
      });
      const body = (await res.json()) as { data?: { me?: { discovery?: { domains?: ({ kinds?: { kind: string; count: number }[] } | null)[] } } } };
      for (const d of body.data?.me?.discovery?.domains ?? []) for (const k of d?.kinds ?? []) out.set(k.kind, (out.get(k.kind) ?? 0) + k.count);
    } catch (err) {
      deps.logger.warn({ err }, 'consent screen: the discovery counts could not be read');
    }
    return out;
  }

  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname;
    if (!path.startsWith('/portability/')) return false;
    const method = req.method ?? 'GET';
    const asset = method === 'GET' || method === 'HEAD' ? (path === '/portability/consent.js' ? js : path === '/portability/consent.css' ? css : null) : null;
    if (asset) {
      send(res, method, asset, 'no-cache');
      return true;
    }
    if (path === '/portability/demo-session') return serveDemoSession(req, res, deps.gateway, { subject: DEMO_PERSON, claims: {}, as: 'person', log: 'consent screen' }, deps.logger);
    const m = CONSENT.exec(path);
    if (!m) return false;
    const uid = m[1]!;
    if (!m[2]) {
      if (method !== 'GET' && method !== 'HEAD') return problem(res, 405, 'invalid_request', `${method} is not served here`);
      send(res, method, html, 'no-store');
      return true;
    }
    const provider = deps.provider();
    let interaction: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch {
      return problem(res, 400, 'interaction_expired', 'This consent request has expired or was opened in another browser; go back to the service and start again');
    }
    if (interaction.uid !== uid) return problem(res, 400, 'interaction_mismatch', 'This page belongs to another consent request');
    const params = interaction.params as Record<string, unknown>;
    const clientId = String(params.client_id ?? '');
    const service = await deps.service.service(clientId);
    if (!service) return problem(res, 400, 'invalid_client', 'The service that asked is no longer registered');
    const who = await person(req);
    if (typeof who === 'string') return problem(res, 401, 'unauthenticated', who);
    const scopes = String(params.scope ?? '').split(' ').filter((s) => deps.service.groups.some((g) => g.scope === s));
    const period = (PERIODS as readonly string[]).includes(String(params.period)) ? (params.period as GrantPeriod) : 'ONE_TIME';
    const window = { start: windowBound('startTime', params.startTime), end: windowBound('endTime', params.endTime) };
    const requestId = String(res.getHeader(REQUEST_ID_HEADER) ?? 'consent');
    const actor = { actor: who.sub, actorType: 'subject', reason: null, requestId };

    if (m[2] === '/details') {
      if (method !== 'GET') return problem(res, 405, 'invalid_request', 'GET the details');
      const n = await counts(who.authorization);
      const days = PERIOD_DAYS[period];
      sendJson(
        res,
        200,
        {
          uid,
          person: who.sub,
          service: { clientId, name: service.name, contact: service.contact, purposes: service.purposes, redirectHost: hostOf(params.redirect_uri) },
          period,
          days,
          window,
          resources: deps.service.groups
            .filter((g) => scopes.includes(g.scope))
            .map((g) => ({ scope: g.scope, group: g.group, domain: g.domain, kinds: g.kinds.map((k) => ({ kind: k.kind, title: k.title, count: n.get(k.kind) ?? 0 })) })),
        },
        { 'cache-control': 'no-store' },
      );
      return true;
    }

    if (method !== 'POST') return problem(res, 405, 'invalid_request', 'POST the decision');
    let decision: z.infer<typeof Decision>;
    try {
      decision = Decision.parse(JSON.parse(await readBody(req, 4096)));
    } catch {
      return problem(res, 400, 'invalid_request', 'Send {"approve": true} or {"approve": false}');
    }
    let redirectTo: string;
    if (!decision.approve) {
      await deps.service.audit(actor, who.sub, `portability consent to ${clientId} (${service.name}): ${scopes.join(' ')}`, 'refused by the person');
      redirectTo = await provider.interactionResult(req, res, { error: 'access_denied', error_description: 'The person did not allow it' }, { mergeWithLastSubmission: false });
    } else {
      const grant = await deps.service.grant({ person: who.sub, clientId, clientName: service.name, scopes, period, windowStart: window.start, windowEnd: window.end }, actor);
      redirectTo = await provider.interactionResult(req, res, { login: { accountId: who.sub }, consent: { grantId: grant.id } }, { mergeWithLastSubmission: false });
    }
    sendJson(res, 200, { redirectTo }, { 'cache-control': 'no-store' });
    return true;
  };
}
