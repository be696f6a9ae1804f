import type { Transaction } from 'kysely';
import { DEMO_PERSON, insertChunked, OTHER_PERSON, personProfile, recordBase, Rng, TRICKY_TEXT, type SeedTarget } from '@footprint/kit';
import type { CommunityDB, CommunityStore, ForumPostTable } from './store.js';

const BOARDS = ['Xiaomi 14', 'Redmi Note 13', 'HyperOS', 'Foto klubu', 'Aksesuarlar', 'Ağıllı ev', 'Təkliflər və rəylər'];
const TOPICS = [
  'Batareya tez bitir — nə etmək olar?',
  'Yeniləmədən sonra Wi-Fi qopur',
  'Gecə rejimində çəkilmiş şəkillər',
  'Ən yaxşı qoruyucu şüşə hansıdır?',
  'Bildirişlər gecikir: "Avtostart" ayarı',
  'Şarj 120W əvəzinə 67W göstərir',
  'Ekran parlaqlığı özü dəyişir',
  'Robot tozsoran xəritəni itirir',
  'Yeni tema: "Xəzər sahili"',
  'Kamera tətbiqində 50MP rejimi harada?',
  'Qulaqlıqlar, saat və telefon: birlikdə işləmir',
  'Şəki yolunda çəkdiyim kadrlar',
];
const POST_BODIES = [
  'Salam hamıya! Telefonu iki həftədir istifadə edirəm, təəssüratlarımı yazıram.',
  'Eyni problemlə üzləşən varmı? Parametrləri sıfırladım, kömək etmədi.',
  'Təklifim: kilid ekranında hava proqnozunu göstərmək seçimi əlavə olunsun.',
  'Bir neçə şəkil paylaşıram; hamısı avtomatik rejimdə çəkilib.',
];
const COMMENT_BODIES = ['Mənimlə də eyni şey oldu.', 'Təşəkkürlər, kömək etdi!', 'Parametrlər → Batareya → "Optimallaşdırma" bölməsinə baxın.', 'Əla kadrlar 👍', 'Razıyam, bu funksiya lazımdır.'];
const MESSAGE_BODIES = ['Salam! Şəkli hansı rejimdə çəkmisiniz?', 'Sabah görüşə gəlirsən?', 'Linki göndərirəm, baxarsan.', 'Çox sağ olun, problem həll olundu.'];
const LEVELS = ['Yeni üzv', 'Fəal üzv', 'Təcrübəli üzv', 'Ekspert', 'Mi Fan', 'Əfsanə'];
const BADGES = ['İlk paylaşım', 'Foto ustası', 'Beta testçi', 'Köməkçi', '100 bəyənmə', 'Aksiya iştirakçısı', 'İllik yubiley'];
const CLIENTS = [
  'Xiaomi Community 5.6.2 (Android 14; 23127PN0CG)',
  'Xiaomi Community 5.5.0 (Android 13; 2201116SG)',
  'Chrome 129.0 (Windows 10)',
  'Safari 17.6 (macOS 14.6)',
];
const PROMOTIONS = ['Xiaomi 14 Ultra lotereyası', 'Yeni il aksiyası 2025', 'Foto müsabiqəsi "Bakı gecələri"', 'Redmi Buds sınaq proqramı', 'Mi Fan Festivalı 2026'];
const PRIZES = ['Redmi Buds 5', 'Xiaomi Smart Band 9', 'Mi Power Bank 20000 mAh', 'Mağaza kuponu: 50 ₼'];

/** Logs kept ROLLING_12_MONTHS only hold the last year of the seed's time range. */
const LOG_FROM = '2025-11-01T00:00:00Z';
/** The forum's public posts by other members that people comment on and open. */
const FORUM_SIZE = 300;
const forumPostId = (n: number) => `F${500000 + n}`;
/** A post that was on the forum and has since been removed: comments and visits still name it. */
const removedPostId = (n: number) => `F${990000 + n}`;

function forumIndex(): ForumPostTable[] {
  const r = new Rng('community:forum');
  return Array.from({ length: FORUM_SIZE }, (_, n) => ({ id: forumPostId(n), board: r.pick(BOARDS), title: r.pick(TOPICS) }));
}

/** Adds forum index entries that are not there yet, so seeding again or in batches is harmless. */
async function upsertForumPosts(trx: Transaction<CommunityDB>, rows: ForumPostTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('forumPost')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
}

const byTime = <T extends { collectedAt: string }>(rows: T[]) => rows.sort((a, b) => a.collectedAt.localeCompare(b.collectedAt));

/**
 * Deterministic community data for each target: every community kind, with
 * posts, comments, private messages, browsing and logins growing with `scale`
 * (9 × scale records, plus the profile and the promotions entered).
 */
export async function seed(store: CommunityStore, targets: SeedTarget[]): Promise<void> {
  const db = store.db;
  const forum = forumIndex();
  await db.transaction().execute((trx) => upsertForumPosts(trx, forum));

  for (const t of targets) {
    const { profile: p, rng, scale } = t;
    const since = p.registeredAt;
    const tricky = () => (rng.bool(0.3) ? rng.pick(TRICKY_TEXT) : null);
    await db.transaction().execute(async (trx) => {
      // Profile and its badges.
      const joinedAt = rng.date(since, '2020-01-01T00:00:00Z');
      const level = rng.int(1, LEVELS.length);
      await insertChunked(trx, 'profile', [
        { ...recordBase(t, joinedAt), nickname: p.nickname, rating: rng.int(10, 5000) * level, level, levelName: LEVELS[level - 1]!, joinedAt },
      ]);
      const { id: profileId } = await trx.selectFrom('profile').select('id').where('personId', '=', p.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      const badgeNames = BADGES.filter(() => rng.bool(0.5));
      if (badgeNames.length === 0) badgeNames.push(BADGES[0]!);
      await insertChunked(
        trx,
        'badge',
        badgeNames.map((name) => ({ profileId, personId: p.id, name, awardedAt: rng.date(joinedAt) })),
      );

      // Posts: also entries of the public forum index, so comments and visits can name them.
      const posts = byTime(
        Array.from({ length: scale }, () => {
          const postedAt = rng.date(joinedAt);
          const body = [rng.pick(POST_BODIES), tricky()].filter(Boolean).join('\n\n');
          return { ...recordBase(t, postedAt), board: rng.pick(BOARDS), title: rng.pick(TOPICS), body, postedAt, likes: rng.int(0, 250) };
        }),
      ).map((x, i) => ({ ...x, postId: `P${p.id}-${i + 1}` }));
      await insertChunked(trx, 'post', posts);
      await upsertForumPosts(
        trx,
        posts.map((x) => ({ id: x.postId, board: x.board, title: x.title })),
      );

      const somePost = (): ForumPostTable => {
        const roll = rng.float();
        if (roll < 0.05) return { id: removedPostId(rng.int(0, 999)), board: rng.pick(BOARDS), title: '' };
        if (roll < 0.3) {
          const own = rng.pick(posts);
          return { id: own.postId, board: own.board, title: own.title };
        }
        return rng.pick(forum);
      };

      const comments = Array.from({ length: 2 * scale }, () => {
        const at = rng.date(joinedAt);
        return { ...recordBase(t, at), postId: somePost().id, body: tricky() ?? rng.pick(COMMENT_BODIES), at };
      });
      await insertChunked(trx, 'comment', byTime(comments));

      // Private messages: the other member is kept only as their nickname.
      const counterparts = [p.id === DEMO_PERSON ? OTHER_PERSON : DEMO_PERSON, ...Array.from({ length: 6 }, () => `100${rng.digits(5)}`)].filter((id) => id !== p.id);
      const messages = Array.from({ length: 2 * scale }, (_, i) => {
        const at = rng.date(joinedAt);
        const direction = i === 0 ? 'SENT' : i === 1 ? 'RECEIVED' : rng.pick(['SENT', 'RECEIVED'] as const);
        return { ...recordBase(t, at), direction, counterpartNickname: personProfile(rng.pick(counterparts)).nickname, body: tricky() ?? rng.pick(MESSAGE_BODIES), at };
      });
      await insertChunked(trx, 'privateMessage', byTime(messages));

      const browsing = Array.from({ length: 3 * scale }, (_, i) => {
        const at = rng.date(LOG_FROM);
        if (i === 0 || rng.bool(0.25)) return { ...recordBase(t, at), board: rng.pick(BOARDS), threadId: null, at };
        const post = somePost();
        return { ...recordBase(t, at), board: post.board, threadId: post.id, at };
      });
      await insertChunked(trx, 'browsing', byTime(browsing));

      const logins = Array.from({ length: scale }, () => {
        const at = rng.date(LOG_FROM);
        return { ...recordBase(t, at), at, ip: `${rng.pick(['85.132', '5.191', '94.20'])}.${rng.int(0, 255)}.${rng.int(1, 254)}`, client: rng.pick(CLIENTS) };
      });
      await insertChunked(trx, 'login', byTime(logins));

      // Promotions: the first entry won and gave shipping details, the second did not win.
      const promotions = Array.from({ length: Math.max(2, Math.floor(scale / 50)) }, (_, i) => {
        const enteredAt = rng.date(joinedAt);
        const won = i === 0 || (i > 1 && rng.bool(0.2));
        const shipped = won && (i === 0 || rng.bool(0.8));
        return {
          ...recordBase(t, enteredAt),
          promotionName: rng.pick(PROMOTIONS),
          enteredAt,
          prize: won ? rng.pick(PRIZES) : null,
          shippingName: shipped ? p.fullName : null,
          shippingAddress: shipped ? `${p.street}, ${p.city}, ${p.postalCode}` : null,
          shippingPhone: shipped ? p.phone : null,
        };
      });
      await insertChunked(trx, 'promotionEntry', byTime(promotions));
    });
  }
}
