import { column, defineTables, openStore, plainTable, recordTable, type DatabaseOf, type KindRowsOf, type Store } from '@footprint/kit';

const { text, integer } = column;

/**
 * The messaging domain's tables, described once: migrations, row types and
 * the record type → table map come from here. Change them with
 * `.migration('002_…', { … })`; never edit what has shipped.
 */
export const tables = defineTables({
  /** One of the person's own routing identifiers: a phone number or a Mi Message ID (shown in full: it is theirs). */
  routingIdentifier: recordTable('RoutingIdentifier', {
    /** PHONE_NUMBER or MI_MESSAGE_ID */
    type: text(),
    value: text(),
    registeredAt: text(),
    verifiedAt: text().nullable(),
    deactivatedAt: text().nullable(),
  }),
  conversation: recordTable('MessagingConversation', {
    /** The conversation's routing ID; messages and members refer to it. */
    conversationId: text(),
    /** DIRECT or GROUP */
    type: text(),
    /** A group's name; null for a direct conversation (its title is the correspondent's masked number). */
    title: text().nullable(),
    participantCount: integer(),
    createdAt: text(),
    lastMessageAt: text().nullable(),
    /** The person's own phone number this conversation runs on. */
    ownNumber: text(),
  }),
  message: recordTable(
    'MessagingMessage',
    {
      conversationId: text(),
      messageId: text(),
      /** SENT or RECEIVED */
      direction: text(),
      body: text(),
      sentAt: text(),
      /** PENDING, SENT, DELIVERED, READ or FAILED */
      state: text(),
      deliveredAt: text().nullable(),
      readAt: text().nullable(),
      /** The person's own phone number that sent it (SENT) or received it (RECEIVED). */
      ownNumber: text(),
    },
    [{ name: 'message_conversation_idx', columns: ['personId', 'conversationId'] }],
  ),
  /**
   * Someone the person exchanged messages with. Not a record kind: this is the
   * correspondent's data, held only to route messages. `phoneNumber`,
   * `displayName` and `miMessageId` are never selected by a resolver or loader;
   * responses read `phoneMasked` only (written masked, see maskPhone).
   */
  correspondent: plainTable(
    {
      personId: text(),
      /** Full E.164 number: routing only, never selected into a response. */
      phoneNumber: text(),
      /** The only form a response may carry, e.g. +99450•••••67. */
      phoneMasked: text(),
      /** The correspondent's own profile name: never selected into a response. */
      displayName: text().nullable(),
      /** The correspondent's Mi Message ID: never selected into a response. */
      miMessageId: text().nullable(),
      firstSeenAt: text(),
    },
    { indexes: [{ name: 'correspondent_person_idx', columns: ['personId', 'phoneNumber'], unique: true }] },
  ),
  /** A correspondent's membership of one of the person's conversations. */
  conversationMember: plainTable(
    { personId: text(), conversationId: text(), correspondentId: integer().references('correspondent.id'), joinedAt: text() },
    { indexes: [{ name: 'conversation_member_idx', columns: ['personId', 'conversationId'] }] },
  ),
  /** A correspondent a message was routed from (SENDER) or to (RECIPIENT); the person's own side is the message's ownNumber. */
  messageParty: plainTable(
    {
      personId: text(),
      messageId: text(),
      correspondentId: integer().references('correspondent.id'),
      /** SENDER or RECIPIENT */
      role: text(),
    },
    { indexes: [{ name: 'message_party_idx', columns: ['personId', 'messageId'] }] },
  ),
});

export interface MessagingDB extends DatabaseOf<typeof tables.specs> {}
/** Record type → its stored row (codegen's mappers). */
export type KindRows = KindRowsOf<typeof tables.specs>;
/** Row names the domain's code uses. */
export type RoutingIdentifierRow = KindRows['RoutingIdentifier'];
export type MessagingConversationRow = KindRows['MessagingConversation'];
export type MessagingMessageRow = KindRows['MessagingMessage'];
export type CorrespondentTable = MessagingDB['correspondent'];
export type ConversationMemberTable = MessagingDB['conversationMember'];
export type MessagePartyTable = MessagingDB['messageParty'];

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

export type MessagingStore = Store<MessagingDB>;

export function openMessagingStore(url: string | undefined, dataDir: string): MessagingStore {
  return openStore<MessagingDB>({ domain: 'messaging', url, dataDir, migrations: tables.migrations });
}
