import type { Selectable } from 'kysely';
import { column, defineTables, openStore, plainTable, recordTable, type DatabaseOf, type KindRowsOf, type Store } from '@footprint/kit';

const { text, integer, double } = column;

/**
 * The themes domain's tables, described once: migrations, row types and the
 * record type → table map come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  download: recordTable('ThemeDownload', { itemId: text(), itemTitle: text(), itemType: text(), at: text(), device: text() }),
  purchase: recordTable('ThemePurchase', {
    itemId: text(),
    itemTitle: text(),
    itemType: text(),
    /** Price in the currency's minor units (cents, qəpik). */
    priceMinor: integer(),
    currency: text(),
    at: text(),
    orderReference: text(),
    paymentMethod: text(),
    /** Last four digits of the card, the only part of it ever stored; null when no card was used. */
    cardLast4: text().nullable(),
    /** The payment provider's token used for refunds; never selected into a response. */
    pspToken: text().nullable(),
  }),
  interaction: recordTable('ThemeInteraction', {
    type: text(),
    itemId: text(),
    itemTitle: text(),
    commentText: text().nullable(),
    sharedTo: text().nullable(),
    at: text(),
  }),
  searchQuery: recordTable('ThemeSearchQuery', { text: text(), at: text(), resultCount: integer() }),
  recommendationProfile: recordTable('RecommendationProfile', {
    computedAt: text(),
    modelVersion: text(),
    basedOnDownloads: integer(),
    basedOnSearches: integer(),
  }),
  /** One weighted style or tag of a recommendation profile: a child row, not a record of its own. */
  recommendationWeight: plainTable(
    { profileId: integer(), personId: text(), facet: text(), tag: text(), weight: double(), rank: integer() },
    {
      indexes: [
        { name: 'recommendation_weight_profile_idx', columns: ['profileId', 'facet', 'rank'] },
        { name: 'recommendation_weight_person_idx', columns: ['personId'] },
      ],
    },
  ),
  carouselSubscription: recordTable('CarouselSubscription', {
    subscribed: integer(),
    changeFrequency: text(),
    /** JSON array of category names (a small list, chosen in the carousel settings). */
    categories: text(),
    contentProvider: text(),
    since: text(),
  }),
  carouselEvent: recordTable('CarouselEvent', {
    type: text(),
    pictureId: text(),
    articleId: text().nullable(),
    viewMode: text().nullable(),
    durationMs: integer().nullable(),
    at: text(),
  }),
});

export interface ThemesDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** Row names the domain's code uses. */
export type ThemeDownloadRow = KindRows['ThemeDownload'];
export type ThemePurchaseRow = KindRows['ThemePurchase'];
export type ThemeInteractionRow = KindRows['ThemeInteraction'];
export type ThemeSearchQueryRow = KindRows['ThemeSearchQuery'];
export type RecommendationProfileRow = KindRows['RecommendationProfile'];
export type ThemeTagWeightRow = Selectable<ThemesDB['recommendationWeight']>;
export type CarouselSubscriptionRow = KindRows['CarouselSubscription'];
export type CarouselEventRow = KindRows['CarouselEvent'];

export type ThemesStore = Store<ThemesDB>;

export function openThemesStore(url: string | undefined, dataDir: string): ThemesStore {
  return openStore<ThemesDB>({ domain: 'themes', url, dataDir, migrations: tables.migrations });
}
