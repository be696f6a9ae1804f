import { whenLoaded } from '@footprint/kit';
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
    title: (row, _, ctx) =>
      row.title || whenLoaded(ctx.loaders.membersByConversation.get(row.conversationId), (members) => members.map((m) => m.phoneMasked).join(', ') || row.ownNumber),
    participants: (row, _, ctx) => whenLoaded(ctx.loaders.membersByConversation.get(row.conversationId), (members) => [own(row.ownNumber), ...members.map(correspondent)]),
  },
  MessagingMessage: {
    direction: (row) => row.direction as MessagingDirection,
    state: (row) => row.state as MessagingDeliveryState,
    sender: (row, _, ctx) => {
      if (row.direction === 'SENT') return own(row.ownNumber);
      return whenLoaded(ctx.loaders.partiesByMessage.get(row.messageId), (parties) => {
        const from = parties.find((p) => p.role === 'SENDER');
        if (!from) throw new Error(`Received message ${row.messageId} has no sender`);
        return correspondent(from);
      });
    },
    recipients: (row, _, ctx) =>
      whenLoaded(ctx.loaders.partiesByMessage.get(row.messageId), (parties) => {
        const to = parties.filter((p) => p.role === 'RECIPIENT').map(correspondent);
        return row.direction === 'RECEIVED' ? [own(row.ownNumber), ...to] : to;
      }),
  },
  RoutingIdentifier: {
    type: (row) => row.type as MessagingIdentifierType,
    active: (row) => row.deactivatedAt === null,
  },
};
