import { correctableKind, defineCorrections } from '@footprint/kit';
import { z } from 'zod';
import type { CarouselSubscriptionRow, ThemesDB } from './store.js';
import { CHANGE_FREQUENCIES } from './vocabulary.js';

/**
 * What a person can correct in themes (policy §9): their Wallpaper Carousel
 * settings. The content provider that fills the carousel (§4) is told of a
 * correction (Art. 19).
 */

const carousel = correctableKind<ThemesDB, CarouselSubscriptionRow>({
  kind: 'themes.carousel_subscription',
  label: (row) => `Carousel by ${row.contentProvider}`,
  fields: {
    subscribed: { label: 'Subscribed', schema: z.boolean(), description: 'true to keep the carousel, false to stop it' },
    changeFrequency: {
      label: 'Change the wallpaper',
      // The SDL enum's own values (vocabulary.ts keeps them in step with schema.graphql).
      schema: z.enum(CHANGE_FREQUENCIES),
      description: `One of ${CHANGE_FREQUENCIES.join(', ')}`,
    },
  },
});

export const corrections = defineCorrections<ThemesDB>([carousel]);
