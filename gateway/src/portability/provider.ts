import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTranslator, negotiateLanguage } from '@footprint/i18n';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { REQUEST_ID_HEADER, type Logger } from '@footprint/kit';
import { audit, type GatewayStore } from '../auth/audit.js';
import type { PortabilityConfig } from './config.js';
import { StoreAdapter } from './adapter.js';
import { PERIODS } from './grants.js';
import type { ResourceGroup } from './scopes.js';
import type { PortabilityKysely } from './store.js';

/** Where the authorisation server is mounted in the gateway. */
export const OAUTH_PATH = '/oauth';
/** The consent screen an authorisation request is sent to (its interaction cookie is scoped to this path). */
export const consentPath = (uid: string) => `/portability/consent/${uid}`;

/** RFC 3339 date-time, with a zone (Z or ±hh:mm). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** A window bound of an authorisation request, or an invalid_request naming it. */
export function windowBound(name: string, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value))) {
    throw new errors.InvalidRequest(`${name} must be an RFC 3339 date-time with a time zone, such as 2026-01-01T00:00:00Z`);
  }
  return new Date(value).toISOString();
}

const ERROR_PAGES = new Set(['invalid_client', 'invalid_redirect_uri']);
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The authorisation server's error page: the catalogue's words in the person's language, and the RFC error code. */
export function errorPage(acceptLanguage: string | undefined, code: string): string {
  const t = createTranslator(negotiateLanguage(acceptLanguage));
  const message = ERROR_PAGES.has(code) ? t.t(code === 'invalid_client' ? 'portability.errorPage.invalid_client' : 'portability.errorPage.invalid_redirect_uri') : t.t('portability.errorPage.generic');
  const title = t.t('portability.errorPage.title');
  return `<!doctype html><html lang="${t.language}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><small>${escapeHtml(t.t('portability.errorPage.code', { code }))}</small></p></main></body></html>`;
}

/** Who asked, as the audit log records it: the client, or "unknown client" when none was recognised. */
function actorOf(ctx: KoaContextWithOIDC): string {
  const id = ctx.oidc?.client?.clientId ?? (typeof ctx.oidc?.params?.client_id === 'string' ? ctx.oidc.params.client_id : null);
  return `client:${(id ?? 'unknown').slice(0, 200)}`;
}

export interface ProviderDeps {
  config: PortabilityConfig;
  db: PortabilityKysely;
  store: GatewayStore;
  groups: ResourceGroup[];
  logger: Logger;
  /** The service revoked a grant (RFC 7009 on a refresh token): Footprint's side of it. */
  onGrantRevoked(grantId: string, requestId: string): Promise<void>;
  /** Whether a grant issues refresh tokens (a period grant) — looked up in Footprint's grant table. */
  issuesRefreshTokens(grantId: string): Promise<boolean>;
}

/**
 * The authorisation server: oidc-provider (OpenID-certified), configured for the portability API. Authorisation
 * code with PKCE (S256) for every client; one scope per resource group; `startTime`/`endTime`/`period` as
 * authorisation request parameters, validated (invalid_request); refresh tokens only for period grants, rotating,
 * ending with the grant; introspection (RFC 7662) and revocation (RFC 7009). Every object it keeps is in the
 * gateway's store (StoreAdapter), its cookie and signing keys come from configuration: a restart or a second
 * gateway accepts what another issued.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const { config, db, groups } = deps;
  const scopes = groups.map((g) => g.scope);
  const configuration: Configuration = {
    adapter: (name: string) => new StoreAdapter(name, db),
    clients: [],
    jwks: config.jwks,
    cookies: { keys: config.cookieKeys },
    scopes: ['openid', ...scopes],
    claims: { openid: ['sub'] },
    responseTypes: ['code'],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], id_token_signed_response_alg: 'EdDSA', token_endpoint_auth_method: 'client_secret_basic' },
    enabledJWA: { idTokenSigningAlgValues: ['EdDSA'] },
    extraClientMetadata: { properties: ['footprint_purposes'] },
    features: {
      devInteractions: { enabled: false },
      // A service learns about its own tokens only (RFC 7662 §4: the server decides who may ask about which token).
      introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    pkce: { required: () => true },
    extraParams: {
      // Validated with the whole request: every parameter is known here, so the window's order is checked too.
      startTime: (ctx, value) => {
        const start = windowBound('startTime', value);
        const end = windowBound('endTime', ctx.oidc.params?.endTime);
        if (start && end && Date.parse(start) > Date.parse(end)) throw new errors.InvalidRequest('startTime must not be after endTime');
      },
      endTime: (_ctx, value) => {
        windowBound('endTime', value);
      },
      period: (_ctx, value) => {
        if (value !== undefined && !(PERIODS as readonly unknown[]).includes(value)) throw new errors.InvalidRequest(`period must be one of ${PERIODS.join(', ')}`);
      },
      // Only the portability scopes (and openid): a scope this server does not define is an error, not silently ignored.
      scope: (ctx, value) => {
        // oidc-provider drops scopes it does not know before this runs: the request as sent says what was asked.
        const sent: unknown = ctx.method === 'POST' ? (ctx.oidc.body as Record<string, unknown> | undefined)?.scope : ctx.query.scope;
        const raw = typeof sent === 'string' ? sent : value;
        const asked = typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
        const unknown = asked.filter((s) => s !== 'openid' && !scopes.includes(s));
        if (unknown.length) throw new errors.InvalidScope(`unknown scope(s): ${unknown.join(' ')}`, unknown.join(' '));
        if (!asked.some((s) => scopes.includes(s))) throw new errors.InvalidScope('ask for at least one portability scope (see scopes_supported)', '');
      },
    },
    interactions: { url: (_ctx, interaction) => consentPath(interaction.uid) },
    // Every authorisation asks the person again: a grant is never reused silently.
    loadExistingGrant: async (ctx) => {
      const id = ctx.oidc.result?.consent?.grantId;
      return id ? ctx.oidc.provider.Grant.find(id) : undefined;
    },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && typeof code.grantId === 'string' && deps.issuesRefreshTokens(code.grantId),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: (ctx) => Math.max(1, Math.min(config.accessTokenTtlSeconds, ctx?.oidc?.entities?.Grant?.remainingTTL ?? config.accessTokenTtlSeconds)),
      // A refresh token ends with its grant's period, however often it rotates.
      RefreshToken: (ctx) => Math.max(1, ctx?.oidc?.entities?.Grant?.remainingTTL ?? config.oneTimeTtlSeconds),
      AuthorizationCode: 60,
      Interaction: config.interactionTtlSeconds,
      Session: 3600,
      IdToken: 3600,
      Grant: config.oneTimeTtlSeconds,
    },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    // No signed-in browser session outlives the consent screen for long.
    expiresWithSession: async () => true,
    // A browser (a person sent here by a service) gets a page in their language; a client gets the error as JSON.
    renderError: async (ctx, out) => {
      if (!ctx.accepts('html') || ctx.accepts('json', 'html') === 'json') {
        ctx.type = 'json';
        ctx.body = out;
        return;
      }
      ctx.type = 'html';
      ctx.set('content-security-policy', "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
      ctx.body = errorPage(ctx.get('accept-language'), String(out.error ?? 'server_error'));
    },
  };
  const provider = new Provider(config.issuer, configuration);
  // Behind a proxy that sets X-Forwarded-*, the issuer's URLs stay right.
  provider.proxy = true;

  const requestId = (ctx: KoaContextWithOIDC) => String(ctx.res.getHeader(REQUEST_ID_HEADER) ?? ctx.get(REQUEST_ID_HEADER) ?? '') || 'oauth';
  const record = (ctx: KoaContextWithOIDC, operation: string, outcome: string, person: string | null = null) =>
    void audit(deps.store, { actor: actorOf(ctx), actorType: 'portability-client', person, operation, reason: null, requestId: requestId(ctx), outcome: outcome.slice(0, 1000) }).catch((err: unknown) =>
      deps.logger.error({ err }, 'portability: audit write failed'),
    );
  const refusal = (err: { error?: string; error_description?: string; message: string }) => `refused: ${err.error ?? 'error'}${err.error_description ? ` (${err.error_description})` : ''}`;
  // Every refused attempt is audited: an unknown client, a redirect mismatch, a missing or wrong PKCE verifier,
  // a replayed code, an expired or revoked token, a window that ends before it starts.
  provider.on('authorization.error', (ctx, err) => record(ctx, 'oauth authorize', refusal(err)));
  provider.on('grant.error', (ctx, err) => record(ctx, `oauth token (${String(ctx.oidc?.params?.grant_type ?? '?')})`, refusal(err)));
  provider.on('introspection.error', (ctx, err) => record(ctx, 'oauth introspect', refusal(err)));
  provider.on('revocation.error', (ctx, err) => record(ctx, 'oauth revoke', refusal(err)));
  provider.on('server_error', (ctx, err) => deps.logger.error({ err, path: ctx.path }, 'authorisation server error'));
  provider.on('grant.success', (ctx) => {
    const grant = ctx.oidc.entities.Grant;
    record(ctx, `oauth token (${String(ctx.oidc.params?.grant_type ?? '?')}) grant ${grant?.jti ?? '?'}`, 'issued', grant?.accountId ?? null);
  });
  provider.on('grant.revoked', (ctx, grantId) => {
    record(ctx, `oauth revoke grant ${grantId}`, 'revoked by the service');
    void deps.onGrantRevoked(grantId, requestId(ctx)).catch((err: unknown) => deps.logger.error({ err, grantId }, 'portability: a revoked grant could not be closed'));
  });
  return provider;
}

/** The provider as a route of the gateway's HTTP server: requests under /oauth, with the prefix taken off. */
export function providerRoute(provider: Provider) {
  const callback = provider.callback();
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname !== OAUTH_PATH && !url.pathname.startsWith(`${OAUTH_PATH}/`)) return false;
    // oidc-provider reads its mount path from originalUrl minus url, as under a framework's router.
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
    req.url = (req.url ?? '/').slice(OAUTH_PATH.length) || '/';
    callback(req, res);
    return true;
  };
}
