import { whenLoaded } from '@footprint/kit';
import { fail } from '@footprint/schema';
import type { CommunityMessageDirection, Resolvers } from '../generated/resolvers.js';

const DIRECTIONS: readonly CommunityMessageDirection[] = ['SENT', 'RECEIVED'];

function direction(value: string): CommunityMessageDirection {
  const d = DIRECTIONS.find((x) => x === value);
  if (!d) fail('INTERNAL_SERVER_ERROR', 'A stored private message has no valid direction');
  return d;
}

/**
 * Field resolvers that turn stored rows into the schema's shape. Nested badges
 * and the public titles of posts come from this request's loaders (one
 * statement however many records ask). Of another member only the nickname
 * stored with a private message is ever returned.
 */
export const recordResolvers: Resolvers = {
  CommunityProfile: {
    badges: (row, _, ctx) => ctx.loaders.badgesByProfile.get(row.id),
  },
  CommunityComment: {
    postTitle: (row, _, ctx) => whenLoaded(ctx.loaders.forumPostById.get(row.postId), (post) => post?.title ?? null),
  },
  CommunityPrivateMessage: {
    direction: (row) => direction(row.direction),
  },
  CommunityBrowsingEvent: {
    threadTitle: (row, _, ctx) => (row.threadId === null ? null : whenLoaded(ctx.loaders.forumPostById.get(row.threadId), (post) => post?.title ?? null)),
  },
  PromotionEntry: {
    shipping: (row) =>
      row.shippingName !== null && row.shippingAddress !== null && row.shippingPhone !== null
        ? { name: row.shippingName, address: row.shippingAddress, phone: row.shippingPhone }
        : null,
  },
};
