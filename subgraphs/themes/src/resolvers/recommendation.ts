import { whenLoaded } from '@footprint/kit';
import type { Resolvers } from '../generated/resolvers.js';
import { oneOf, TAG_FACETS } from '../vocabulary.js';

/** A recommendation profile's weights come from the request's loader: one statement for every profile on the page. */
export const recommendationResolvers: Resolvers = {
  RecommendationProfile: {
    topStyles: (row, _, ctx) => whenLoaded(ctx.loaders.weightsByProfile.get(row.id), (weights) => weights.filter((w) => w.facet === 'STYLE')),
    topTags: (row, _, ctx) => whenLoaded(ctx.loaders.weightsByProfile.get(row.id), (weights) => weights.filter((w) => w.facet === 'TAG')),
  },
  ThemeTagWeight: {
    facet: (row) => oneOf(TAG_FACETS, row.facet, 'tag facet'),
  },
};
