import { accessLogFeature } from './access-log/feature.js';
import { correctionsFeature } from './corrections/feature.js';
import { dataMapFeature } from './datamap/feature.js';
import { exportsFeature } from './exports/index.js';
import { exportScheduleFeature } from './exports/schedule/index.js';
import type { FeatureModule } from './feature.js';
import { preferencesFeature } from './preferences/feature.js';
import { portabilityFeature } from './portability/index.js';
import { privacyFeature } from './privacy/feature.js';
import { requestsFeature } from './requests/index.js';
import { rightsFeature } from './rights/index.js';
import { transfersFeature } from './transfers/feature.js';

/**
 * The gateway's features, in order. Each lives in its own folder with its SDL
 * in gateway/schema/<name>.graphql; adding one is a line here.
 */
export const FEATURES: FeatureModule[] = [dataMapFeature, exportsFeature, exportScheduleFeature, correctionsFeature, rightsFeature, requestsFeature, transfersFeature, preferencesFeature, privacyFeature, accessLogFeature, portabilityFeature];
