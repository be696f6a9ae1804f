import { PostgresAdapter, type CreateTableBuilder, type Generated, type Kysely, type Migration } from 'kysely';
import { createRecordTable, openStore, type RecordRow, type Store } from '@footprint/kit';

/** One of the person's own routing identifiers: a phone number or a Mi Message ID (shown in full: it is theirs). */
export interface RoutingIdentifierRow extends RecordRow {
  /** PHONE_NUMBER or MI_MESSAGE_ID */
  type: string;
  value: string;
  registeredAt: string;
  verifiedAt: string | null;
  deactivatedAt: string | null;
}
export interface MessagingConversationRow extends RecordRow {
  /** The conversation's routing ID; messages and members refer to it. */
  conversationId: string;
  /** DIRECT or GROUP */
  type: string;
  /** A group's name; null for a direct conversation (its title is the correspondent's masked number). */
  title: string | null;
  participantCount: number;
  createdAt: string;
  lastMessageAt: string | null;
  /** The person's own phone number this conversation runs on. */
  ownNumber: string;
}
export interface MessagingMessageRow extends RecordRow {
  conversationId: string;
  messageId: string;
  /** SENT or RECEIVED */
  direction: string;
  body: string;
  sentAt: string;
  /** PENDING, SENT, DELIVERED, READ or FAILED */
  state: string;
  deliveredAt: string | null;
  readAt: string | null;
  /** The person's own phone number that sent it (SENT) or received it (RECEIVED). */
  ownNumber: string;
}

/**
 * Someone the person exchanged messages with. Not a record kind: this is the
 * correspondent's data, held only to route messages. `phoneNumber`,
 * `displayName` and `miMessageId` are never selected by a resolver or loader;
 * responses read `phoneMasked` only (written masked, see maskPhone).
 */
export interface CorrespondentTable {
  id: Generated<number>;
  personId: string;
  /** Full E.164 number: routing only, never selected into a response. */
  phoneNumber: string;
  /** The only form a response may carry, e.g. +99450•••••67. */
  phoneMasked: string;
  /** The correspondent's own profile name: never selected into a response. */
  displayName: string | null;
  /** The correspondent's Mi Message ID: never selected into a response. */
  miMessageId: string | null;
  firstSeenAt: string;
}
/** A correspondent's membership of one of the person's conversations. */
export interface ConversationMemberTable {
  id: Generated<number>;
  personId: string;
  conversationId: string;
  correspondentId: number;
  joinedAt: string;
}
/** A correspondent a message was routed from (SENDER) or to (RECIPIENT); the person's own side is the message's ownNumber. */
export interface MessagePartyTable {
  id: Generated<number>;
  personId: string;
  messageId: string;
  correspondentId: number;
  /** SENDER or RECIPIENT */
  role: string;
}

export interface MessagingDB {
  routingIdentifier: RoutingIdentifierRow;
  conversation: MessagingConversationRow;
  message: MessagingMessageRow;
  correspondent: CorrespondentTable;
  conversationMember: ConversationMemberTable;
  messageParty: MessagePartyTable;
}

/** Record type → table; the kit paginates, counts and summarises through it. Correspondent tables are not record kinds. */
export const TABLES = {
  MessagingConversation: 'conversation',
  MessagingMessage: 'message',
  RoutingIdentifier: 'routingIdentifier',
} as const;

/**
 * Masks a correspondent's number: the country and operator prefix and the last
 * two digits stay, the rest become bullets (+994501234567 → +99450•••••67).
 * Enough to tell conversations apart, not enough to call or identify anyone.
 */
export function maskPhone(number: string): string {
  const n = number.replace(/[^\d+]/g, '');
  if (n.length <= 8) return '•'.repeat(Math.max(0, n.length - 2)) + n.slice(-2);
  return n.slice(0, 6) + '•'.repeat(n.length - 8) + n.slice(-2);
}

/** A table that is not a record kind: an id (serial on PostgreSQL, autoincrement on SQLite) and its own columns. */
async function plainTable(
  db: Kysely<unknown>,
  table: string,
  columns: (t: CreateTableBuilder<string, 'id'>) => CreateTableBuilder<string, 'id'>,
): Promise<void> {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  const t = db.schema
    .createTable(table)
    .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()));
  await columns(t as CreateTableBuilder<string, 'id'>).execute();
}

export const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db) {
      await createRecordTable(db, 'routing_identifier', (t) =>
        t
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('registered_at', 'text', (c) => c.notNull())
          .addColumn('verified_at', 'text')
          .addColumn('deactivated_at', 'text'),
      );
      await createRecordTable(db, 'conversation', (t) =>
        t
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('title', 'text')
          .addColumn('participant_count', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_message_at', 'text')
          .addColumn('own_number', 'text', (c) => c.notNull()),
      );
      await createRecordTable(db, 'message', (t) =>
        t
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('direction', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('delivered_at', 'text')
          .addColumn('read_at', 'text')
          .addColumn('own_number', 'text', (c) => c.notNull()),
      );
      await db.schema.createIndex('message_conversation_idx').on('message').columns(['person_id', 'conversation_id']).execute();

      await plainTable(db, 'correspondent', (t) => t
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('phone_masked', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('mi_message_id', 'text')
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
      );
      await db.schema.createIndex('correspondent_person_idx').on('correspondent').columns(['person_id', 'phone_number']).unique().execute();
      await plainTable(db, 'conversation_member', (t) => t
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('correspondent_id', 'integer', (c) => c.notNull().references('correspondent.id'))
        .addColumn('joined_at', 'text', (c) => c.notNull())
      );
      await db.schema.createIndex('conversation_member_idx').on('conversation_member').columns(['person_id', 'conversation_id']).execute();
      await plainTable(db, 'message_party', (t) => t
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('correspondent_id', 'integer', (c) => c.notNull().references('correspondent.id'))
        .addColumn('role', 'text', (c) => c.notNull())
      );
      await db.schema.createIndex('message_party_idx').on('message_party').columns(['person_id', 'message_id']).execute();
    },
  },
};

export type MessagingStore = Store<MessagingDB>;

export function openMessagingStore(url: string | undefined, dataDir: string): MessagingStore {
  return openStore<MessagingDB>({ domain: 'messaging', url, dataDir, migrations });
}
