import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, RESTRICT_SCOPE } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { promotionAudience, type CommunityProcessor } from '../src/promotions.js';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { CommunityDB } from '../src/store.js';

/**
 * Promotions are offered only to people who have not objected to direct
 * marketing, not withdrawn their marketing consent and not restricted their
 * community data; and erasure leaves a promotion entry without its shipping
 * details and without the person's id (ANONYMIZE), the record of the draw kept.
 */
const [FREE, OBJECTOR, WITHDRAWER, RESTRICTED, ERASED] = ['34000001', '34000002', '34000003', '34000004', '34000005'];
let sg: TestSubgraph<CommunityDB>;
let community: CommunityProcessor;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [FREE, OBJECTOR, WITHDRAWER, RESTRICTED, ERASED].map((id) => ({ id, scale: 2 })));
  community = { store: sg.store, rights: sg.subgraph.rights };
});
afterAll(() => sg.close());

const call = async <T>(person: string, query: string) =>
  postGraphQL<T>(sg.url, query, {}, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes: [ERASE_SCOPE, RESTRICT_SCOPE] }) });

describe('community: promotions and the rights', () => {
  it('offers a promotion only to those the rights allow, deciding for the whole audience in fixed statements', async () => {
    const everyone = [FREE, OBJECTOR, WITHDRAWER, RESTRICTED];
    expect((await promotionAudience(community, everyone)).invited.sort()).toEqual(everyone.sort());
    expect((await call(OBJECTOR, 'mutation { _object(purpose: DIRECT_MARKETING) { domain } }')).errors).toBeUndefined();
    expect((await call(WITHDRAWER, 'mutation { _withdrawConsent(purpose: MARKETING) { domain } }')).errors).toBeUndefined();
    expect((await call(RESTRICTED, 'mutation { _restrict(kinds: ["community.promotion_entry"], reason: "unlawful use") { domain } }')).errors).toBeUndefined();

    const before = sg.store.statements;
    const audience = await promotionAudience(community, everyone);
    const statements = sg.store.statements - before;
    expect(audience.invited).toEqual([FREE]);
    expect(Object.fromEntries(audience.excluded.map((e) => [e.person, e.code]))).toEqual({ [OBJECTOR]: 'OBJECTED', [WITHDRAWER]: 'CONSENT_WITHDRAWN', [RESTRICTED]: 'RESTRICTED' });
    // A thousand people cost what four do.
    const many = Array.from({ length: 1000 }, (_, i) => String(35000000 + i));
    const before2 = sg.store.statements;
    expect((await promotionAudience(community, [...everyone, ...many])).invited).toHaveLength(1001);
    expect(sg.store.statements - before2).toBe(statements);
  });

  it('erasure clears a promotion entry’s shipping details and person id and keeps the draw; badges go with the profile', async () => {
    const entries = await sg.store.db.selectFrom('promotionEntry').selectAll().where('personId', '=', ERASED).orderBy('id').execute();
    expect(entries.some((e) => e.shippingAddress !== null)).toBe(true);
    const res = await call<{ _erase: { kinds: { kind: string; action: string; anonymized: number; fields: string[] }[] } }>(ERASED, 'mutation { _erase(requestId: "c-1") { kinds { kind action anonymized fields } } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!._erase.kinds.find((k) => k.kind === 'community.promotion_entry')).toEqual({ kind: 'community.promotion_entry', action: 'ANONYMIZE', anonymized: entries.length, fields: ['shipping'] });
    // The entries are no one's now: no row has the person's id, each carries a surrogate of its own id.
    expect(await sg.store.db.selectFrom('promotionEntry').select('id').where('personId', '=', ERASED).execute()).toEqual([]);
    const after = await sg.store.db.selectFrom('promotionEntry').selectAll().where('id', 'in', entries.map((e) => e.id)).orderBy('id').execute();
    expect(after.map((e) => [e.promotionName, e.prize, e.enteredAt])).toEqual(entries.map((e) => [e.promotionName, e.prize, e.enteredAt]));
    for (const e of after) expect([e.personId, e.shippingName, e.shippingAddress, e.shippingPhone]).toEqual([`anonymous:${e.id}`, null, null, null]);
    const badges = await sg.store.db.selectFrom('badge').select('id').where('personId', '=', ERASED).execute();
    expect(badges).toEqual([]);
    const others = await sg.store.db.selectFrom('badge').select('id').where('personId', '=', FREE).execute();
    expect(others.length).toBeGreaterThan(0);
  });
});
