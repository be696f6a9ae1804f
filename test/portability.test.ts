import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as oidc from 'openid-client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '@footprint/i18n';
import { REPO_ROOT } from '@footprint/kit';
import { launchFederation, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { download, readZip, requestExport, startGateway, waitForJob, type Proc } from './support/exports.js';
import { CHROMIUM, requires } from './support/requires.js';

/**
 * The portability API end to end (issue 27): a receiving service registered by an operator, played by
 * openid-client (a real OAuth client library), asks a person's consent through the gateway's authorisation server;
 * the person answers on the consent screen in Chromium; the service exchanges the code (PKCE), starts an archive job
 * for one resource group and a window, downloads it and finds only the granted kinds, only inside the window. Every
 * standard error is refused with its RFC code, transfers nothing and is audited. The person revokes in the privacy
 * centre and the service loses access within seconds; a period grant's refresh token survives a gateway restart
 * and works on a second gateway sharing the store.
 */

const browserPart = await requires('chromium');
const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'portability');
const PERSON = '10000001';
const CLIENTS_SCOPE = 'portability:clients';

interface Registered {
  clientId: string;
  clientSecret: string | null;
  issuer: string;
}

interface JobView {
  archiveJobId: string;
  state: string;
  kinds: string[];
  resources: string[];
  startTime: string | null;
  endTime: string | null;
  records: number | null;
  urls: string[];
}

/** The receiving service's redirect endpoint: it only records where the browser was sent. */
class Callback {
  private server!: Server;
  readonly hits: string[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.hits.push(`${this.url.replace(/\/callback$/, '')}${req.url ?? '/'}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('received');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callback`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.skipIf(browserPart.skip)('portability to a receiving service (OAuth, consent in a browser)', () => {
  let dataDir: string;
  let federation: Federation;
  let origin: string;
  let issuer: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const callback = new Callback();
  let service: Registered;
  let other: Registered;
  let config: oidc.Configuration;
  let db: Database.Database;
  const downloads = mkdtempSync(join(tmpdir(), 'footprint-portability-dl-'));

  let opHeaders: Record<string, string>;
  const api = (path: string) => `${origin}/portability/v1${path}`;

  async function register(name: string, confidential = true): Promise<Registered> {
    const res = await gql<{ registerPortabilityClient: Registered }>(
      federation.gatewayUrl,
      `mutation R($input: RegisterPortabilityClientInput!) { registerPortabilityClient(input: $input) { clientId clientSecret issuer } }`,
      { input: { name, redirectUris: [callback.url], contact: 'privacy@receiver.example', purposes: ['Import your orders into your new account'], confidential } },
      opHeaders,
    );
    expect(res.errors).toBeUndefined();
    return res.data!.registerPortabilityClient;
  }

  async function configFor(r: Registered, at = r.issuer): Promise<oidc.Configuration> {
    return oidc.discovery(new URL(at), r.clientId, r.clientSecret ?? undefined, r.clientSecret ? oidc.ClientSecretBasic(r.clientSecret) : oidc.None(), { execute: [oidc.allowInsecureRequests] });
  }

  /** An authorisation request as the service builds it, with PKCE and state. */
  async function authorizationRequest(cfg: oidc.Configuration, params: Record<string, string>) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(cfg, { redirect_uri: callback.url, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...params });
    return { url, verifier, state };
  }

  /** The person answers on the consent screen; returns where the browser was sent back to. */
  async function consent(url: URL, approve = true, screenshot?: string): Promise<URL> {
    await page.goto(url.href);
    await page.locator('body[data-ready="true"]').waitFor();
    if (await page.locator('#demo-button').isVisible()) {
      await page.locator('#demo-button').click();
    }
    await page.locator('#approve').waitFor();
    if (screenshot) {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
    }
    await page.locator(approve ? '#approve' : '#deny').click();
    await page.waitForURL((u) => u.href.startsWith(callback.url));
    return new URL(page.url());
  }

  async function startJob(accessToken: string, body: Record<string, unknown>): Promise<{ status: number; body: JobView & { error?: string; error_description?: string }; headers: Headers }> {
    const res = await fetch(api('/archiveJobs'), { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as JobView & { error?: string; error_description?: string }, headers: res.headers };
  }

  async function job(accessToken: string, id: string): Promise<{ status: number; body: JobView & { error?: string } }> {
    const res = await fetch(api(`/archiveJobs/${id}`), { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: res.status, body: (await res.json()) as JobView & { error?: string } };
  }

  async function finished(accessToken: string, id: string): Promise<JobView> {
    let view: JobView | null = null;
    await expect
      .poll(
        async () => {
          view = (await job(accessToken, id)).body;
          return view.state;
        },
        { timeout: 90_000, interval: 250 },
      )
      .toMatch(/SUCCEEDED|FAILED|CANCELLED/);
    return view!;
  }

  const audit = (sinceId: number) => db.prepare('select id, actor, actor_type as actorType, person, operation, outcome from audit_log where id > ? order by id').all(sinceId) as { id: number; actor: string; actorType: string; person: string | null; operation: string; outcome: string }[];
  const lastAuditId = () => (db.prepare('select coalesce(max(id), 0) as n from audit_log').get() as { n: number }).n;
  const transfersOf = (person: string) => (db.prepare('select count(*) as n from portability_transfer where person_id = ?').get(person) as { n: number }).n;
  const exportJobsOf = (person: string) => (db.prepare('select count(*) as n from export_job where person_id = ?').get(person) as { n: number }).n;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-portability-'));
    await seedAll({ dataDir });
    federation = await launchFederation({ dataDir, env: { LOG_LEVEL: 'warn', FOOTPRINT_CONSENT_SYNC_MS: '0', FOOTPRINT_EXPORT_PAGE_SIZE: '2', FOOTPRINT_EXPORT_PARALLEL_KINDS: '1' }, stdio: 'ignore' });
    // Small pages: a job runs long enough to be revoked while it runs.
    // The authorisation server's issuer is the gateway's public URL (localhost, as a browser would use it).
    origin = `http://localhost:${new URL(federation.gatewayUrl).port}`;
    issuer = `${origin}/oauth`;
    await callback.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'] });
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB' });
    page = await context.newPage();
    db = new Database(join(dataDir, 'gateway.db'), { readonly: true, fileMustExist: true });
    opHeaders = bearer(await operatorToken([CLIENTS_SCOPE]), { 'x-footprint-reason': 'Onboarding a receiving service, ticket 27' });
    service = await register('Receiver Bank');
    other = await register('Other Importer', false);
    config = await configFor(service);
  }, 240_000);

  afterAll(async () => {
    db?.close();
    await browser?.close();
    await callback.stop().catch(() => undefined);
    await federation?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  });

  it('publishes one scope per resource group from the data map, only kinds the person provided or that were observed', async () => {
    const meta = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; scopes_supported: string[]; code_challenge_methods_supported: string[]; introspection_endpoint: string; revocation_endpoint: string };
    expect(meta.issuer).toBe(issuer);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['portability.orders', 'portability.community', 'portability.account']));
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.introspection_endpoint).toBe(`${issuer}/token/introspection`);
    expect(meta.revocation_endpoint).toBe(`${issuer}/token/revocation`);
    const groups = (await (await fetch(api('/resources'))).json()) as { resources: { scope: string; kinds: { kind: string; source: string }[] }[] };
    const kinds = groups.resources.flatMap((g) => g.kinds);
    expect(kinds.every((k) => k.source === 'PROVIDED' || k.source === 'COLLECTED')).toBe(true);
    // Inferred (ad segments, recommendation profiles) and received kinds are not the person's to carry away.
    const map = await gql<{ dataMap: { entries: { kind: string; source: string }[] } }>(federation.gatewayUrl, '{ dataMap { entries { kind source } } }', {}, bearer(await subjectToken(PERSON)));
    const excluded = map.data!.dataMap.entries.filter((e) => e.source === 'INFERRED' || e.source === 'THIRD_PARTY').map((e) => e.kind);
    expect(excluded.length).toBeGreaterThan(0);
    for (const k of excluded) expect(kinds.map((x) => x.kind)).not.toContain(k);
  });

  it('an operator registers services; a person or an operator without the scope cannot', async () => {
    expect(service.clientId).toMatch(/^svc_/);
    expect(service.clientSecret).toBeTruthy();
    expect(other.clientSecret).toBeNull();
    const input = { name: 'X', redirectUris: [callback.url], contact: 'a@b.example', purposes: ['p'] };
    const q = `mutation R($input: RegisterPortabilityClientInput!) { registerPortabilityClient(input: $input) { clientId } }`;
    const person = await gql(federation.gatewayUrl, q, { input }, bearer(await subjectToken(PERSON)));
    expect(person.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noScope = await gql(federation.gatewayUrl, q, { input }, bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'x' }));
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await gql(federation.gatewayUrl, q, { input: { ...input, redirectUris: ['ftp://evil.example/cb'] } }, opHeaders);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const rows = db.prepare("select outcome from audit_log where operation like '%registerPortabilityClient%' or operation like 'portability register client%'").all() as { outcome: string }[];
    expect(rows.some((r) => r.outcome === 'registered')).toBe(true);
    expect(rows.some((r) => r.outcome.startsWith('refused'))).toBe(true);
  });

  let oneTimeAccess = '';
  let oneTimeJob: JobView;

  it('with consent given in the browser, the service receives only the granted kinds, only inside the window', async () => {
    // A window covering the middle of the person's order history: some records fall outside it on both sides.
    const disc = await gql<{ me: { orders: { discovery: { kinds: { kind: string; count: number; earliest: string; latest: string }[] } } } }>(
      federation.gatewayUrl,
      '{ me { orders { discovery { kinds { kind count earliest latest } } } } }',
      {},
      bearer(await subjectToken(PERSON)),
    );
    const orders = disc.data!.me.orders.discovery.kinds.find((k) => k.kind === 'orders.order')!;
    const from = Date.parse(orders.earliest);
    const to = Date.parse(orders.latest);
    const startTime = new Date(from + (to - from) / 4).toISOString();
    const endTime = new Date(to - (to - from) / 4).toISOString();

    const req = await authorizationRequest(config, { scope: 'portability.orders', period: 'ONE_TIME', startTime, endTime });
    const back = await consent(req.url, true, 'consent-en.png');
    // The consent screen named the service, what it receives with the person's counts, for how long and which records.
    const tokens = await oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: req.verifier, expectedState: req.state });
    expect(tokens.access_token).toBeTruthy();
    // One-time: no refresh token.
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.scope).toBe('portability.orders');
    oneTimeAccess = tokens.access_token;

    // The person chose Azerbaijani: the archive the service receives is written in it (its texts, not its data).
    const chose = await gql(federation.gatewayUrl, 'mutation { setPreferences(language: "az") { language } }', {}, bearer(await subjectToken(PERSON)));
    expect(chose.errors).toBeUndefined();
    const started = await startJob(oneTimeAccess, {});
    await gql(federation.gatewayUrl, 'mutation { setPreferences(language: "en") { language } }', {}, bearer(await subjectToken(PERSON)));
    expect(started.status).toBe(201);
    expect(started.body.kinds).toEqual(expect.arrayContaining(['orders.order']));
    expect(started.body.kinds.every((k) => k.startsWith('orders.'))).toBe(true);
    expect(started.body.startTime).toBe(startTime);
    expect(started.body.endTime).toBe(endTime);
    oneTimeJob = await finished(oneTimeAccess, started.body.archiveJobId);
    expect(oneTimeJob.state).toBe('SUCCEEDED');
    expect(oneTimeJob.urls).toHaveLength(1);

    const file = join(downloads, 'one-time.zip');
    const dl = await download(oneTimeJob.urls[0]!, bearer(oneTimeAccess), file);
    expect(dl.status).toBe(200);
    const zip = await readZip(file);
    const dataFiles = [...zip.keys()].filter((n) => /^[a-z]+\/[\w.-]+\.json$/.test(n));
    expect(dataFiles.length).toBeGreaterThan(0);
    // Only the granted domain's kinds: no other domain's file, and no gateway record.
    expect(dataFiles.every((n) => n.startsWith('orders/'))).toBe(true);
    const manifest = JSON.parse(zip.get('manifest.json')!.toString('utf8')) as { domains: { domain: string }[]; language: string };
    expect(manifest.domains.map((d) => d.domain)).toEqual(['orders']);
    expect(manifest.language).toBe('az');
    expect(zip.get('index.html')!.toString('utf8')).toContain('<html lang="az">');
    const ordersFile = JSON.parse(zip.get('orders/order.json')!.toString('utf8')) as { records: { meta: { collectedAt: string; source: string } }[] };
    expect(ordersFile.records.length).toBeGreaterThan(0);
    // Only records inside the window; the person has records outside it, so the window cut some out.
    for (const r of ordersFile.records) {
      expect(Date.parse(r.meta.collectedAt)).toBeGreaterThanOrEqual(Date.parse(startTime));
      expect(Date.parse(r.meta.collectedAt)).toBeLessThanOrEqual(Date.parse(endTime));
      expect(['PROVIDED', 'COLLECTED']).toContain(r.meta.source);
    }
    expect(ordersFile.records.length).toBeLessThan(orders.count);

    // One-time: a second job under the same consent is refused.
    const again = await startJob(oneTimeAccess, {});
    expect(again.status).toBe(403);
    expect(again.body.error).toBe('access_denied');
    expect(again.headers.get('www-authenticate')).toContain('error="access_denied"');
  });

  it('shows the grant and what the service took in the person\'s own footprint and archive data', async () => {
    const res = await gql<{ me: { portability: { grants: { totalCount: number; nodes: { serviceName: string; kinds: string[]; period: string; windowStart: string; active: boolean; meta: { kind: string }; transfers: { records: number; state: string }[] }[] } } } }>(
      federation.gatewayUrl,
      '{ me { portability { grants { totalCount nodes { serviceName kinds period windowStart active meta { kind } transfers { records state } } } } } }',
      {},
      bearer(await subjectToken(PERSON)),
    );
    expect(res.errors).toBeUndefined();
    const grant = res.data!.me.portability.grants.nodes.find((g) => g.serviceName === 'Receiver Bank')!;
    expect(grant.meta.kind).toBe('gateway.portability_grant');
    expect(grant.period).toBe('ONE_TIME');
    expect(grant.transfers).toEqual([{ records: oneTimeJob.records, state: 'SUCCEEDED' }]);
    const audited = db.prepare("select operation, outcome from audit_log where person = ? and operation like 'portability%'").all(PERSON) as { operation: string; outcome: string }[];
    expect(audited.some((a) => a.operation.startsWith('portability grant') && a.outcome === 'granted')).toBe(true);
    expect(audited.some((a) => a.operation.startsWith('portability archive job') && a.outcome === 'started')).toBe(true);
    expect(audited.some((a) => a.operation.startsWith('portability download') && a.outcome === 'allowed')).toBe(true);

    // The person's own archive says who received their data.
    const own = bearer(await subjectToken(PERSON));
    const requested = await requestExport(federation.gatewayUrl, own);
    expect(requested.errors).toBeUndefined();
    const done = await waitForJob(federation.gatewayUrl, own, requested.data!.requestExport.id);
    expect(done.state).toBe('SUCCEEDED');
    const file = join(downloads, 'own.zip');
    expect((await download(done.archive!.url, own, file)).status).toBe(200);
    const archive = await readZip(file);
    // Under the Person field that leads to it (portability/), named by its kind.
    const name = [...archive.keys()].find((n) => n.endsWith('portability_grant.json'));
    expect(name).toBe('portability/gateway.portability_grant.json');
    const grants = JSON.parse(archive.get(name!)!.toString('utf8')) as { records: { serviceName: string; kinds: string[]; transfers: { records: number }[] }[] };
    const received = grants.records.find((r) => r.serviceName === 'Receiver Bank')!;
    expect(received.kinds).toContain('orders.order');
    expect(received.transfers[0]!.records).toBe(oneTimeJob.records);
  }, 120_000);

  /** Follows nothing: the authorisation endpoint's own answer (an error page, or a redirect back to the service). */
  async function authorizeRaw(url: URL): Promise<{ status: number; location: URL | null; body: { error?: string; error_description?: string } | null }> {
    const res = await fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    const text = await res.text();
    let body: { error?: string } | null = null;
    try {
      body = JSON.parse(text) as { error?: string };
    } catch {
      body = null;
    }
    return { status: res.status, location: location ? new URL(location, origin) : null, body };
  }

  it('refuses each standard error with its RFC code, transfers nothing and audits the attempt', async () => {
    const jobsBefore = exportJobsOf(PERSON);
    const transfersBefore = transfersOf(PERSON);
    const since = lastAuditId();

    // Unknown client (RFC 6749 §4.1.2.1: not redirected).
    const unknown = await authorizationRequest(config, { scope: 'portability.orders' });
    unknown.url.searchParams.set('client_id', 'svc_nobody');
    const u = await authorizeRaw(unknown.url);
    expect(u.status).toBe(400);
    expect(u.body?.error).toBe('invalid_client');
    // A browser is told in its own language, with the code.
    const page_ = await fetch(unknown.url, { headers: { accept: 'text/html', 'accept-language': 'az-AZ,az;q=0.9' } });
    expect(page_.status).toBe(400);
    expect(page_.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page_.text();
    expect(html).toContain('Sizi bura göndərən xidmət bizdə qeydiyyatda deyil.');
    expect(html).toContain('Xəta kodu: invalid_client');

    // A redirect URI that was not registered: not redirected either.
    const mismatch = await authorizationRequest(config, { scope: 'portability.orders' });
    mismatch.url.searchParams.set('redirect_uri', 'http://127.0.0.1:9/elsewhere');
    const m = await authorizeRaw(mismatch.url);
    expect(m.status).toBe(400);
    expect(m.body?.error).toBe('invalid_redirect_uri');

    // No PKCE (RFC 7636 §4.4.1): invalid_request, sent back to the service.
    const noPkce = oidc.buildAuthorizationUrl(config, { redirect_uri: callback.url, scope: 'portability.orders', state: 's1' });
    const n = await authorizeRaw(noPkce);
    expect(n.location?.href.startsWith(callback.url)).toBe(true);
    expect(n.location?.searchParams.get('error')).toBe('invalid_request');
    expect(n.location?.searchParams.get('error_description')).toMatch(/PKCE/);

    // A window that ends before it starts, and a bound that is not RFC 3339.
    const backwards = await authorizationRequest(config, { scope: 'portability.orders', startTime: '2025-06-01T00:00:00Z', endTime: '2025-01-01T00:00:00Z' });
    const b = await authorizeRaw(backwards.url);
    expect(b.location?.searchParams.get('error')).toBe('invalid_request');
    expect(b.location?.searchParams.get('error_description')).toBe('startTime must not be after endTime');
    const badTime = await authorizeRaw((await authorizationRequest(config, { scope: 'portability.orders', startTime: 'yesterday' })).url);
    expect(badTime.location?.searchParams.get('error')).toBe('invalid_request');
    const badPeriod = await authorizeRaw((await authorizationRequest(config, { scope: 'portability.orders', period: 'FOREVER' })).url);
    expect(badPeriod.location?.searchParams.get('error')).toBe('invalid_request');

    // A scope this server does not define.
    const s2 = await authorizeRaw((await authorizationRequest(config, { scope: 'portability.orders portability.ad_segments' })).url);
    expect(s2.location?.searchParams.get('error')).toBe('invalid_scope');

    // A wrong PKCE verifier (RFC 7636 §4.6): invalid_grant, and the code is not spent on it.
    const wrong = await authorizationRequest(config, { scope: 'portability.orders' });
    const wrongBack = await consent(wrong.url);
    const wrongErr = await oidc.authorizationCodeGrant(config, wrongBack, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: wrong.state }).catch((e: unknown) => e);
    expect(wrongErr).toBeInstanceOf(oidc.ResponseBodyError);
    expect((wrongErr as oidc.ResponseBodyError).error).toBe('invalid_grant');

    // A replayed code: the second exchange is invalid_grant, and what the first one issued is revoked with it.
    const replay = await authorizationRequest(config, { scope: 'portability.orders', period: 'DAYS_30' });
    const replayBack = await consent(replay.url);
    const first = await oidc.authorizationCodeGrant(config, replayBack, { pkceCodeVerifier: replay.verifier, expectedState: replay.state });
    const again = await oidc.authorizationCodeGrant(config, replayBack, { pkceCodeVerifier: replay.verifier, expectedState: replay.state }).catch((e: unknown) => e);
    expect((again as oidc.ResponseBodyError).error).toBe('invalid_grant');
    await expect.poll(async () => (await startJob(first.access_token, {})).status, { timeout: 5000 }).toBe(401);
    const refreshed = await oidc.refreshTokenGrant(config, first.refresh_token!).catch((e: unknown) => e);
    expect((refreshed as oidc.ResponseBodyError).error).toBe('invalid_grant');

    // A grant of orders only: another group is insufficient_scope; a backwards window at job start is invalid_request.
    const valid = await authorizationRequest(config, { scope: 'portability.orders', period: 'DAYS_30' });
    const validBack = await consent(valid.url);
    const tokens = await oidc.authorizationCodeGrant(config, validBack, { pkceCodeVerifier: valid.verifier, expectedState: valid.state });
    const ungranted = await startJob(tokens.access_token, { resources: ['portability.community'] });
    expect(ungranted.status).toBe(403);
    expect(ungranted.body.error).toBe('insufficient_scope');
    expect(ungranted.headers.get('www-authenticate')).toContain('scope="portability.community"');
    const window = await startJob(tokens.access_token, { startTime: '2025-06-01T00:00:00Z', endTime: '2025-01-01T00:00:00Z' });
    expect(window.status).toBe(400);
    expect(window.body.error).toBe('invalid_request');

    // Revoked by the service itself (RFC 7009): the token is refused at once, and introspection says inactive.
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    const revoked = await startJob(tokens.access_token, {});
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);

    // Nothing was transferred by any of it.
    expect(exportJobsOf(PERSON)).toBe(jobsBefore);
    expect(transfersOf(PERSON)).toBe(transfersBefore);
    // And every attempt is in the audit log.
    const rows = audit(since);
    const refused = (pattern: RegExp) => rows.filter((r) => r.outcome.startsWith('refused') && pattern.test(r.outcome));
    expect(refused(/invalid_client/).some((r) => r.actor === 'client:svc_nobody')).toBe(true);
    expect(refused(/invalid_redirect_uri/).length).toBeGreaterThan(0);
    expect(refused(/invalid_request \(.*PKCE/).length).toBeGreaterThan(0);
    expect(refused(/startTime must not be after endTime/).length).toBeGreaterThan(0);
    expect(refused(/invalid_scope/).length).toBeGreaterThan(0);
    expect(refused(/invalid_grant/).length).toBeGreaterThanOrEqual(2);
    expect(refused(/insufficient_scope/).some((r) => r.person === PERSON)).toBe(true);
    expect(refused(/invalid_token/).length).toBeGreaterThan(0);
    expect(rows.some((r) => r.outcome === 'revoked by the service')).toBe(true);
  });

  it('service tokens reach only the portability API, and only their own grant there', async () => {
    const req = await authorizationRequest(config, { scope: 'portability.community', period: 'DAYS_30' });
    const tokens = await oidc.authorizationCodeGrant(config, await consent(req.url), { pkceCodeVerifier: req.verifier, expectedState: req.state });
    // Not the person API, not the desk's operator fields, not the export download.
    const me = await gql(federation.gatewayUrl, '{ me { id } }', {}, bearer(tokens.access_token));
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const desk = await gql(federation.gatewayUrl, '{ privacyRequestQueue(first: 1) { totalCount } }', {}, bearer(tokens.access_token, { 'x-footprint-reason': 'x' }));
    expect(desk.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const other_ = await gql(federation.gatewayUrl, '{ person(id: "10000002") { id } }', {}, bearer(tokens.access_token));
    expect(other_.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await fetch(oneTimeJob.urls[0]!.replace('/portability/v1/archiveJobs/', '/exports/').replace('/archive.zip', '.zip'), { headers: bearer(tokens.access_token) })).status).toBe(403);
    // Another grant's job is not found; its link does not work with this token.
    expect((await job(tokens.access_token, oneTimeJob.archiveJobId)).status).toBe(404);
    expect((await fetch(oneTimeJob.urls[0]!, { headers: bearer(tokens.access_token) })).status).toBe(403);
    // A person's or an operator's token is not a service token.
    const person = await startJob(await subjectToken(PERSON), {});
    expect(person.status).toBe(401);
    expect(person.body.error).toBe('invalid_token');
    const noToken = await fetch(api('/archiveJobs'), { method: 'POST' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer realm="footprint-portability"');
    // Another client cannot use this client's refresh token (tokens are bound to the service).
    const otherConfig = await configFor(other);
    const stolen = await oidc.refreshTokenGrant(otherConfig, tokens.refresh_token!).catch((e: unknown) => e);
    expect((stolen as oidc.ResponseBodyError).error).toBe('invalid_grant');
    // Nor learn anything about it by introspection.
    expect((await oidc.tokenIntrospection(otherConfig, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
  });

  let periodTokens: oidc.TokenEndpointResponse;

  it('a period grant: its refresh token rotates, survives a gateway restart and works on a second gateway', async () => {
    const req = await authorizationRequest(config, { scope: 'portability.community', period: 'DAYS_30' });
    periodTokens = await oidc.authorizationCodeGrant(config, await consent(req.url), { pkceCodeVerifier: req.verifier, expectedState: req.state });
    expect(periodTokens.refresh_token).toBeTruthy();
    const intro = await oidc.tokenIntrospection(config, periodTokens.refresh_token!);
    expect(intro.active).toBe(true);
    // The refresh token ends with the 30-day period.
    expect(intro.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(29 * 86_400);
    expect(intro.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(30 * 86_400);

    await federation.restart('gateway');
    config = await configFor(service);
    const rotated = await oidc.refreshTokenGrant(config, periodTokens.refresh_token!);
    expect(rotated.refresh_token).not.toBe(periodTokens.refresh_token);
    expect((await startJob(rotated.access_token, { resources: ['community'] })).status).toBe(201);

    // A second gateway on the same store accepts what the first issued (shared keys and state).
    const second: Proc = await startGateway(dataDir, Object.fromEntries([...federation.subgraphs.values()].map((s) => [s.name, s.url])), { LOG_LEVEL: 'warn', FOOTPRINT_EXPORT_CONCURRENCY: '0', FOOTPRINT_CONSENT_SYNC_MS: '0' });
    try {
      const secondIssuer = `http://localhost:${second.port}/oauth`;
      const there = await configFor(service, secondIssuer);
      const next = await oidc.refreshTokenGrant(there, rotated.refresh_token!);
      const res = await fetch(`http://localhost:${second.port}/portability/v1/archiveJobs/00000000-0000-4000-8000-000000000000`, { headers: bearer(next.access_token) });
      expect(res.status).toBe(404);
      periodTokens = next;
    } finally {
      await second.kill();
    }
  });

  it('the person revokes in the privacy centre: within seconds its tokens are refused, its job stops and its links fail', async () => {
    const access = (await oidc.refreshTokenGrant(config, periodTokens.refresh_token!)) as oidc.TokenEndpointResponse;
    // A finished job (its link) and one still running when the person revokes.
    let done: JobView | null = null;
    await expect.poll(async () => {
      const list = db.prepare("select id, state from export_job where portability_grant is not null and state in ('QUEUED','RUNNING')").all() as { id: string }[];
      return list.length;
    }, { timeout: 90_000, interval: 250 }).toBe(0);
    const first = await startJob(access.access_token, { resources: ['community'] });
    expect(first.status).toBe(201);
    done = await finished(access.access_token, first.body.archiveJobId);
    expect(done.state).toBe('SUCCEEDED');
    const link = done.urls[0]!;
    expect((await fetch(link, { method: 'HEAD', headers: bearer(access.access_token) })).status).toBe(200);

    const privacy = await context.newPage();
    await privacy.goto(`${origin}/privacy`);
    await privacy.locator('body[data-ready="true"]').waitFor();
    if (await privacy.locator('#demo-button').isVisible()) await privacy.getByRole('button', { name: 'Sign in as the demo person' }).click();
    await privacy.getByRole('heading', { name: 'Connected services' }).waitFor();
    const button = privacy.locator('li.connected-service', { hasText: 'Receiver Bank' }).getByRole('button', { name: 'Revoke access for Receiver Bank' });
    await button.first().waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await privacy.screenshot({ path: join(ARTIFACTS, 'connected-services.png'), fullPage: true });

    const running = await startJob(access.access_token, { resources: ['community'] });
    expect(running.status).toBe(201);
    const stateOf = (id: string) => (db.prepare('select state from export_job where id = ?').get(id) as { state: string }).state;
    await expect.poll(() => stateOf(running.body.archiveJobId), { timeout: 30_000, interval: 50 }).toBe('RUNNING');
    const count = await button.count();
    const revokedAt = Date.now();
    for (let i = 0; i < count; i++) {
      await button.first().click();
      await privacy.waitForTimeout(300);
    }
    await expect.poll(async () => (await startJob(access.access_token, {})).status, { timeout: 5000, interval: 100 }).toBe(401);
    await expect.poll(async () => (await fetch(link, { headers: bearer(access.access_token) })).status, { timeout: 5000, interval: 100 }).toBe(401);
    await expect.poll(() => stateOf(running.body.archiveJobId), { timeout: 5000, interval: 100 }).toBe('CANCELLED');
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
    expect((await oidc.tokenIntrospection(config, access.access_token)).active).toBe(false);
    expect(((await oidc.refreshTokenGrant(config, access.refresh_token!).catch((e: unknown) => e)) as oidc.ResponseBodyError).error).toBe('invalid_grant');
    const grants = db.prepare("select revoked_by as revokedBy from portability_grant where person_id = ? and client_id = ? and period = 'DAYS_30' and revoked_at is not null").all(PERSON, service.clientId) as { revokedBy: string }[];
    expect(grants.some((g) => g.revokedBy === 'PERSON')).toBe(true);
    expect(audit(0).some((r) => r.actor === PERSON && /^portability revoke grant/.test(r.operation) && r.outcome.startsWith('revoked'))).toBe(true);
    await privacy.close();
  });

  it('speaks Azerbaijani to a person whose browser asks for it, and a refusal is sent back as access_denied', async () => {
    const az = await browser.newContext({ locale: 'az-AZ', viewport: { width: 1100, height: 900 } });
    const p = await az.newPage();
    try {
      const req = await authorizationRequest(config, { scope: 'portability.orders', period: 'DAYS_180', startTime: '2024-01-01T00:00:00Z' });
      await p.goto(req.url.href);
      await p.locator('body[data-ready="true"]').waitFor();
      await p.getByRole('button', { name: 'Demo istifadəçi kimi daxil olun' }).click();
      await p.locator('#approve').waitFor();
      expect(await p.locator('h1').textContent()).toBe('Məlumatlarınızın surətini Receiver Bank xidmətinə göndərin');
      expect(await p.locator('#period').textContent()).toMatch(/^180 gün: xidmət .+ tarixinədək yeni surətlər götürə bilər\.$/);
      expect(await p.locator('#window').textContent()).toMatch(/^Yalnız .+ tarixindən sonra toplanmış qeydlər\.$/);
      // The kind by the data map's Azerbaijani title (the catalogue's), not the schema's English one.
      const orderTitle = createTranslator('az').t('datamap.kind.orders.order.title');
      expect(await p.locator('li[data-kind="orders.order"]').textContent()).toMatch(new RegExp(`^${orderTitle}: \\d+ qeyd$`));
      mkdirSync(ARTIFACTS, { recursive: true });
      await p.screenshot({ path: join(ARTIFACTS, 'consent-az.png'), fullPage: true });
      const since = lastAuditId();
      await p.getByRole('button', { name: 'İcazə verməyin' }).click();
      await p.waitForURL((u) => u.href.startsWith(callback.url));
      const back = new URL(p.url());
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(audit(since).some((r) => r.actor === PERSON && r.outcome === 'refused by the person')).toBe(true);
    } finally {
      await az.close();
    }
  });
});
