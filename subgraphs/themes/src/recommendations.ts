import type { ProcessingDecision, ProcessingHost } from '@footprint/kit';
import type { ThemesDB } from './store.js';

/**
 * Theme recommendations (§3.2 "personalised content"): a recommendation
 * profile is built from the person's downloads (styles: the kinds of item they
 * download) and searches (tags: what they search for), and themes are
 * recommended from the latest profile. Both ask the kit first: a restriction
 * of the kinds it reads, or a withdrawn consent to personalisation, stops it.
 */
export type ThemesProcessor = ProcessingHost<ThemesDB>;
export type Refusal = Exclude<ProcessingDecision, { allowed: true }>;

export const MODEL_VERSION = 'theme-rec 2025.3';
const TOP_STYLES = 5;
const TOP_TAGS = 8;

/** Weights that sum to 1, ranked, from counts (largest first). */
function weigh(counts: { tag: string; n: number }[]): { tag: string; weight: number; rank: number }[] {
  const total = counts.reduce((a, c) => a + c.n, 0);
  return counts.map((c, i) => ({ tag: c.tag, weight: total ? Math.round((c.n / total) * 1000) / 1000 : 0, rank: i + 1 }));
}

/**
 * Builds a new recommendation profile for the person, in one transaction,
 * from two grouped statements (never the person's rows one by one). Returns
 * the new profile's id, or why none was built.
 */
export async function rebuildRecommendationProfile(
  t: ThemesProcessor,
  person: string,
  now = new Date(),
): Promise<{ profileId: number | null; styles: string[]; tags: string[]; refused: Refusal | null }> {
  const decision = await t.rights.processingAllowed(person, 'recommendations');
  if (!decision.allowed) return { profileId: null, styles: [], tags: [], refused: decision };
  const db = t.store.db;
  const [styles, tags, counts] = await Promise.all([
    db
      .selectFrom('download')
      .select((eb) => ['itemType as tag', eb.fn.countAll<number>().as('n')])
      .where('personId', '=', person)
      .groupBy('itemType')
      .orderBy('n', 'desc')
      .orderBy('itemType')
      .limit(TOP_STYLES)
      .execute(),
    db
      .selectFrom('searchQuery')
      .select((eb) => ['text as tag', eb.fn.countAll<number>().as('n')])
      .where('personId', '=', person)
      .where('resultCount', '>', 0)
      .groupBy('text')
      .orderBy('n', 'desc')
      .orderBy('text')
      .limit(TOP_TAGS)
      .execute(),
    db
      .selectFrom('download')
      .select((eb) => [eb.fn.countAll<number>().as('downloads'), eb.fn.max('region').as('region')])
      .where('personId', '=', person)
      .executeTakeFirstOrThrow(),
  ]);
  const searches = await db
    .selectFrom('searchQuery')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('personId', '=', person)
    .executeTakeFirstOrThrow();
  if (Number(counts.downloads) === 0 && Number(searches.n) === 0) return { profileId: null, styles: [], tags: [], refused: null };
  const at = now.toISOString();
  const region = counts.region ? String(counts.region) : null;
  const profileId = await db.transaction().execute(async (trx) => {
    const profileRegion = region ?? String((await trx.selectFrom('searchQuery').select('region').where('personId', '=', person).limit(1).executeTakeFirstOrThrow()).region);
    const { id } = await trx
      .insertInto('recommendationProfile')
      .values({ personId: person, collectedAt: at, region: profileRegion, source: 'INFERRED', computedAt: at, modelVersion: MODEL_VERSION, basedOnDownloads: Number(counts.downloads), basedOnSearches: Number(searches.n) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const weights = [
      ...weigh(styles.map((s) => ({ tag: String(s.tag), n: Number(s.n) }))).map((x) => ({ ...x, facet: 'STYLE' })),
      ...weigh(tags.map((s) => ({ tag: String(s.tag), n: Number(s.n) }))).map((x) => ({ ...x, facet: 'TAG' })),
    ];
    if (weights.length) await trx.insertInto('recommendationWeight').values(weights.map((x) => ({ profileId: id, personId: person, ...x }))).execute();
    return id;
  });
  return { profileId, styles: styles.map((s) => String(s.tag)), tags: tags.map((s) => String(s.tag)), refused: null };
}

/** The tags to recommend themes by, from the latest profile; none when recommending is stopped for the person. */
export async function recommendedTags(t: ThemesProcessor, person: string): Promise<{ tags: string[]; refused: Refusal | null }> {
  const decision = await t.rights.processingAllowed(person, 'recommendations');
  if (!decision.allowed) return { tags: [], refused: decision };
  const latest = t.store.db.selectFrom('recommendationProfile').select((eb) => eb.fn.max('id').as('id')).where('personId', '=', person);
  const rows = await t.store.db
    .selectFrom('recommendationWeight')
    .select('tag')
    .where('personId', '=', person)
    .where('facet', '=', 'TAG')
    .where('profileId', '=', latest)
    .orderBy('rank')
    .execute();
  return { tags: rows.map((r) => r.tag), refused: null };
}
