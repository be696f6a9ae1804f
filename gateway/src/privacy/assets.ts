import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The browser pages are built by the @footprint/web package (its own DOM-typed
 * TypeScript, bundled); the gateway only serves what that build wrote.
 */
const webRoot = dirname(createRequire(import.meta.url).resolve('@footprint/web/package.json'));
export const WEB_DIST = join(webRoot, 'dist');
export const PRIVACY_ASSETS = join(WEB_DIST, 'privacy');
