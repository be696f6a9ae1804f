import type { Resolvers } from '../generated/resolvers.js';
import { carouselResolvers } from './carousel.js';
import { recommendationResolvers } from './recommendation.js';
import { recordResolvers } from './records.js';

/** Every themes resolver; the kit supplies ids, metadata, Person.themes and the connections. */
export const resolvers: Resolvers = { ...recordResolvers, ...recommendationResolvers, ...carouselResolvers };
