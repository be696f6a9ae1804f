import type { Resolvers } from '../generated/resolvers.js';
import { oneOf, TAG_FACETS } from '../vocabulary.js';

/** A recommendation profile's weights come from the request's loader: one statement for every profile on the page. */
export const recommendationResolvers: Resolvers = {
  RecommendationProfile: {
    topStyles: async (row, _, ctx) => (await ctx.loaders.weightsByProfile.load(row.id)).filter((w) => w.facet === 'STYLE'),
    topTags: async (row, _, ctx) => (await ctx.loaders.weightsByProfile.load(row.id)).filter((w) => w.facet === 'TAG'),
  },
  ThemeTagWeight: {
    facet: (row) => oneOf(TAG_FACETS, row.facet, 'tag facet'),
  },
};
