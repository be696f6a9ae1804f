import type { MaskedParty } from '../loaders.js';
import type {
  MessagingAddress,
  MessagingConversationType,
  MessagingDeliveryState,
  MessagingDirection,
  MessagingIdentifierType,
  Resolvers,
} from '../generated/resolvers.js';

const own = (phoneNumber: string): MessagingAddress => ({ own: true, phoneNumber });
/** A correspondent is only ever their masked number. */
const correspondent = (p: MaskedParty): MessagingAddress => ({ own: false, phoneNumber: p.phoneMasked });

/**
 * Field resolvers that turn stored rows into the schema's shape. The person's
 * own numbers come from their own rows; correspondents come only through the
 * loaders, which select the masked number and nothing else of them.
 */
export const recordResolvers: Resolvers = {
  MessagingConversation: {
    type: (row) => row.type as MessagingConversationType,
    title: async (row, _, ctx) => {
      if (row.title) return row.title;
      const members = await ctx.loaders.membersByConversation.load(row.conversationId);
      return members.map((m) => m.phoneMasked).join(', ') || row.ownNumber;
    },
    participants: async (row, _, ctx) => {
      const members = await ctx.loaders.membersByConversation.load(row.conversationId);
      return [own(row.ownNumber), ...members.map(correspondent)];
    },
  },
  MessagingMessage: {
    direction: (row) => row.direction as MessagingDirection,
    state: (row) => row.state as MessagingDeliveryState,
    sender: async (row, _, ctx) => {
      if (row.direction === 'SENT') return own(row.ownNumber);
      const parties = await ctx.loaders.partiesByMessage.load(row.messageId);
      const from = parties.find((p) => p.role === 'SENDER');
      if (!from) throw new Error(`Received message ${row.messageId} has no sender`);
      return correspondent(from);
    },
    recipients: async (row, _, ctx) => {
      const parties = await ctx.loaders.partiesByMessage.load(row.messageId);
      const to = parties.filter((p) => p.role === 'RECIPIENT').map(correspondent);
      return row.direction === 'RECEIVED' ? [own(row.ownNumber), ...to] : to;
    },
  },
  RoutingIdentifier: {
    type: (row) => row.type as MessagingIdentifierType,
    active: (row) => row.deactivatedAt === null,
  },
};
