import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, RESTRICT_SCOPE } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { rebuildRecommendationProfile, recommendedTags, type ThemesProcessor } from '../src/recommendations.js';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import type { ThemesDB } from '../src/store.js';

/**
 * Theme recommendations ask the kit before they run: a restriction of the
 * kinds they read, or a withdrawn consent to personalisation, stops them —
 * and the withdrawal erases the recommendation profiles with their weights.
 */
const [FREE, RESTRICTED, WITHDRAWER] = ['33000001', '33000002', '33000003'];
let sg: TestSubgraph<ThemesDB>;
let themes: ThemesProcessor;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [FREE, RESTRICTED, WITHDRAWER].map((id) => ({ id, scale: 20 })));
  themes = { store: sg.store, rights: sg.subgraph.rights };
});
afterAll(() => sg.close());

const call = async <T>(person: string, query: string) =>
  postGraphQL<T>(sg.url, query, {}, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes: [ERASE_SCOPE, RESTRICT_SCOPE] }) });
const profiles = async (person: string) =>
  Number((await sg.store.db.selectFrom('recommendationProfile').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', person).executeTakeFirstOrThrow()).n);
const weights = async (person: string) =>
  Number((await sg.store.db.selectFrom('recommendationWeight').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', person).executeTakeFirstOrThrow()).n);

describe('themes: recommendations and the rights', () => {
  it('builds a profile from downloads and searches and recommends from it', async () => {
    const before = await profiles(FREE);
    const built = await rebuildRecommendationProfile(themes, FREE);
    expect(built.refused).toBeNull();
    expect(built.profileId).not.toBeNull();
    expect(built.styles.length).toBeGreaterThan(0);
    expect(await profiles(FREE)).toBe(before + 1);
    const rec = await recommendedTags(themes, FREE);
    expect(rec).toEqual({ tags: built.tags, refused: null });
  });

  it('stops while the person restricts their downloads, and resumes when lifted', async () => {
    const r = await call(RESTRICTED, 'mutation { _restrict(kinds: ["themes.download"], reason: "I contest this history") { domain } }');
    expect(r.errors).toBeUndefined();
    const before = await profiles(RESTRICTED);
    expect(await rebuildRecommendationProfile(themes, RESTRICTED)).toMatchObject({ profileId: null, refused: { code: 'RESTRICTED' } });
    expect(await recommendedTags(themes, RESTRICTED)).toMatchObject({ tags: [], refused: { code: 'RESTRICTED' } });
    expect(await profiles(RESTRICTED)).toBe(before);
    await call(RESTRICTED, 'mutation { _liftRestriction(kinds: ["themes.download"]) { domain } }');
    expect((await rebuildRecommendationProfile(themes, RESTRICTED)).refused).toBeNull();
    expect(await profiles(RESTRICTED)).toBe(before + 1);
  });

  it('withdrawing consent to personalisation erases the profiles with their weights and stops new ones', async () => {
    expect(await profiles(WITHDRAWER)).toBeGreaterThan(0);
    expect(await weights(WITHDRAWER)).toBeGreaterThan(0);
    const freeWeights = await weights(FREE);
    const res = await call<{ _withdrawConsent: { withdrawnConsents: string[] } }>(WITHDRAWER, 'mutation { _withdrawConsent(purpose: PERSONALISATION) { withdrawnConsents } }');
    expect(res.data!._withdrawConsent.withdrawnConsents).toEqual(['PERSONALISATION']);
    expect(await profiles(WITHDRAWER)).toBe(0);
    expect(await weights(WITHDRAWER)).toBe(0);
    expect(await weights(FREE)).toBe(freeWeights);
    expect(await rebuildRecommendationProfile(themes, WITHDRAWER)).toMatchObject({ profileId: null, refused: { code: 'CONSENT_WITHDRAWN' } });
    expect(await profiles(WITHDRAWER)).toBe(0);
  });
});
