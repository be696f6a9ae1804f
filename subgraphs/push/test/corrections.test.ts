import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { PushDB } from '../src/store.js';

let sg: TestSubgraph<PushDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed);
});
afterAll(() => sg.close());

const PERSON = '10000001';
const VIEW = `query($kinds: [String!]) { _correctionView(kinds: $kinds) { correctable { kind fields { name recipients } records { recordId label values { field value version } } } } }`;
const REQUEST = `mutation($input: CorrectionInput!) { _requestCorrection(input: $input) { status entry { recordId newValue notices { recipient } } } }`;
type View = { _correctionView: { correctable: { kind: string; fields: { name: string; recipients: string[] }[]; records: { recordId: string; label: string; values: { field: string; value: string | null; version: string }[] }[] }[] } };
const call = async <T = Record<string, unknown>>(q: string, v: Record<string, unknown>) => postGraphQL<T>(sg.url, q, v, { [CREDENTIAL_HEADER]: await sg.credential(PERSON) });

describe('push corrections', () => {
  it('corrects the marketing choice in force by appending a new choice; the superseded one cannot be corrected', async () => {
    const view = await call<View>(VIEW, { kinds: ['push.marketing_choice'] });
    const kind = view.data!._correctionView.correctable[0]!;
    const channels = await sg.store.db.selectFrom('marketingChoice').select('channel').distinct().where('personId', '=', PERSON).execute();
    expect(kind.records.length).toBe(channels.length);
    const rec = kind.records[0]!;
    const v = rec.values[0]!;
    const before = await sg.store.db.selectFrom('marketingChoice').selectAll().where('personId', '=', PERSON).orderBy('id').execute();
    const res = await call<{ _requestCorrection: { status: string } }>(REQUEST, { input: { recordId: rec.recordId, field: 'optedIn', value: v.value === 'true' ? 'false' : 'true', expectedVersion: v.version } });
    expect(res.errors).toBeUndefined();
    const after = await sg.store.db.selectFrom('marketingChoice').selectAll().where('personId', '=', PERSON).orderBy('id').execute();
    // History is kept: every earlier choice is still there, unchanged, and one more says what is in force now.
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)).toMatchObject({ channel: before.find((b) => `push.marketing_choice:${b.id}` === rec.recordId)!.channel, optedIn: v.value === 'true' ? 0 : 1 });
    const again = await call(REQUEST, { input: { recordId: rec.recordId, field: 'optedIn', value: v.value ?? 'true', expectedVersion: v.version } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('tells advertising partners of a changed objection to profiling', async () => {
    const view = await call<View>(VIEW, { kinds: ['push.profiling_objection'] });
    const kind = view.data!._correctionView.correctable[0]!;
    expect(kind.fields[0]!.recipients).toEqual(['AD_PARTNER']);
    const v = kind.records[0]!.values[0]!;
    const res = await call<{ _requestCorrection: { entry: { notices: { recipient: string }[] } } }>(REQUEST, { input: { recordId: kind.records[0]!.recordId, field: 'objected', value: v.value === 'true' ? 'false' : 'true', expectedVersion: v.version } });
    expect(res.errors).toBeUndefined();
    expect(res.data!._requestCorrection.entry.notices).toEqual([{ recipient: 'AD_PARTNER' }]);
  });
});
