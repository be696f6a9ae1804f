import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { OrdersDB } from '../src/store.js';

let sg: TestSubgraph<OrdersDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [{ id: '10000001', scale: 12 }]);
});
afterAll(() => sg.close());

const PERSON = '10000001';
const VIEW = `query($kinds: [String!]) { _correctionView(kinds: $kinds) { correctable { kind scope totalCount records { recordId values { field value version } } } } }`;
const REQUEST = `mutation($input: CorrectionInput!) { _requestCorrection(input: $input) { status entry { field newValue notices { recipient state lastError } } } }`;
type View = { _correctionView: { correctable: { kind: string; scope: string | null; totalCount: number; records: { recordId: string; values: { field: string; value: string | null; version: string }[] }[] }[] } };
const call = async <T = Record<string, unknown>>(q: string, v: Record<string, unknown>) => postGraphQL<T>(sg.url, q, v, { [CREDENTIAL_HEADER]: await sg.credential(PERSON) });

describe('orders corrections', () => {
  it('offers only deliveries still open; a delivered one is history and cannot be corrected', async () => {
    const res = await call<View>(VIEW, { kinds: ['orders.delivery'] });
    expect(res.errors).toBeUndefined();
    const kind = res.data!._correctionView.correctable[0]!;
    const all = await sg.store.db.selectFrom('orderDelivery').select(['id', 'status', 'street']).where('personId', '=', PERSON).execute();
    const open = all.filter((d) => d.status === 'PREPARING' || d.status === 'IN_TRANSIT');
    const closed = all.find((d) => d.status === 'DELIVERED');
    expect(closed, 'the seed has a delivered parcel').toBeDefined();
    expect(kind.totalCount).toBe(open.length);
    expect(kind.records.map((r) => r.recordId).sort()).toEqual(open.map((d) => `orders.delivery:${d.id}`).sort());
    expect(kind.scope).toMatch(/delivered/);
    // A delivered parcel's address stays what it was, whatever version is sent.
    const version = kind.records[0]!.values.find((v) => v.field === 'street')!.version;
    const refused = await call(REQUEST, { input: { recordId: `orders.delivery:${closed!.id}`, field: 'street', value: 'Nizami 1', expectedVersion: version } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const after = await sg.store.db.selectFrom('orderDelivery').select('street').where('id', '=', closed!.id).executeTakeFirstOrThrow();
    expect(after.street).toBe(closed!.street);
  });

  it('corrects a saved address with the shared address rules and records a notice for the delivery partner', async () => {
    const res = await call<View>(VIEW, { kinds: ['orders.delivery_address'] });
    const rec = res.data!._correctionView.correctable[0]!.records[0]!;
    const postal = rec.values.find((v) => v.field === 'postalCode')!;
    const bad = await call(REQUEST, { input: { recordId: rec.recordId, field: 'postalCode', value: 'az 1000!', expectedVersion: postal.version } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'postalCode' });
    const ok = await call<{ _requestCorrection: { status: string; entry: { notices: { recipient: string; state: string; lastError: string }[] } } }>(REQUEST, {
      input: { recordId: rec.recordId, field: 'postalCode', value: 'AZ1001', expectedVersion: postal.version },
    });
    expect(ok.errors).toBeUndefined();
    // No partner endpoint is configured here: the notice waits in the outbox and says why.
    expect(ok.data!._requestCorrection.entry.notices).toEqual([{ recipient: 'DELIVERY_PARTNER', state: 'PENDING', lastError: expect.stringMatching(/FOOTPRINT_RECIPIENT_DELIVERY_PARTNER_URL/) }]);
    const row = await sg.store.db.selectFrom('savedAddress').select(['postalCode', 'updatedAt']).where('id', '=', Number(rec.recordId.split(':')[1])).executeTakeFirstOrThrow();
    expect(row.postalCode).toBe('AZ1001');
    expect(Date.now() - Date.parse(row.updatedAt)).toBeLessThan(60_000);
  });
});
