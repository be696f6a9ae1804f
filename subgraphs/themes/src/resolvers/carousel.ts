import { z } from 'zod';
import { fail } from '@footprint/schema';
import type { Resolvers } from '../generated/resolvers.js';
import { CAROUSEL_EVENT_TYPES, CHANGE_FREQUENCIES, oneOf, VIEW_MODES } from '../vocabulary.js';

const Categories = z.array(z.string());

function parseCategories(stored: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    value = undefined;
  }
  const parsed = Categories.safeParse(value);
  if (!parsed.success) fail('INTERNAL_SERVER_ERROR', 'The themes store holds carousel categories that are not a list of names');
  return parsed.data;
}

/** Wallpaper Carousel: the subscription's settings and the views, clicks and impressions it logged. */
export const carouselResolvers: Resolvers = {
  CarouselSubscription: {
    subscribed: (row) => row.subscribed === 1,
    changeFrequency: (row) => oneOf(CHANGE_FREQUENCIES, row.changeFrequency, 'change frequency'),
    categories: (row) => parseCategories(row.categories),
  },
  CarouselEvent: {
    type: (row) => oneOf(CAROUSEL_EVENT_TYPES, row.type, 'carousel event type'),
    viewMode: (row) => (row.viewMode === null ? null : oneOf(VIEW_MODES, row.viewMode, 'view mode')),
  },
};
