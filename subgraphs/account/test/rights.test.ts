import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { CORRECTION_KIND, CORRECTION_RETAIN_FOR, CREDENTIAL_HEADER, DEV_MAILBOX, ERASE_SCOPE, RESTRICT_SCOPE, type CorrectionTables } from '@footprint/kit';
import { readKindMeta } from '@footprint/schema';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { tables, type AccountDB } from '../src/store.js';

/**
 * The account domain's part of the rights: a consent withdrawal is recorded on
 * its consent records as the consent was given; a contested e-mail correction
 * restricts the profile until it is confirmed; erasure deletes the account and
 * keeps the consent records under a legal hold, restricted, with their ground.
 */
const [WITHDRAWER, CONTESTER, ERASED, BYSTANDER, OBJECTOR, LATE, SETTINGS] = ['32000001', '32000002', '32000003', '32000004', '32000005', '32000006', '32000007'];

let sg: TestSubgraph<AccountDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [WITHDRAWER, CONTESTER, ERASED, BYSTANDER, OBJECTOR, LATE, SETTINGS].map((id) => ({ id, scale: 2 })));
});
afterAll(() => sg.close());

async function call<T>(person: string, query: string, variables: Record<string, unknown> = {}, scopes: string[] = [ERASE_SCOPE, RESTRICT_SCOPE]) {
  return postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes }) });
}
const STATE = 'domain restrictions { kind recordId ground reason until } objections withdrawnConsents';
const consents = (person: string) => sg.store.db.selectFrom('consent').selectAll().where('personId', '=', person).orderBy('id').execute();

describe('account: rights', () => {
  it('records a consent withdrawal as a consent record, switches marketing topics off, and does it once', async () => {
    // Whatever the seeded records say last, the person has given marketing consent now (a withdrawal of a withdrawn consent records nothing).
    expect((await call(WITHDRAWER, 'mutation { _giveConsent(purpose: MARKETING) { domain } }')).errors).toBeUndefined();
    const before = await consents(WITHDRAWER);
    const res = await call<{ _withdrawConsent: { withdrawnConsents: string[] } }>(WITHDRAWER, `mutation { _withdrawConsent(purpose: MARKETING, reason: "no more offers") { ${STATE} } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!._withdrawConsent.withdrawnConsents).toEqual(['MARKETING']);
    const after = await consents(WITHDRAWER);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ purpose: 'MARKETING', granted: 0, channel: 'privacy centre' });
    const prefs = await sg.store.db.selectFrom('notificationPreference').selectAll().where('personId', '=', WITHDRAWER).execute();
    expect(prefs.find((p) => p.topic === 'promotions')?.enabled).toBe(0);
    // Notification preferences are kept (they also hold service notices): consent-based, but KEEP on withdrawal.
    expect(prefs.length).toBeGreaterThan(0);
    await call(WITHDRAWER, `mutation { _withdrawConsent(purpose: MARKETING) { domain } }`);
    expect(await consents(WITHDRAWER)).toHaveLength(after.length);
    // The one-click record is in the person's own footprint.
    const page = await sg.entities(WITHDRAWER, 'account { consents(first: 20) { nodes { purpose granted channel } } }');
    expect(JSON.stringify(page.data)).toContain('privacy centre');
  });

  it('reads a consent withdrawn in the app settings as withdrawn, and gives it again with one call, every change kept', async () => {
    // Withdrawn in the app's settings before the rights existed: only a consent record says so.
    const region = (await consents(SETTINGS))[0]!.region;
    const at = '2026-11-09T09:00:00.000Z';
    await sg.store.db.insertInto('consent').values({ personId: SETTINGS, collectedAt: at, region, source: null, purpose: 'MARKETING', granted: 0, at, channel: 'settings' }).execute();
    type State = { withdrawnConsents: string[]; consentHistory: { purpose: string; granted: boolean; at: string; channel: string }[] };
    const SEL = 'withdrawnConsents consentHistory { purpose granted at channel }';
    const before = (await call<{ _processingState: State }>(SETTINGS, `{ _processingState { ${SEL} } }`)).data!._processingState;
    expect(before.withdrawnConsents).toEqual(['MARKETING']);
    expect(before.consentHistory.at(-1)).toEqual({ purpose: 'MARKETING', granted: false, at, channel: 'settings' });

    const given = await call<{ _giveConsent: State }>(SETTINGS, `mutation { _giveConsent(purpose: MARKETING, reason: "offers welcome again") { ${SEL} } }`);
    expect(given.errors).toBeUndefined();
    expect(given.data!._giveConsent.withdrawnConsents).toEqual([]);
    expect(given.data!._giveConsent.consentHistory).toHaveLength(before.consentHistory.length + 1);
    expect(given.data!._giveConsent.consentHistory.at(-1)).toMatchObject({ purpose: 'MARKETING', granted: true, channel: 'privacy centre' });
    const withdrawn = await call<{ _withdrawConsent: State }>(SETTINGS, `mutation { _withdrawConsent(purpose: MARKETING) { ${SEL} } }`);
    expect(withdrawn.data!._withdrawConsent.withdrawnConsents).toEqual(['MARKETING']);
    // Nothing overwritten (Art. 7(1)): the settings record, the consent given again and the withdrawal are all in the person's footprint.
    const page = await sg.entities<{ account: { consents: { nodes: { purpose: string; granted: boolean; channel: string }[] } } }>(SETTINGS, 'account { consents(first: 50) { nodes { purpose granted channel } } }');
    const marketing = page.data!._entities[0]!.account.consents.nodes.filter((n) => n.purpose === 'MARKETING');
    expect(marketing.slice(-3)).toEqual([
      { purpose: 'MARKETING', granted: false, channel: 'settings' },
      { purpose: 'MARKETING', granted: true, channel: 'privacy centre' },
      { purpose: 'MARKETING', granted: false, channel: 'privacy centre' },
    ]);
  });

  it('switches marketing topics off on an objection to direct marketing, leaving service topics alone', async () => {
    await sg.store.db.updateTable('notificationPreference').set({ enabled: 1 }).where('personId', '=', OBJECTOR).execute();
    const res = await call<{ _object: { objections: string[] } }>(OBJECTOR, `mutation { _object(purpose: DIRECT_MARKETING) { ${STATE} } }`);
    expect(res.data!._object.objections).toEqual(['DIRECT_MARKETING']);
    const prefs = await sg.store.db.selectFrom('notificationPreference').select(['topic', 'enabled']).where('personId', '=', OBJECTOR).execute();
    expect(prefs.find((p) => p.topic === 'promotions')?.enabled).toBe(0);
    expect(prefs.find((p) => p.topic === 'security alerts')?.enabled).toBe(1);
  });

  it('restricts the profile while a contested e-mail correction is pending, and lifts it when confirmed', async () => {
    const view = await call<{ _correctionView: { correctable: { records: { recordId: string; values: { field: string; version: string }[] }[] }[] } }>(
      CONTESTER,
      `{ _correctionView(kinds: ["account.profile"]) { correctable { records { recordId values { field version } } } } }`,
    );
    const rec = view.data!._correctionView.correctable[0]!.records[0]!;
    const version = rec.values.find((v) => v.field === 'email')!.version;
    const req = await call<{ _requestCorrection: { status: string; confirmation: { id: string } } }>(
      CONTESTER,
      `mutation($input: CorrectionInput!) { _requestCorrection(input: $input) { status confirmation { id } } }`,
      { input: { recordId: rec.recordId, field: 'email', value: 'contested@example.com', expectedVersion: version, restrictUntilResolved: true } },
    );
    expect(req.errors).toBeUndefined();
    expect(req.data!._requestCorrection.status).toBe('PENDING_CONFIRMATION');
    const metaOf = async () => {
      const r = await sg.entities(CONTESTER, 'account { profile(first: 1) { nodes { meta { restricted restriction { ground reason } } } } }');
      return (r.data!._entities[0] as { account: { profile: { nodes: { meta: { restricted: boolean; restriction: { ground: string } | null } }[] } } }).account.profile.nodes[0]!.meta;
    };
    expect(await metaOf()).toMatchObject({ restricted: true, restriction: { ground: 'CONTESTED_ACCURACY' } });
    const state = await call<{ _processingState: { restrictions: { recordId: string; ground: string }[] } }>(CONTESTER, `{ _processingState { ${STATE} } }`);
    expect(state.data!._processingState.restrictions).toEqual([expect.objectContaining({ recordId: rec.recordId, ground: 'CONTESTED_ACCURACY' })]);

    const id = req.data!._requestCorrection.confirmation.id;
    const mail = readFileSync(join(sg.dataDir, DEV_MAILBOX), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { confirmationId: string; code: string });
    const code = mail.find((m) => m.confirmationId === id)!.code;
    const confirmed = await call<{ _confirmCorrection: { status: string } }>(CONTESTER, `mutation($id: ID!, $code: String!) { _confirmCorrection(confirmationId: $id, code: $code) { status } }`, { id, code });
    expect(confirmed.data!._confirmCorrection.status).toBe('APPLIED');
    expect(await metaOf()).toMatchObject({ restricted: false, restriction: null });
  });

  it('erases the account, keeping the consent records under a legal hold shown on them, and their correction history held for three years, then purged', async () => {
    // A correction first, so there is history of the profile to take with it.
    const view = await call<{ _correctionView: { correctable: { records: { recordId: string; values: { field: string; version: string }[] }[] }[] } }>(
      ERASED,
      `{ _correctionView(kinds: ["account.profile"]) { correctable { records { recordId values { field version } } } } }`,
    );
    const rec = view.data!._correctionView.correctable[0]!.records[0]!;
    const fix = await call(ERASED, `mutation($input: CorrectionInput!) { _requestCorrection(input: $input) { status } }`, {
      input: { recordId: rec.recordId, field: 'nickname', value: 'to_be_erased', expectedVersion: rec.values.find((v) => v.field === 'nickname')!.version },
    });
    expect(fix.errors).toBeUndefined();
    const kit = sg.store.db.withTables<Pick<CorrectionTables, 'correctionHistory'>>();
    const history = (p: string) => kit.selectFrom('correctionHistory').select('id').where('personId', '=', p).execute();
    expect((await history(ERASED)).length).toBeGreaterThan(0);
    const bystanderConsents = await consents(BYSTANDER);

    const only = await call(ERASED, `mutation { _erase(requestId: "acc-1", kinds: ["account.consent"]) { domain } }`);
    expect(only.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RETAINED' });
    expect(await consents(ERASED)).not.toHaveLength(0);

    const res = await call<{ _erase: { kinds: { kind: string; action: string; deleted: number; retained: number; ground: string | null; retainedUntil: string | null }[] } }>(
      ERASED,
      `mutation { _erase(requestId: "acc-2") { kinds { kind action deleted retained ground retainedUntil } } }`,
    );
    expect(res.errors).toBeUndefined();
    const consent = res.data!._erase.kinds.find((k) => k.kind === 'account.consent')!;
    expect(consent).toMatchObject({ action: 'RETAIN', deleted: 0 });
    expect(consent.retained).toBeGreaterThan(0);
    expect(consent.ground).toContain('Art. 7(1)');
    // Kept three years from the erasure (retainFrom: ERASURE).
    const years = (Date.parse(consent.retainedUntil!) - Date.now()) / (365.25 * 24 * 3600 * 1000);
    expect(years).toBeGreaterThan(2.9);
    expect(years).toBeLessThan(3.1);
    for (const table of Object.values(tables.kinds).filter((t) => t !== 'consent')) {
      const n = await sg.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', ERASED).executeTakeFirstOrThrow();
      expect(Number(n.n), table).toBe(0);
    }
    // The correction history is kept as evidence (gateway.correction: RETAIN three years from the erasure), held.
    const kept = await history(ERASED);
    expect(kept.length).toBeGreaterThan(0);
    expect(await consents(BYSTANDER)).toEqual(bystanderConsents);
    const page = await sg.entities(ERASED, 'account { consents(first: 20) { nodes { meta { restricted restriction { ground until reason } } } } }');
    const nodes = (page.data!._entities[0] as { account: { consents: { nodes: { meta: { restricted: boolean; restriction: { ground: string; until: string } } }[] } } }).account.consents.nodes;
    expect(nodes.length).toBe(consent.retained);
    for (const n of nodes) expect(n.meta).toMatchObject({ restricted: true, restriction: { ground: 'LEGAL_HOLD', until: consent.retainedUntil } });
    // The hold is not the person's to lift.
    await call(ERASED, `mutation { _liftRestriction(kinds: ["account.consent"]) { domain } }`);
    const state = await call<{ _processingState: { restrictions: { ground: string }[] } }>(ERASED, `{ _processingState { ${STATE} } }`);
    const restrictions = state.data!._processingState.restrictions as { kind: string; ground: string; until: string }[];
    expect(restrictions.map((r) => [r.kind, r.ground]).sort()).toEqual([['account.consent', 'LEGAL_HOLD'], [CORRECTION_KIND, 'LEGAL_HOLD']]);
    const correctionHold = restrictions.find((r) => r.kind === CORRECTION_KIND)!;
    // The declared period is the one held: three years from the erasure (the data map's gateway.correction).
    const declared = readKindMeta(parse(readFileSync(new URL('../../../gateway/schema/corrections.graphql', import.meta.url), 'utf8'))).find((m) => m.kind === CORRECTION_KIND)!;
    expect([declared.erasure, declared.retainFor, declared.retainFrom]).toEqual(['RETAIN', CORRECTION_RETAIN_FOR, 'ERASURE']);
    const heldYears = (Date.parse(correctionHold.until) - Date.now()) / (365.25 * 24 * 3600 * 1000);
    expect(heldYears).toBeGreaterThan(2.9);
    expect(heldYears).toBeLessThan(3.1);
    // Before the hold ends the history stays; when it ends, the purge deletes it and the hold ends.
    await sg.subgraph.rights.purgeExpiredHolds(new Date(Date.parse(correctionHold.until) - 86_400_000));
    expect(await history(ERASED)).toEqual(kept);
    const purged = await sg.subgraph.rights.purgeExpiredHolds(new Date(Date.parse(correctionHold.until) + 1000));
    expect(purged).toContainEqual({ person: ERASED, kind: CORRECTION_KIND, deleted: kept.length });
    expect(await history(ERASED)).toEqual([]);
  });

  it('refuses an erase call that arrives after its deadline or for an attempt the gateway cancelled, and reads receipts back by request id', async () => {
    const profiles = async () => Number((await sg.store.db.selectFrom('profile').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', LATE).executeTakeFirstOrThrow()).n);
    const held = await profiles();
    expect(held).toBeGreaterThan(0);
    const erase = (vars: Record<string, unknown>) =>
      call<{ _erase: { kinds: { kind: string; deleted: number }[] } }>(LATE, 'mutation($r: ID!, $d: DateTime, $a: Int) { _erase(requestId: $r, deadline: $d, attempt: $a) { kinds { kind deleted } } }', vars);
    const receipts = async (r: string) => (await call<{ _erasureReceipts: { kinds: { kind: string; deleted: number }[] } | null }>(LATE, 'query($r: ID!) { _erasureReceipts(requestId: $r) { kinds { kind deleted } } }', { r })).data!._erasureReceipts;

    // A call queued past the time the gateway stopped waiting starts nothing.
    const late = await erase({ r: 'late-1', d: new Date(Date.now() - 1000).toISOString(), a: 1 });
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'DEADLINE_PASSED' });
    expect(await profiles()).toBe(held);
    expect(await receipts('late-1')).toBeNull();

    // The gateway gave up on attempts 1–2: they are refused when they arrive; a cancel answers that nothing was erased.
    const cancelled = await call<{ _cancelErasure: { kinds: unknown[] } }>(LATE, 'mutation { _cancelErasure(requestId: "late-2", upTo: 2) { kinds { kind } } }');
    expect(cancelled.data!._cancelErasure.kinds).toEqual([]);
    const refused = await erase({ r: 'late-2', d: new Date(Date.now() + 60_000).toISOString(), a: 2 });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ERASURE_CANCELLED' });
    expect(await profiles()).toBe(held);
    // Only the credential's person's request can be cancelled or read.
    const other = await call(BYSTANDER, 'mutation { _cancelErasure(requestId: "late-2", upTo: 5) { kinds { kind } } }');
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const noScope = await call(LATE, 'query { _erasureReceipts(requestId: "late-2") { domain } }', {}, [RESTRICT_SCOPE]);
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // A later attempt (the person asked again) goes through; its receipts are read back, and a cancel now answers them.
    const done = await erase({ r: 'late-2', d: new Date(Date.now() + 60_000).toISOString(), a: 3 });
    expect(done.errors).toBeUndefined();
    expect(done.data!._erase.kinds.find((k) => k.kind === 'account.profile')!.deleted).toBe(held);
    expect(await profiles()).toBe(0);
    expect(await receipts('late-2')).toEqual({ kinds: done.data!._erase.kinds });
    const after = await call<{ _cancelErasure: { kinds: { kind: string; deleted: number }[] } }>(LATE, 'mutation { _cancelErasure(requestId: "late-2", upTo: 3) { kinds { kind deleted } } }');
    expect(after.data!._cancelErasure.kinds).toEqual(done.data!._erase.kinds);
  });
});
