import type { Resolvers } from '../generated/resolvers.js';
import { formatMinor, INTERACTION_TYPES, ITEM_TYPES, maskCard, oneOf } from '../vocabulary.js';

/**
 * Downloads, purchases, interactions and searches. A purchase's payment token
 * stays in the store (no field reads it) and its card is shown masked.
 */
export const recordResolvers: Resolvers = {
  ThemeDownload: {
    itemType: (row) => oneOf(ITEM_TYPES, row.itemType, 'item type'),
  },
  ThemePurchase: {
    itemType: (row) => oneOf(ITEM_TYPES, row.itemType, 'item type'),
    price: (row) => formatMinor(row.priceMinor, row.currency),
    maskedCard: (row) => maskCard(row.cardLast4),
  },
  ThemeInteraction: {
    type: (row) => oneOf(INTERACTION_TYPES, row.type, 'interaction type'),
  },
};
