import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createLogger, CREDENTIAL_HEADER, PROCESS_SCOPE, RESTRICT_SCOPE } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph as accountSubgraph } from '@footprint/subgraph-account';
import { seed as seedAccount } from '@footprint/subgraph-account/seed';
import { subgraph as pushSubgraph } from '@footprint/subgraph-push';
import { seed as seedPush } from '@footprint/subgraph-push/seed';
import type { PushDB } from '@footprint/subgraph-push/store';
import { subgraph as communitySubgraph } from '@footprint/subgraph-community';
import { seed as seedCommunity } from '@footprint/subgraph-community/seed';
import { openGatewayStore, type GatewayStore } from '../../gateway/src/auth/audit.js';
import { DomainCircuits } from '../../gateway/src/circuit.js';
import { codeLimitMigrations } from '../../gateway/src/codes/limits.js';
import { loadGatewayConfig } from '../../gateway/src/config.js';
import { DomainClient } from '../../gateway/src/domains/client.js';
import { rightsFeature, giveConsent, syncConsent } from '../../gateway/src/rights/index.js';
import { consentSyncMigrations } from '../../gateway/src/rights/consent-sync.js';
import { rightsMigrations } from '../../gateway/src/rights/store.js';
import { isolateStores } from '../support/engine.js';

/**
 * One consent state across domains, through real HTTP between the gateway's
 * rights feature and the account, push and community subgraphs (on SQLite, and
 * on PostgreSQL under npm run test:pg). Demo person 10000001 withdrew marketing
 * consent in the app's settings before the rights existed: only the account's
 * consent records say so. Once the gateway's consent sync has run, a marketing
 * push (push) and a promotion invitation (community), each run from outside
 * through its trigger, are refused; giving consent again through the gateway
 * lets both run, and every domain keeps the history. What was kept only until
 * the withdrawal (the advertising IDs) is erased as a withdrawal erases it.
 */

const PERSON = '10000001';
const OTHER = '10000003';

let account: TestSubgraph<unknown>;
let push: TestSubgraph<PushDB>;
let community: TestSubgraph<unknown>;
let dataDir: string;
let store: GatewayStore;
let restoreStores: () => Promise<void>;
let campaign: string;

type Run = { _runProcessing: { done: number; refusal: string | null } };
type State = { _processingState: { withdrawnConsents: string[]; consentHistory: { purpose: string; granted: boolean; at: string; channel: string }[] } };

async function call<T>(sg: TestSubgraph<unknown>, person: string, query: string, variables: Record<string, unknown> = {}) {
  const r = await postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes: [RESTRICT_SCOPE, PROCESS_SCOPE], actorType: 'job', actor: 'campaign-scheduler' }) });
  expect(r.errors).toBeUndefined();
  return r.data!;
}
const run = async (sg: TestSubgraph<unknown>, person: string, activity: string, input: string | null = null) =>
  (await call<Run>(sg, person, 'mutation($a: String!, $i: String) { _runProcessing(activity: $a, input: $i) { done refusal } }', { a: activity, i: input }))._runProcessing;
const stateIn = async (sg: TestSubgraph<unknown>, person: string) =>
  (await call<State>(sg, person, '{ _processingState { withdrawnConsents consentHistory { purpose granted at channel } } }'))._processingState;
const marketingPush = (person: string) => run(push as TestSubgraph<unknown>, person, 'marketingNotification', campaign);

beforeAll(async () => {
  restoreStores = await isolateStores('consent_sync');
  const people = [PERSON, OTHER].map((id) => ({ id, scale: 1 }));
  account = (await startTestSubgraph(accountSubgraph.createServer, seedAccount, people)) as TestSubgraph<unknown>;
  push = await startTestSubgraph(pushSubgraph.createServer, seedPush, people);
  community = (await startTestSubgraph(communitySubgraph.createServer, seedCommunity, people)) as TestSubgraph<unknown>;
  // Opted in to marketing by push; the campaign goes to an app the person registered.
  const now = new Date().toISOString();
  for (const person of [PERSON, OTHER]) {
    await sql`insert into marketing_choice (person_id, collected_at, region, source, opted_in, channel, at) values (${person}, ${now}, 'AZ', null, 1, 'PUSH', ${now})`.execute(push.store.db);
  }
  const app = await push.store.db.selectFrom('registration').select('appPackage').where('personId', '=', PERSON).orderBy('id').limit(1).executeTakeFirstOrThrow();
  campaign = JSON.stringify({ appPackage: app.appPackage, title: 'Endirim', body: 'Yeni təkliflər' });

  dataDir = mkdtempSync(join(tmpdir(), 'footprint-consent-sync-'));
  const config = loadGatewayConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  store = openGatewayStore(dataDir, { ...codeLimitMigrations, ...rightsMigrations, ...consentSyncMigrations });
  await store.migrate();
  const urls = { account: account.url, push: push.url, community: community.url };
  const logger = createLogger('gateway', 'silent');
  const circuits = new DomainCircuits(urls, { failureThreshold: 100, openMs: 1000, maxOpenMs: 1000, probeTimeoutMs: 500 }, logger);
  // The rights feature as the gateway creates it; its loop is not started: the test runs the sync when it wants it.
  await rightsFeature.create({
    config,
    store,
    logger,
    supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
    subgraphUrls: urls,
    circuits,
    domains: new DomainClient({ urls, internalSecret: account.config.internalSecret, timeoutMs: 5000, circuits }),
    gatewayUrl: () => 'http://127.0.0.1:1/graphql',
  });
});

afterAll(async () => {
  await store?.close();
  await Promise.all([account?.close(), push?.close(), community?.close()]);
  await restoreStores?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('one consent state across domains', () => {
  it('refuses a marketing push and a promotion invitation once the account’s settings withdrawal has reached every domain, and lets both run again when consent is given', async () => {
    // The account's own records say withdrawn (the app's settings, before the rights); the other ledgers know nothing yet.
    const accountBefore = await stateIn(account, PERSON);
    expect(accountBefore.withdrawnConsents).toContain('MARKETING');
    const settings = accountBefore.consentHistory.filter((c) => c.purpose === 'MARKETING').at(-1)!;
    expect(settings).toMatchObject({ granted: false });
    expect((await stateIn(push as TestSubgraph<unknown>, PERSON)).withdrawnConsents).toEqual([]);
    const adIds = async () => (await push.store.db.selectFrom('adId').select('id').where('personId', '=', PERSON).execute()).length;
    expect(await adIds()).toBeGreaterThan(0);

    const first = await syncConsent();

    // Every processing check now reads the one state.
    expect(await marketingPush(PERSON)).toMatchObject({ done: 0, refusal: 'CONSENT_WITHDRAWN' });
    expect(await run(community, PERSON, 'promotionInvitation')).toMatchObject({ done: 0, refusal: 'CONSENT_WITHDRAWN' });
    expect(first.failed).toEqual([]);
    expect(first.read).toBeGreaterThan(0);
    // As a withdrawal through the rights does, it erases what was kept only until it (push.advertising_id: UNTIL_WITHDRAWN).
    expect(await adIds()).toBe(0);
    // The mirrored change keeps the record's own time and channel.
    for (const sg of [push as TestSubgraph<unknown>, community]) {
      const s = await stateIn(sg, PERSON);
      expect(s.withdrawnConsents).toEqual(['MARKETING']);
      expect(s.consentHistory).toEqual([{ purpose: 'MARKETING', granted: false, at: settings.at, channel: settings.channel }]);
    }

    // Idempotent: nothing new is read from the cursor on, and a repeated run changes nothing.
    expect(await syncConsent()).toEqual({ read: 0, applied: 0, failed: [] });

    // Giving consent again is one call through the gateway (Art. 7(3)); the account records it, and the sync agrees.
    const requester = { actor: PERSON, actorType: 'subject' as const, requestId: 'give-1', reason: null, log: createLogger('gateway', 'silent') };
    const after = await giveConsent(PERSON, requester, { purpose: 'MARKETING' });
    expect(after.withdrawnConsents).toEqual([]);
    expect((await syncConsent()).failed).toEqual([]);
    expect((await marketingPush(PERSON)).refusal).toBeNull();
    expect(await run(community, PERSON, 'promotionInvitation')).toMatchObject({ refusal: null, done: 1 });
    // The history is kept as proof (Art. 7(1)): the withdrawal from the settings, then consent given in the privacy centre.
    for (const sg of [push as TestSubgraph<unknown>, community]) {
      expect((await stateIn(sg, PERSON)).consentHistory.map((c) => [c.granted, c.channel])).toEqual([
        [false, settings.channel],
        [true, 'privacy centre'],
      ]);
    }
    const accountAfter = (await stateIn(account, PERSON)).consentHistory.filter((c) => c.purpose === 'MARKETING');
    expect(accountAfter.length).toBe(accountBefore.consentHistory.filter((c) => c.purpose === 'MARKETING').length + 1);
    expect(accountAfter.at(-1)).toMatchObject({ granted: true });
  });

  it('refuses the consent feed to a credential without its scope', async () => {
    const r = await postGraphQL(account.url, '{ _consentChanges { cursor } }', {}, { [CREDENTIAL_HEADER]: await account.credential(null, { scopes: [RESTRICT_SCOPE] }) });
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
