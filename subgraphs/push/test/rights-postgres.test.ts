import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRECTION_KIND, CREDENTIAL_HEADER, ERASE_SCOPE, RESTRICT_SCOPE, type CorrectionTables, type RightsTables } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { tables, type PushDB } from '../src/store.js';
import { requires } from '../../../test/support/requires.js';

await requires('postgres');

/**
 * The kit's rights tables and statements on PostgreSQL (a domain moves there
 * with FOOTPRINT_PUSH_DATABASE_URL): erasure with correction history (its
 * append-only trigger lets the erasing transaction through and nothing else),
 * receipts, replay, restriction and objection. A database of its own per run,
 * dropped after. Needs PostgreSQL (FOOTPRINT_TEST_POSTGRES_URL, default the local server).
 */
const ADMIN = process.env.FOOTPRINT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `footprint_rights_${process.pid}_${Date.now().toString(36)}`;
const [ME, OTHER] = ['37000001', '37000002'];
let sg: TestSubgraph<PushDB>;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await admin(`create database ${database}`);
  const url = new URL(ADMIN);
  url.pathname = `/${database}`;
  process.env.FOOTPRINT_PUSH_DATABASE_URL = url.toString();
  sg = await startTestSubgraph(subgraph.createServer, seed, [ME, OTHER].map((id) => ({ id, scale: 5 })));
  expect(sg.store.dialect).toBe('postgres');
});
afterAll(async () => {
  delete process.env.FOOTPRINT_PUSH_DATABASE_URL;
  await sg?.close();
  await admin(`drop database if exists ${database}`);
});

const call = async <T>(person: string, query: string, variables: Record<string, unknown> = {}) =>
  postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes: [ERASE_SCOPE, RESTRICT_SCOPE] }) });
const count = async (table: (typeof tables.kinds)[keyof typeof tables.kinds], person: string) =>
  Number((await sg.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', person).executeTakeFirstOrThrow()).n);

describe('push rights on PostgreSQL', () => {
  it('erases with the correction history, keeps it append-only otherwise, replays, restricts and objects', async () => {
    const view = await call<{ _correctionView: { correctable: { records: { recordId: string; values: { field: string; version: string }[] }[] }[] } }>(
      ME,
      '{ _correctionView(kinds: ["push.app_notification_setting"]) { correctable { records { recordId values { field version } } } } }',
    );
    const rec = view.data!._correctionView.correctable[0]!.records[0]!;
    const version = rec.values.find((v) => v.field === 'badge')!.version;
    const current = await sg.store.db.selectFrom('appNotificationSetting').select('badge').where('id', '=', Number(rec.recordId.split(':')[1])).executeTakeFirstOrThrow();
    const fix = await call(ME, 'mutation($input: CorrectionInput!) { _requestCorrection(input: $input) { status } }', {
      input: { recordId: rec.recordId, field: 'badge', value: current.badge === 1 ? 'false' : 'true', expectedVersion: version },
    });
    expect(fix.errors).toBeUndefined();
    const kit = sg.store.db.withTables<Pick<CorrectionTables, 'correctionHistory'>>();
    // Outside an erasure the history cannot be deleted.
    await expect(kit.deleteFrom('correctionHistory').where('personId', '=', ME).execute()).rejects.toThrow(/append-only/);

    const r = await call<{ _restrict: { restrictions: { kind: string }[] } }>(ME, 'mutation { _restrict(kinds: ["push.ad_segment"], reason: "x", until: "2099-01-01T00:00:00Z") { restrictions { kind } } }');
    expect(r.data!._restrict.restrictions).toEqual([{ kind: 'push.ad_segment' }]);
    const o = await call<{ _object: { objections: string[] } }>(ME, 'mutation { _object(purpose: AD_PROFILING) { objections } }');
    expect(o.data!._object.objections).toEqual(['AD_PROFILING']);
    expect(await count('adSegment', ME)).toBe(0);

    const otherBefore = await Promise.all(Object.values(tables.kinds).map((t) => count(t, OTHER)));
    const erase = 'mutation { _erase(requestId: "pg-1") { replayed kinds { kind deleted retained anonymized } } }';
    const res = await call<{ _erase: { replayed: boolean; kinds: { kind: string; deleted: number }[] } }>(ME, erase);
    expect(res.errors).toBeUndefined();
    for (const t of Object.values(tables.kinds)) expect(await count(t, ME), t).toBe(0);
    // The history is kept as evidence under a hold (gateway.correction: RETAIN three years from the erasure) ...
    const history = () => kit.selectFrom('correctionHistory').select('id').where('personId', '=', ME).execute();
    const kept = await history();
    expect(kept.length).toBeGreaterThan(0);
    expect(await Promise.all(Object.values(tables.kinds).map((t) => count(t, OTHER)))).toEqual(otherBefore);
    const again = await call<{ _erase: { replayed: boolean; kinds: unknown[] } }>(ME, erase);
    expect(again.data!._erase).toEqual({ ...res.data!._erase, replayed: true });
    // ... and deleted by the purge once the hold has ended (through the append-only trigger's erasure guard).
    const purged = await sg.subgraph.rights.purgeExpiredHolds(new Date(Date.now() + 3 * 366 * 86_400_000));
    expect(purged).toContainEqual({ person: ME, kind: CORRECTION_KIND, deleted: kept.length });
    expect(await history()).toEqual([]);
    // Receipts are append-only too.
    await expect(sg.store.db.withTables<Pick<RightsTables, 'erasureReceipt'>>().deleteFrom('erasureReceipt').execute()).rejects.toThrow(/append-only/);
  });
});
