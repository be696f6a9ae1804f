import type { FeatureModule } from './feature.js';

/**
 * The gateway's features, in order. Each lives in its own folder with its SDL
 * in gateway/schema/<name>.graphql; adding one is a line here.
 */
export const FEATURES: FeatureModule[] = [];
