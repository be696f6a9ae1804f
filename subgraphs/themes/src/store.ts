import { PostgresAdapter, type Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/kit';

export interface ThemeDownloadRow extends RecordRow {
  itemId: string;
  itemTitle: string;
  itemType: string;
  at: string;
  device: string;
}
export interface ThemePurchaseRow extends RecordRow {
  itemId: string;
  itemTitle: string;
  itemType: string;
  /** Price in the currency's minor units (cents, qəpik). */
  priceMinor: number;
  currency: string;
  at: string;
  orderReference: string;
  paymentMethod: string;
  /** Last four digits of the card, the only part of it ever stored; null when no card was used. */
  cardLast4: string | null;
  /** The payment provider's token used for refunds; never selected into a response. */
  pspToken: string | null;
}
export interface ThemeInteractionRow extends RecordRow {
  type: string;
  itemId: string;
  itemTitle: string;
  commentText: string | null;
  sharedTo: string | null;
  at: string;
}
export interface ThemeSearchQueryRow extends RecordRow {
  text: string;
  at: string;
  resultCount: number;
}
export interface RecommendationProfileRow extends RecordRow {
  computedAt: string;
  modelVersion: string;
  basedOnDownloads: number;
  basedOnSearches: number;
}
/** One weighted style or tag of a recommendation profile: a child row, not a record of its own. */
export interface ThemeTagWeightRow {
  id: number;
  profileId: number;
  personId: string;
  facet: string;
  tag: string;
  weight: number;
  rank: number;
}
export interface CarouselSubscriptionRow extends RecordRow {
  subscribed: number;
  changeFrequency: string;
  /** JSON array of category names (a small list, chosen in the carousel settings). */
  categories: string;
  contentProvider: string;
  since: string;
}
export interface CarouselEventRow extends RecordRow {
  type: string;
  pictureId: string;
  articleId: string | null;
  viewMode: string | null;
  durationMs: number | null;
  at: string;
}

export interface ThemesDB {
  download: ThemeDownloadRow;
  purchase: ThemePurchaseRow;
  interaction: ThemeInteractionRow;
  searchQuery: ThemeSearchQueryRow;
  recommendationProfile: RecommendationProfileRow;
  recommendationWeight: ThemeTagWeightRow;
  carouselSubscription: CarouselSubscriptionRow;
  carouselEvent: CarouselEventRow;
}

/** Record type → table; the kit paginates, counts and summarises through it. */
export const TABLES = {
  ThemeDownload: 'download',
  ThemePurchase: 'purchase',
  ThemeInteraction: 'interaction',
  ThemeSearchQuery: 'searchQuery',
  RecommendationProfile: 'recommendationProfile',
  CarouselSubscription: 'carouselSubscription',
  CarouselEvent: 'carouselEvent',
} as const;

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await createRecordTable(db, 'download', (t) =>
        t
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('item_title', 'text', (c) => c.notNull())
          .addColumn('item_type', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('device', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'purchase', (t) =>
        t
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('item_title', 'text', (c) => c.notNull())
          .addColumn('item_type', 'text', (c) => c.notNull())
          .addColumn('price_minor', 'integer', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('order_reference', 'text', (c) => c.notNull())
          .addColumn('payment_method', 'text', (c) => c.notNull())
          .addColumn('card_last4', 'text')
          .addColumn('psp_token', 'text'),
      );
      await createRecordTable(db, 'interaction', (t) =>
        t
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('item_title', 'text', (c) => c.notNull())
          .addColumn('comment_text', 'text')
          .addColumn('shared_to', 'text')
          .addColumn('at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'search_query', (t) =>
        t
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('result_count', 'integer', (c) => c.notNull()),
      );
      await createRecordTable(db, 'recommendation_profile', (t) =>
        t
          .addColumn('computed_at', 'text', (c) => c.notNull())
          .addColumn('model_version', 'text', (c) => c.notNull())
          .addColumn('based_on_downloads', 'integer', (c) => c.notNull())
          .addColumn('based_on_searches', 'integer', (c) => c.notNull()),
      );
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('recommendation_weight')
        .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('profile_id', 'integer', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('facet', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('weight', 'double precision', (c) => c.notNull())
        .addColumn('rank', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('recommendation_weight_profile_idx').on('recommendation_weight').columns(['profile_id', 'facet', 'rank']).execute();
      await db.schema.createIndex('recommendation_weight_person_idx').on('recommendation_weight').columns(['person_id']).execute();
      await createRecordTable(db, 'carousel_subscription', (t) =>
        t
          .addColumn('subscribed', 'integer', (c) => c.notNull())
          .addColumn('change_frequency', 'text', (c) => c.notNull())
          .addColumn('categories', 'text', (c) => c.notNull())
          .addColumn('content_provider', 'text', (c) => c.notNull())
          .addColumn('since', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'carousel_event', (t) =>
        t
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('picture_id', 'text', (c) => c.notNull())
          .addColumn('article_id', 'text')
          .addColumn('view_mode', 'text')
          .addColumn('duration_ms', 'integer')
          .addColumn('at', 'text', (c) => c.notNull()),
      );
    },
  },
};

export type ThemesStore = Store<ThemesDB>;

export function openThemesStore(url: string | undefined, dataDir: string): ThemesStore {
  return openStore<ThemesDB>({ domain: 'themes', url, dataDir, migrations });
}
