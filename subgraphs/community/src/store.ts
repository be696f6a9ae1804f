import { PostgresAdapter, sql, type Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/kit';

export interface CommunityProfileRow extends RecordRow {
  nickname: string;
  rating: number;
  level: number;
  levelName: string;
  joinedAt: string;
}
/** One badge of a profile: a nested list of CommunityProfile, loaded per request in one statement. */
export interface CommunityBadgeRow {
  id: number;
  profileId: number;
  personId: string;
  name: string;
  awardedAt: string;
}
export interface CommunityPostRow extends RecordRow {
  /** The post's public id on the forum (also in forumPost). */
  postId: string;
  board: string;
  title: string;
  body: string;
  postedAt: string;
  likes: number;
}
export interface CommunityCommentRow extends RecordRow {
  /** Public id of the post commented on; its title comes from forumPost. */
  postId: string;
  body: string;
  at: string;
}
export interface CommunityPrivateMessageRow extends RecordRow {
  /** SENT or RECEIVED. */
  direction: string;
  /** The only thing kept about the other member: their nickname when the message was exchanged. */
  counterpartNickname: string;
  body: string;
  at: string;
}
export interface CommunityBrowsingEventRow extends RecordRow {
  board: string;
  /** Public id of the post opened; null for a board list. */
  threadId: string | null;
  at: string;
}
export interface CommunityLoginRow extends RecordRow {
  at: string;
  ip: string;
  client: string;
}
export interface PromotionEntryRow extends RecordRow {
  promotionName: string;
  enteredAt: string;
  prize: string | null;
  shippingName: string | null;
  shippingAddress: string | null;
  shippingPhone: string | null;
}
/**
 * The forum's public post index (id, board, title): what a comment or a visit
 * names. Not anyone's record; deliberately without the author.
 */
export interface ForumPostTable {
  id: string;
  board: string;
  title: string;
}

export interface CommunityDB {
  profile: CommunityProfileRow;
  badge: CommunityBadgeRow;
  post: CommunityPostRow;
  comment: CommunityCommentRow;
  privateMessage: CommunityPrivateMessageRow;
  browsing: CommunityBrowsingEventRow;
  login: CommunityLoginRow;
  promotionEntry: PromotionEntryRow;
  forumPost: ForumPostTable;
}

/** Record type → table; the kit paginates, counts and summarises through it. */
export const TABLES = {
  CommunityProfile: 'profile',
  CommunityPost: 'post',
  CommunityComment: 'comment',
  CommunityPrivateMessage: 'privateMessage',
  CommunityBrowsingEvent: 'browsing',
  CommunityLogin: 'login',
  PromotionEntry: 'promotionEntry',
} as const;

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await createRecordTable(db, 'profile', (t) =>
        t
          .addColumn('nickname', 'text', (c) => c.notNull())
          .addColumn('rating', 'integer', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('level_name', 'text', (c) => c.notNull())
          .addColumn('joined_at', 'text', (c) => c.notNull()),
      );
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('badge')
        .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('profile_id', 'integer', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('awarded_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('badge_profile_idx').on('badge').columns(['profile_id', 'awarded_at']).execute();
      await createRecordTable(db, 'post', (t) =>
        t
          .addColumn('post_id', 'text', (c) => c.notNull())
          .addColumn('board', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('posted_at', 'text', (c) => c.notNull())
          .addColumn('likes', 'integer', (c) => c.notNull()),
      );
      await createRecordTable(db, 'comment', (t) =>
        t
          .addColumn('post_id', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'private_message', (t) =>
        t
          .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('SENT', 'RECEIVED')`))
          .addColumn('counterpart_nickname', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'browsing', (t) =>
        t
          .addColumn('board', 'text', (c) => c.notNull())
          .addColumn('thread_id', 'text')
          .addColumn('at', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'login', (t) =>
        t
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('ip', 'text', (c) => c.notNull())
          .addColumn('client', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'promotion_entry', (t) =>
        t
          .addColumn('promotion_name', 'text', (c) => c.notNull())
          .addColumn('entered_at', 'text', (c) => c.notNull())
          .addColumn('prize', 'text')
          .addColumn('shipping_name', 'text')
          .addColumn('shipping_address', 'text')
          .addColumn('shipping_phone', 'text'),
      );
      await db.schema
        .createTable('forum_post')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('board', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export type CommunityStore = Store<CommunityDB>;

export function openCommunityStore(url: string | undefined, dataDir: string): CommunityStore {
  return openStore<CommunityDB>({ domain: 'community', url, dataDir, migrations });
}
