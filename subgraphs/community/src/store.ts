import type { Selectable } from 'kysely';
import { column, defineTables, openStore, plainTable, recordTable, type DatabaseOf, type KindRowsOf, type Store } from '@footprint/kit';

const { text, integer } = column;

/**
 * The community domain's tables, described once: migrations, row types and
 * the record type → table map come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  profile: recordTable('CommunityProfile', { nickname: text(), rating: integer(), level: integer(), levelName: text(), joinedAt: text() }),
  /** One badge of a profile: a nested list of CommunityProfile, loaded per request in one statement. */
  badge: plainTable(
    { profileId: integer(), personId: text(), name: text(), awardedAt: text() },
    { indexes: [{ name: 'badge_profile_idx', columns: ['profileId', 'awardedAt'] }] },
  ),
  post: recordTable('CommunityPost', {
    /** The post's public id on the forum (also in forumPost). */
    postId: text(),
    board: text(),
    title: text(),
    body: text(),
    postedAt: text(),
    likes: integer(),
  }),
  comment: recordTable('CommunityComment', {
    /** Public id of the post commented on; its title comes from forumPost. */
    postId: text(),
    body: text(),
    at: text(),
  }),
  privateMessage: recordTable('CommunityPrivateMessage', {
    direction: text<'SENT' | 'RECEIVED'>().check("direction in ('SENT', 'RECEIVED')"),
    /** The only thing kept about the other member: their nickname when the message was exchanged. */
    counterpartNickname: text(),
    body: text(),
    at: text(),
  }),
  browsing: recordTable('CommunityBrowsingEvent', {
    board: text(),
    /** Public id of the post opened; null for a board list. */
    threadId: text().nullable(),
    at: text(),
  }),
  login: recordTable('CommunityLogin', { at: text(), ip: text(), client: text() }),
  promotionEntry: recordTable('PromotionEntry', {
    promotionName: text(),
    enteredAt: text(),
    prize: text().nullable(),
    shippingName: text().nullable(),
    shippingAddress: text().nullable(),
    shippingPhone: text().nullable(),
  }),
  /**
   * The forum's public post index (id, board, title): what a comment or a visit
   * names. Not anyone's record; deliberately without the author.
   */
  forumPost: plainTable({ board: text(), title: text() }, { key: 'text' }),
});

export interface CommunityDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** Row names the domain's code uses. */
export type CommunityProfileRow = KindRows['CommunityProfile'];
export type CommunityBadgeRow = Selectable<CommunityDB['badge']>;
export type CommunityPostRow = KindRows['CommunityPost'];
export type CommunityCommentRow = KindRows['CommunityComment'];
export type CommunityPrivateMessageRow = KindRows['CommunityPrivateMessage'];
export type CommunityBrowsingEventRow = KindRows['CommunityBrowsingEvent'];
export type CommunityLoginRow = KindRows['CommunityLogin'];
export type PromotionEntryRow = KindRows['PromotionEntry'];
export type ForumPostTable = CommunityDB['forumPost'];

export type CommunityStore = Store<CommunityDB>;

export function openCommunityStore(url: string | undefined, dataDir: string): CommunityStore {
  return openStore<CommunityDB>({ domain: 'community', url, dataDir, migrations: tables.migrations });
}
