import { correctionsFeature } from './corrections/feature.js';
import { dataMapFeature } from './datamap/feature.js';
import { exportsFeature } from './exports/index.js';
import type { FeatureModule } from './feature.js';
import { portabilityFeature } from './portability/index.js';
import { privacyFeature } from './privacy/feature.js';
import { requestsFeature } from './requests/index.js';
import { rightsFeature } from './rights/index.js';

/**
 * The gateway's features, in order. Each lives in its own folder with its SDL
 * in gateway/schema/<name>.graphql; adding one is a line here.
 */
export const FEATURES: FeatureModule[] = [dataMapFeature, exportsFeature, correctionsFeature, rightsFeature, requestsFeature, privacyFeature, portabilityFeature];
