import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, insertRecords, RESTRICT_SCOPE, type RightsEngine, type RightsTables } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { buildAdSegments, sendNotification, type PushProcessor } from '../src/processing.js';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { tables, type PushDB } from '../src/store.js';

/**
 * Erasure, restriction, objection and consent withdrawal in the push domain,
 * through the kit's internal fields over real HTTP and a real SQLite store,
 * and the domain's processing (sending notifications, building ad segments)
 * driven directly: the rights change what it does.
 */
const [ERASED, RESTRICTED, AD_OBJECTOR, MARKETING_OBJECTOR, WITHDRAWER, BYSTANDER, HEAVY, RACER] = ['31000001', '31000002', '31000003', '31000004', '31000005', '31000006', '31000007', '31000008'];

let sg: TestSubgraph<PushDB>;
let push: PushProcessor;
beforeAll(async () => {
  sg = await startTestSubgraph(
    subgraph.createServer,
    seed,
    [...[ERASED, RESTRICTED, AD_OBJECTOR, MARKETING_OBJECTOR, WITHDRAWER, BYSTANDER, RACER].map((id) => ({ id, scale: 3 })), { id: HEAVY, scale: 60 }],
  );
  push = { store: sg.store, rights: sg.subgraph.rights as RightsEngine };
});
afterAll(() => sg.close());

async function call<T>(person: string, query: string, variables: Record<string, unknown> = {}, scopes: string[] = [ERASE_SCOPE, RESTRICT_SCOPE]) {
  return postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes, actorType: 'job', actor: 'rights-job' }) });
}

/** Every table's rows per person, straight from the store. */
async function counts(person: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of Object.values(tables.kinds)) {
    const r = await sg.store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('personId', '=', person)
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

interface Receipt {
  domain: string;
  requestId: string;
  replayed: boolean;
  kinds: { kind: string; action: string; deleted: number; anonymized: number; retained: number; noticesRecorded: number; fields: string[] }[];
}
const ERASE = `mutation($id: ID!, $kinds: [String!]) { _erase(requestId: $id, kinds: $kinds, reason: "test") { domain requestId replayed erasedAt kinds { kind action deleted anonymized retained fields ground retainedUntil noticesRecorded } } }`;
const STATE = 'domain restrictions { kind recordId ground reason until } objections withdrawnConsents';

describe('push: rights', () => {
  it('refuses every rights call without the scope, and without a person', async () => {
    const noScope = await call(ERASED, ERASE, { id: 'r-0' }, [RESTRICT_SCOPE]);
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(noScope.errors?.[0]?.message).toContain(ERASE_SCOPE);
    const noRestrict = await call(ERASED, `mutation { _restrict(kinds: ["push.notification"], reason: "x") { domain } }`, {}, [ERASE_SCOPE]);
    expect(noRestrict.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noPerson = await postGraphQL(sg.url, ERASE, { id: 'r-0' }, { [CREDENTIAL_HEADER]: await sg.credential(null, { scopes: [ERASE_SCOPE] }) });
    expect(noPerson.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await counts(ERASED)).not.toEqual(Object.fromEntries(Object.values(tables.kinds).map((t) => [t, 0])));
  });

  it('erases every kind of the person in batched statements, leaves everyone else alone, records Art. 19 notices and replays', async () => {
    const before = await counts(ERASED);
    const bystander = await counts(BYSTANDER);
    const statements = sg.store.statements;
    const res = await call<{ _erase: Receipt }>(ERASED, ERASE, { id: 'erase-1' });
    const light = sg.store.statements - statements;
    expect(res.errors).toBeUndefined();
    const receipt = res.data!._erase;
    expect(receipt.replayed).toBe(false);
    expect(receipt.kinds.map((k) => k.kind).sort()).toEqual([...sg.subgraph.kinds.map((k) => k.kind)].sort());
    for (const k of receipt.kinds) {
      const table = tables.kinds[sg.subgraph.kinds.find((m) => m.kind === k.kind)!.typename as keyof typeof tables.kinds];
      expect(k.action).toBe('DELETE');
      expect(k.deleted, k.kind).toBe(before[table]);
      expect(k.retained + k.anonymized).toBe(0);
    }
    expect(await counts(ERASED)).toEqual(Object.fromEntries(Object.values(tables.kinds).map((t) => [t, 0])));
    expect(await counts(BYSTANDER)).toEqual(bystander);
    // Set-based: a heavy person takes the same statements as a light one, not one per record.
    const heavyBefore = await counts(HEAVY);
    const heavyStatements = sg.store.statements;
    const heavy = await call<{ _erase: Receipt }>(HEAVY, ERASE, { id: 'erase-heavy' });
    expect(heavy.errors).toBeUndefined();
    expect(sg.store.statements - heavyStatements).toBe(light);
    expect(Object.values(heavyBefore).reduce((a, b) => a + b, 0)).toBeGreaterThan(10 * Object.values(before).reduce((a, b) => a + b, 0));
    expect(heavy.data!._erase.kinds.reduce((a, k) => a + k.deleted, 0)).toBe(Object.values(heavyBefore).reduce((a, b) => a + b, 0));

    // Art. 19: one notice per recipient of each erased kind that had recipients.
    const notices = await sg.store.db.withTables<Pick<RightsTables, 'rightsNotice'>>().selectFrom('rightsNotice').select(['kind', 'recipient', 'action', 'state']).where('personId', '=', ERASED).execute();
    const expected = receipt.kinds.flatMap((k) => (k.deleted > 0 ? (sg.subgraph.kinds.find((m) => m.kind === k.kind)!.recipients.map((r) => `${k.kind}>${r}`)) : []));
    expect(notices.map((n) => `${n.kind}>${n.recipient}`).sort()).toEqual(expected.sort());
    expect(notices.every((n) => n.action === 'ERASED' && n.state === 'PENDING')).toBe(true);
    expect(receipt.kinds.reduce((a, k) => a + k.noticesRecorded, 0)).toBe(notices.length);

    // Discovery after erasure says what the receipt says remains: nothing.
    const disc = await sg.entities(ERASED, 'push { discovery { kinds { kind count } } }');
    const kinds = (disc.data!._entities[0] as { push: { discovery: { kinds: { kind: string; count: number }[] } } }).push.discovery.kinds;
    for (const k of kinds) expect(k.count).toBe(receipt.kinds.find((r) => r.kind === k.kind)!.retained + receipt.kinds.find((r) => r.kind === k.kind)!.anonymized);

    const again = await call<{ _erase: Receipt }>(ERASED, ERASE, { id: 'erase-1' });
    expect(again.data!._erase.replayed).toBe(true);
    expect(again.data!._erase.kinds).toEqual(receipt.kinds);
    const stolen = await call(BYSTANDER, ERASE, { id: 'erase-1' });
    expect(stolen.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await counts(BYSTANDER)).toEqual(bystander);
  });

  it('runs a request sent twice at once only once: one receipt per kind, the same for both', async () => {
    const before = await counts(RACER);
    const [a, b] = await Promise.all([call<{ _erase: Receipt }>(RACER, ERASE, { id: 'race-1' }), call<{ _erase: Receipt }>(RACER, ERASE, { id: 'race-1' })]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data!._erase.kinds).toEqual(b.data!._erase.kinds);
    expect(a.data!._erase.kinds.reduce((n, k) => n + k.deleted, 0)).toBe(Object.values(before).reduce((x, y) => x + y, 0));
    const receipts = await sg.store.db.withTables<Pick<RightsTables, 'erasureReceipt'>>().selectFrom('erasureReceipt').select('kind').where('requestId', '=', 'race-1').execute();
    expect(receipts).toHaveLength(a.data!._erase.kinds.length);
  });

  it('refuses an unknown kind of its own and ignores kinds of other domains', async () => {
    const bad = await call(RESTRICTED, ERASE, { id: 'erase-bad', kinds: ['push.nope'] });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const other = await call<{ _erase: Receipt }>(RESTRICTED, ERASE, { id: 'erase-other', kinds: ['orders.order'] });
    expect(other.errors).toBeUndefined();
    expect(other.data!._erase.kinds).toEqual([]);
  });

  it('restricts a kind: records show it, sending stops, a past end is refused, lifting restores', async () => {
    const past = await call(RESTRICTED, `mutation { _restrict(kinds: ["push.notification"], reason: "x", until: "2020-01-01T00:00:00Z") { domain } }`);
    expect(past.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const hold = await call(RESTRICTED, `mutation { _restrict(kinds: ["push.notification"], reason: "x", ground: "LEGAL_HOLD") { domain } }`);
    expect(hold.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const badGround = await call(RESTRICTED, `mutation { _restrict(kinds: ["push.notification"], reason: "x", ground: "WHIM") { domain } }`);
    expect(badGround.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const service = { category: 'SERVICE' as const, appPackage: 'com.miui.cloudservice', title: 'Sinxronizasiya', body: 'Tamamlandı' };
    const reg = await sg.store.db.selectFrom('registration').select('appPackage').where('personId', '=', RESTRICTED).executeTakeFirstOrThrow();
    service.appPackage = reg.appPackage;
    expect((await sendNotification(push, RESTRICTED, service)).sent).toBeGreaterThan(0);

    const r = await call<{ _restrict: { restrictions: { kind: string; ground: string; until: string | null }[] } }>(
      RESTRICTED,
      `mutation { _restrict(kinds: ["push.notification"], reason: "I dispute how these are used", until: "2099-01-01T00:00:00Z") { ${STATE} } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!._restrict.restrictions).toEqual([expect.objectContaining({ kind: 'push.notification', ground: 'PERSON_REQUEST', until: '2099-01-01T00:00:00.000Z' })]);
    // Art. 19: the push provider, a recipient of notifications, is told of the restriction.
    const told = await sg.store.db.withTables<Pick<RightsTables, 'rightsNotice'>>().selectFrom('rightsNotice').select(['kind', 'recipient', 'action']).where('personId', '=', RESTRICTED).execute();
    expect(told).toEqual([{ kind: 'push.notification', recipient: 'PUSH_PROVIDER', action: 'RESTRICTED' }]);
    const page = await sg.entities(RESTRICTED, 'push { notifications(first: 3) { nodes { meta { restricted restriction { ground reason until since } } } } registrations(first: 1) { nodes { meta { restricted restriction { ground } } } } }');
    const p = (page.data!._entities[0] as { push: { notifications: { nodes: { meta: { restricted: boolean; restriction: { ground: string; reason: string } | null } }[] }; registrations: { nodes: { meta: { restricted: boolean } }[] } } }).push;
    expect(p.notifications.nodes.length).toBeGreaterThan(0);
    for (const n of p.notifications.nodes) expect(n.meta).toMatchObject({ restricted: true, restriction: { ground: 'PERSON_REQUEST', reason: 'I dispute how these are used' } });
    expect(p.registrations.nodes[0]!.meta.restricted).toBe(false);

    const before = await counts(RESTRICTED);
    const refused = await sendNotification(push, RESTRICTED, service);
    expect(refused).toMatchObject({ sent: 0, refused: { code: 'RESTRICTED' } });
    expect(await counts(RESTRICTED)).toEqual(before);

    const lifted = await call<{ _liftRestriction: { restrictions: unknown[] } }>(RESTRICTED, `mutation { _liftRestriction(kinds: ["push.notification"]) { ${STATE} } }`);
    expect(lifted.data!._liftRestriction.restrictions).toEqual([]);
    expect((await sendNotification(push, RESTRICTED, service)).sent).toBeGreaterThan(0);
  });

  it('objection to ad profiling erases the ad segments, records the objection and stops new segments', async () => {
    // Give the person an advertising ID that allows tracking, so only the objection can stop segmentation.
    await sg.store.db.updateTable('adId').set({ limitAdTracking: 0 }).where('personId', '=', AD_OBJECTOR).execute();
    const built = await buildAdSegments(push, AD_OBJECTOR);
    expect(built.refused).toBeNull();
    const before = await counts(AD_OBJECTOR);
    expect(before.adSegment).toBeGreaterThan(0);
    const bystander = await counts(BYSTANDER);

    const res = await call<{ _object: { objections: string[] } }>(AD_OBJECTOR, `mutation { _object(purpose: AD_PROFILING, reason: "no profiling") { ${STATE} } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!._object.objections).toEqual(['AD_PROFILING']);
    const after = await counts(AD_OBJECTOR);
    expect(after.adSegment).toBe(0);
    expect(after.profilingObjection).toBe(before.profilingObjection + 1);
    const latest = await sg.store.db.selectFrom('profilingObjection').selectAll().where('personId', '=', AD_OBJECTOR).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(latest.objected).toBe(1);

    expect(await buildAdSegments(push, AD_OBJECTOR)).toMatchObject({ placed: [], refused: { code: 'OBJECTED' } });
    expect((await counts(AD_OBJECTOR)).adSegment).toBe(0);
    expect(await counts(BYSTANDER)).toEqual(bystander);
    // A repeat is a no-op: one objection, one record.
    await call(AD_OBJECTOR, `mutation { _object(purpose: AD_PROFILING) { domain } }`);
    expect((await counts(AD_OBJECTOR)).profilingObjection).toBe(after.profilingObjection);
  });

  it('objection to direct marketing opts out of every channel and stops marketing notices, not service notices', async () => {
    const reg = await sg.store.db.selectFrom('registration').select('appPackage').where('personId', '=', MARKETING_OBJECTOR).executeTakeFirstOrThrow();
    await insertRecords(sg.store.db, 'marketingChoice', [{ personId: MARKETING_OBJECTOR, collectedAt: new Date().toISOString(), region: 'NETHERLANDS', source: null, optedIn: 1, channel: 'PUSH', at: new Date().toISOString() }]);
    const promo = { category: 'MARKETING' as const, appPackage: reg.appPackage, title: 'Endirim', body: 'Bu gün 20% endirim' };
    expect((await sendNotification(push, MARKETING_OBJECTOR, promo)).sent).toBeGreaterThan(0);

    const res = await call<{ _object: { objections: string[] } }>(MARKETING_OBJECTOR, `mutation { _object(purpose: DIRECT_MARKETING) { ${STATE} } }`);
    expect(res.data!._object.objections).toEqual(['DIRECT_MARKETING']);
    expect(await sendNotification(push, MARKETING_OBJECTOR, promo)).toMatchObject({ sent: 0, refused: { code: 'OBJECTED' } });
    const latest = await sg.store.db.selectFrom('marketingChoice').select(['channel', 'optedIn']).where('personId', '=', MARKETING_OBJECTOR).orderBy('id', 'desc').limit(3).execute();
    expect(latest.map((c) => c.channel).sort()).toEqual(['IN_APP', 'LOCK_SCREEN', 'PUSH']);
    expect(latest.every((c) => c.optedIn === 0)).toBe(true);
    expect((await sendNotification(push, MARKETING_OBJECTOR, { ...promo, category: 'SERVICE' })).sent).toBeGreaterThan(0);
  });

  it('withdrawing consent to personalisation erases what was kept until withdrawal and stops segmentation', async () => {
    await sg.store.db.updateTable('adId').set({ limitAdTracking: 0 }).where('personId', '=', WITHDRAWER).execute();
    const before = await counts(WITHDRAWER);
    expect(before.adId).toBeGreaterThan(0);
    const res = await call<{ _withdrawConsent: { withdrawnConsents: string[] } }>(WITHDRAWER, `mutation { _withdrawConsent(purpose: PERSONALISATION) { ${STATE} } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!._withdrawConsent.withdrawnConsents).toEqual(['PERSONALISATION']);
    const after = await counts(WITHDRAWER);
    // CONSENT-based kinds for PERSONALISATION kept UNTIL_WITHDRAWN: the advertising ID and the ad segments.
    expect(after.adId).toBe(0);
    expect(after.adSegment).toBe(0);
    expect(after.notification).toBe(before.notification);
    expect(after.marketingChoice).toBe(before.marketingChoice);
    expect(await buildAdSegments(push, WITHDRAWER)).toMatchObject({ refused: { code: 'CONSENT_WITHDRAWN' } });
    const state = await call<{ _processingState: { withdrawnConsents: string[] } }>(WITHDRAWER, `{ _processingState { ${STATE} } }`);
    expect(state.data!._processingState.withdrawnConsents).toEqual(['PERSONALISATION']);
  });

  it('refuses a bad notification with a clear error and writes nothing', async () => {
    const before = await counts(BYSTANDER);
    await expect(sendNotification(push, BYSTANDER, { category: 'SERVICE', appPackage: 'x', title: '', body: 'b' })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(await counts(BYSTANDER)).toEqual(before);
  });
});
