import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, insertRecords, migrateRightsTables, PROCESS_SCOPE, RESTRICT_SCOPE, type RightsTables } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { PushDB } from '../src/store.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/engine.js';
import { requires } from '../../../test/support/requires.js';

await requires('postgres');

/**
 * One consent state and a trigger for each processing activity, on SQLite and
 * PostgreSQL: a withdrawal and a consent given again are appended to the
 * domain's consent ledger (never overwritten, the history kept as proof), a
 * marketing push run from outside (_runProcessing, over HTTP with the
 * gateway's credential) is refused while consent is withdrawn and sent again
 * once it is given, and the refusals are counted on /metrics.
 */
const [ME, OTHER] = ['38000001', '38000002'];

describe.each(['sqlite', 'postgres'] as const)('push consent ledger and processing triggers (%s)', (engine) => {
  let database: TestDatabase | null = null;
  let sg: TestSubgraph<PushDB>;
  const campaign = new Map<string, string>();
  beforeAll(async () => {
    if (engine === 'postgres') {
      database = await createTestDatabase('push_consent');
      process.env.FOOTPRINT_PUSH_DATABASE_URL = database.url;
    }
    try {
      sg = await startTestSubgraph(subgraph.createServer, seed, [ME, OTHER].map((id) => ({ id, scale: 2 })));
    } finally {
      delete process.env.FOOTPRINT_PUSH_DATABASE_URL;
    }
    expect(sg.store.dialect).toBe(engine);
    // Both opted in to marketing by push on their phone; a campaign goes to an app each has registered.
    const now = new Date().toISOString();
    for (const person of [ME, OTHER]) {
      await insertRecords(sg.store.db, 'marketingChoice', [{ personId: person, collectedAt: now, region: 'AZ', source: null, optedIn: 1, channel: 'PUSH', at: now }]);
      const app = await sg.store.db.selectFrom('registration').select('appPackage').where('personId', '=', person).orderBy('id').limit(1).executeTakeFirstOrThrow();
      campaign.set(person, JSON.stringify({ appPackage: app.appPackage, title: 'Endirim', body: 'Yeni təkliflər' }));
    }
  });
  afterAll(async () => {
    await sg?.close();
    await database?.drop();
  });

  const call = async <T>(person: string, query: string, variables: Record<string, unknown> = {}, scopes = [RESTRICT_SCOPE, PROCESS_SCOPE]) =>
    postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes, actorType: 'job', actor: 'campaign-scheduler' }) });
  type Run = { _runProcessing: { domain: string; activity: string; done: number; refusal: string | null; reason: string | null } };
  const run = (person: string, activity: string, input: string | null = null) =>
    call<Run>(person, 'mutation($a: String!, $i: String) { _runProcessing(activity: $a, input: $i) { domain activity done refusal reason } }', { a: activity, i: input });
  const refusals = async () => ((await (await fetch(sg.url.replace('/graphql', '/metrics'))).json()) as { processingRefusals: Record<string, Record<string, number>> }).processingRefusals;

  it('refuses a marketing push while consent is withdrawn and sends it again once consent is given, keeping every change', async () => {
    const before = (await run(ME, 'marketingNotification', campaign.get(ME)!)).data!._runProcessing;
    expect(before).toMatchObject({ domain: 'push', activity: 'marketingNotification', refusal: null });
    expect(before.done).toBeGreaterThan(0);

    expect((await call(ME, 'mutation { _withdrawConsent(purpose: MARKETING) { domain } }')).errors).toBeUndefined();
    const refused = (await run(ME, 'marketingNotification', campaign.get(ME)!)).data!._runProcessing;
    expect(refused).toMatchObject({ done: 0, refusal: 'CONSENT_WITHDRAWN' });
    // Someone else's consent is theirs.
    expect((await run(OTHER, 'marketingNotification', campaign.get(OTHER)!)).data!._runProcessing.refusal).toBeNull();

    // Giving it again is one call, as withdrawing is (Art. 7(3)).
    type State = { withdrawnConsents: string[]; consentHistory: { purpose: string; granted: boolean; channel: string }[] };
    const given = await call<{ _giveConsent: State }>(ME, 'mutation { _giveConsent(purpose: MARKETING) { withdrawnConsents consentHistory { purpose granted channel } } }');
    expect(given.errors).toBeUndefined();
    expect(given.data!._giveConsent.withdrawnConsents).toEqual([]);
    // The history is the proof (Art. 7(1)): both changes, in order; a repeat appends nothing.
    expect(given.data!._giveConsent.consentHistory).toEqual([
      { purpose: 'MARKETING', granted: false, channel: 'privacy centre' },
      { purpose: 'MARKETING', granted: true, channel: 'privacy centre' },
    ]);
    expect((await call<{ _giveConsent: State }>(ME, 'mutation { _giveConsent(purpose: MARKETING) { consentHistory { granted } } }')).data!._giveConsent.consentHistory).toHaveLength(2);
    const again = (await run(ME, 'marketingNotification', campaign.get(ME)!)).data!._runProcessing;
    expect(again).toMatchObject({ refusal: null, done: before.done });

    // Appended, never overwritten: the store refuses a change to the ledger.
    const ledger = sg.store.db.withTables<RightsTables>();
    await expect(ledger.updateTable('consentChange').set({ granted: 1 }).where('personId', '=', ME).execute()).rejects.toThrow(/append-only/);
    await expect(ledger.deleteFrom('consentChange').where('personId', '=', ME).execute()).rejects.toThrow(/append-only/);

    expect((await refusals()).marketingNotification).toEqual({ CONSENT_WITHDRAWN: 1 });
  });

  it('shows an objection and a restriction from outside, counted per code', async () => {
    expect((await call(OTHER, 'mutation { _object(purpose: AD_PROFILING) { domain } }')).errors).toBeUndefined();
    expect((await run(OTHER, 'adSegmentation')).data!._runProcessing).toMatchObject({ done: 0, refusal: 'OBJECTED' });
    expect((await call(OTHER, 'mutation { _restrict(kinds: ["push.registration"], reason: "disputed") { domain } }')).errors).toBeUndefined();
    expect((await run(OTHER, 'serviceNotification', campaign.get(OTHER)!)).data!._runProcessing).toMatchObject({ done: 0, refusal: 'RESTRICTED' });
    const counted = await refusals();
    expect(counted.adSegmentation).toEqual({ OBJECTED: 1 });
    expect(counted.serviceNotification).toEqual({ RESTRICTED: 1 });
  });

  it('refuses a trigger without the processing scope, for an unknown activity, or with bad input', async () => {
    const noScope = await call(ME, 'mutation { _runProcessing(activity: "adSegmentation") { done } }', {}, [RESTRICT_SCOPE]);
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await run(ME, 'mindReading');
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0]?.message).toMatch(/no processing activity mindReading.*marketingNotification/);
    const bad = await run(ME, 'marketingNotification', '{"title": 5}');
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await run(ME, 'marketingNotification', 'not json')).errors?.[0]?.message).toMatch(/input is not JSON/);
  });

  it('moves the withdrawals recorded before the ledger existed into it (rights migration 004): they still refuse', async () => {
    const db = sg.store.db;
    // The store as the previous release left it: no ledger (nor what came after it), a withdrawal recorded as a processing stop.
    await sql`drop table consent_change`.execute(db);
    await sql`drop table erasure_receipt_file`.execute(db);
    await sql`delete from kit_rights_migration where name in ('004_consent_ledger', '005_erasure_receipt_files')`.execute(db);
    await sql`insert into processing_stop (person_id, type, purpose, reason, at, actor, request_id) values (${ME}, 'CONSENT_WITHDRAWN', 'MARKETING', null, '2026-10-09T08:00:00.000Z', 'rights-job', 'r-1')`.execute(db);
    await migrateRightsTables(db, 'push');
    expect((await run(ME, 'marketingNotification', campaign.get(ME)!)).data!._runProcessing.refusal).toBe('CONSENT_WITHDRAWN');
    const state = await call<{ _processingState: { withdrawnConsents: string[]; consentHistory: { at: string; granted: boolean }[] } }>(ME, '{ _processingState { withdrawnConsents consentHistory { at granted } } }');
    expect(state.data!._processingState).toEqual({ withdrawnConsents: ['MARKETING'], consentHistory: [{ at: '2026-10-09T08:00:00.000Z', granted: false }] });
    const stops = await db.withTables<RightsTables>().selectFrom('processingStop').select('type').where('type', '=', 'CONSENT_WITHDRAWN').execute();
    expect(stops).toEqual([]);
  });
});
