import { insertChunked, recordBase, TRICKY_TEXT, type Rng, type SeedTarget } from '@footprint/kit';
import type {
  CarouselEventRow,
  CarouselSubscriptionRow,
  RecommendationProfileRow,
  ThemeDownloadRow,
  ThemeInteractionRow,
  ThemePurchaseRow,
  ThemesStore,
  ThemeSearchQueryRow,
  ThemeTagWeightRow,
} from './store.js';
import { MODEL_VERSION } from './recommendations.js';
import { CHANGE_FREQUENCIES, VIEW_MODES } from './vocabulary.js';

type New<Row> = Omit<Row, 'id'>;

/** The store catalogue the seed picks from: id, title as shown in the store, type. */
const CATALOGUE: { id: string; title: string; type: string }[] = [
  ['Xəzər gecəsi', 'THEME'],
  ['Qız qalası, səhər', 'WALLPAPER'],
  ['Şəki sarayı — naxışlar', 'THEME'],
  ['Göygöl "sakit" su', 'LIVE_WALLPAPER'],
  ['Minimal ağ-qara', 'THEME'],
  ['Neon Bakı', 'WALLPAPER'],
  ['Yanardağ alovu', 'LIVE_WALLPAPER'],
  ['Qobustan qayaüstü', 'WALLPAPER'],
  ['Çinar yarpağı', 'ICON_PACK'],
  ['İçərişəhər, gecə', 'THEME'],
  ['Nəstəliq xətti', 'FONT'],
  ['Şuşa dumanı', 'WALLPAPER'],
  ['Pastel Novruz', 'THEME'],
  ['Kosmos — Ülkər', 'LIVE_WALLPAPER'],
  ['Retro Lada 2107', 'WALLPAPER'],
  ['Pişik və çay', 'ICON_PACK'],
].map(([title, type], i) => ({ id: `${type === 'WALLPAPER' || type === 'LIVE_WALLPAPER' ? 'wp' : 'th'}-${String(40210 + i * 37)}`, title: title!, type: type! }));

const DEVICES = ['Xiaomi 14', 'Redmi Note 13 Pro', 'POCO F6', 'Xiaomi Pad 6', 'Redmi 12C'];
const SEARCHES = ['qış mənzərəsi', 'Bakı gecə', 'anime qaranlıq', 'minimal ağ-qara', 'Novruz', 'çiçəklər', 'avtomobil', 'xəttatlıq', 'dəniz və günəş', 'Şəki', 'iOS kimi ikonlar', 'canlı divar kağızı'];
const COMMENTS = ['Çox gözəldir, təşəkkürlər!', 'İkonlar bir az kiçikdir.', 'Gecə rejimində əla görünür 👌', 'Şrift oxunmur, düzəldin zəhmət olmasa.'];
const SHARE_TARGETS = ['WhatsApp', 'Telegram', 'Instagram', 'Mi Talk'];
const STYLES = ['Minimal', 'Anime', 'Qaranlıq', 'Retro', 'Neon', 'Pastel', 'Təbiət fotoqrafiyası'];
const TAGS = ['təbiət', 'dəniz', 'dağlar', 'Bakı', 'xalça naxışı', 'avtomobillər', 'pişiklər', 'kosmos', 'gül', 'Novruz', 'futbol', 'xəttatlıq'];
const CAROUSEL_CATEGORIES = ['Təbiət', 'Səyahət', 'İdman', 'Əyləncə', 'Xəbərlər', 'Memarlıq', 'Heyvanlar', 'Avtomobillər'];
const CONTENT_PROVIDERS = ['Kaleidoskop Media', 'Ekran Hekayələri MMC'];
const CURRENCY: Record<string, { code: string; prices: number[] }> = {
  NETHERLANDS: { code: 'AZN', prices: [99, 149, 199, 299, 499] },
  SINGAPORE: { code: 'SGD', prices: [98, 198, 298, 498] },
  INDIA: { code: 'INR', prices: [4900, 9900, 14900, 29900] },
  RUSSIA: { code: 'RUB', prices: [9900, 14900, 29900] },
};

/** Logs kept for 12 months (searches, carousel events) are seeded within the last 12 months of the seed window. */
const LAST_YEAR = '2025-11-01T00:00:00Z';
const END = '2026-10-31T00:00:00Z';

/** `n` date-times from `from`, oldest first: logs are appended in time order, so row ids follow time. */
function dates(rng: Rng, n: number, from: string, to = END): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng.date(from, to));
  return out.sort();
}

function pickSome<T>(rng: Rng, items: readonly T[], min: number, max: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  for (let n = rng.int(min, max); n > 0 && pool.length > 0; n--) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  return out;
}

/** Weights of a facet, heaviest first, summing to 1 (to 3 decimals). */
function weigh(rng: Rng, tags: string[]): { tag: string; weight: number; rank: number }[] {
  const raw = tags.map((tag) => ({ tag, w: rng.int(5, 100) }));
  const total = raw.reduce((s, r) => s + r.w, 0);
  return raw
    .sort((a, b) => b.w - a.w)
    .map((r, i) => ({ tag: r.tag, weight: Math.round((r.w / total) * 1000) / 1000, rank: i + 1 }));
}

/**
 * Deterministic themes data for each target: every kind at least once;
 * carousel events (4 × scale), interactions (2 × scale), downloads and
 * searches (1 × scale each), purchases (scale / 10) and one recommendation
 * profile per 50 of scale — 8 × scale records or more.
 */
export async function seed(store: ThemesStore, targets: SeedTarget[]): Promise<void> {
  for (const t of targets) {
    const { profile: p, rng } = t;
    await store.db.transaction().execute(async (trx) => {
      const raw = trx;
      const item = () => rng.pick(CATALOGUE);

      const downloads: New<ThemeDownloadRow>[] = dates(rng, t.scale, p.registeredAt).map((at) => {
        const it = item();
        return { ...recordBase(t, at), itemId: it.id, itemTitle: it.title, itemType: it.type, at, device: rng.pick(DEVICES) };
      });
      await insertChunked(raw, 'download', downloads);

      const money = CURRENCY[p.region] ?? CURRENCY.NETHERLANDS!;
      const purchases: New<ThemePurchaseRow>[] = dates(rng, Math.max(1, Math.floor(t.scale / 10)), p.registeredAt).map((at, i) => {
        const it = item();
        // The first purchase is always by card, so every person has a masked card to show.
        const method = i === 0 ? 'CARD' : rng.pick(['CARD', 'CARD', 'MI_CREDITS', 'CARRIER_BILLING', 'WALLET']);
        return {
          ...recordBase(t, at),
          itemId: it.id,
          itemTitle: it.title,
          itemType: it.type,
          priceMinor: rng.pick(money.prices),
          currency: money.code,
          at,
          orderReference: `TH${at.slice(0, 10).replaceAll('-', '')}${rng.digits(8)}`,
          paymentMethod: method,
          cardLast4: method === 'CARD' ? rng.digits(4) : null,
          pspToken: method === 'MI_CREDITS' ? null : `psp_tok_${rng.hex(32)}`,
        };
      });
      await insertChunked(raw, 'purchase', purchases);

      // The first four interactions are one of each type, so every person has all four.
      const interactions: New<ThemeInteractionRow>[] = dates(rng, Math.max(4, 2 * t.scale), p.registeredAt).map((at, i) => {
        const it = item();
        const type = i < 4 ? (['LIKE', 'COMMENT', 'FAVOURITE', 'SHARE'] as const)[i]! : rng.pick(['LIKE', 'LIKE', 'LIKE', 'FAVOURITE', 'FAVOURITE', 'COMMENT', 'SHARE'] as const);
        return {
          ...recordBase(t, at),
          type,
          itemId: it.id,
          itemTitle: it.title,
          commentText: type === 'COMMENT' ? rng.pick([...COMMENTS, ...TRICKY_TEXT]) : null,
          sharedTo: type === 'SHARE' ? rng.pick(SHARE_TARGETS) : null,
          at,
        };
      });
      await insertChunked(raw, 'interaction', interactions);

      const searches: New<ThemeSearchQueryRow>[] = dates(rng, t.scale, LAST_YEAR).map((at) => ({
        ...recordBase(t, at),
        text: rng.bool(0.1) ? rng.pick(TRICKY_TEXT) : rng.pick(SEARCHES),
        at,
        resultCount: rng.bool(0.08) ? 0 : rng.int(1, 480),
      }));
      await insertChunked(raw, 'searchQuery', searches);

      // Profiles are recomputed over time; each one's weights are child rows keyed by the profile's id.
      const weights: New<ThemeTagWeightRow>[] = [];
      for (const computedAt of dates(rng, 1 + Math.floor(t.scale / 50), LAST_YEAR)) {
        const row: New<RecommendationProfileRow> = {
          ...recordBase(t, computedAt),
          computedAt,
          modelVersion: MODEL_VERSION,
          basedOnDownloads: rng.int(Math.min(1, downloads.length), downloads.length),
          basedOnSearches: rng.int(Math.min(1, searches.length), searches.length),
        };
        await insertChunked(raw, 'recommendationProfile', [row]);
        // The one just written: the latest of this person's (the seed writes one person at a time).
        const { id } = await raw.selectFrom('recommendationProfile').select('id').where('personId', '=', p.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
        for (const [facet, pool, min, max] of [['STYLE', STYLES, 3, 5], ['TAG', TAGS, 4, 8]] as const) {
          for (const w of weigh(rng, pickSome(rng, pool, min, max))) weights.push({ profileId: id, personId: p.id, facet, ...w });
        }
      }
      await insertChunked(raw, 'recommendationWeight', weights);

      const since = rng.date(p.registeredAt, LAST_YEAR);
      const subscriptions: New<CarouselSubscriptionRow>[] = [
        {
          ...recordBase(t, since),
          subscribed: 1,
          changeFrequency: rng.pick(CHANGE_FREQUENCIES),
          categories: JSON.stringify(pickSome(rng, CAROUSEL_CATEGORIES, 2, 5)),
          contentProvider: CONTENT_PROVIDERS[0]!,
          since,
        },
      ];
      if (rng.bool(0.5)) {
        const earlier = rng.date(p.registeredAt, since);
        subscriptions.unshift({
          ...recordBase(t, earlier),
          subscribed: 0,
          changeFrequency: rng.pick(CHANGE_FREQUENCIES),
          categories: JSON.stringify(pickSome(rng, CAROUSEL_CATEGORIES, 1, 3)),
          contentProvider: CONTENT_PROVIDERS[1]!,
          since: earlier,
        });
      }
      await insertChunked(raw, 'carouselSubscription', subscriptions);

      // The first three carousel events are one of each type, so every person has all three.
      const events: New<CarouselEventRow>[] = dates(rng, Math.max(3, 4 * t.scale), LAST_YEAR).map((at, i) => {
        const type = i < 3 ? (['VIEW', 'IMPRESSION', 'CLICK'] as const)[i]! : rng.pick(['VIEW', 'VIEW', 'VIEW', 'VIEW', 'IMPRESSION', 'IMPRESSION', 'IMPRESSION', 'CLICK'] as const);
        const view = type === 'VIEW';
        return {
          ...recordBase(t, at),
          type,
          pictureId: `pic-${rng.hex(10)}`,
          articleId: view ? null : `art-${rng.hex(8)}`,
          viewMode: view ? rng.pick(VIEW_MODES) : null,
          durationMs: view ? rng.int(300, 60_000) : null,
          at,
        };
      });
      await insertChunked(raw, 'carouselEvent', events);
    });
  }
}
