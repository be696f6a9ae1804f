import { fail } from '@footprint/schema';
import type { RequestType } from '../model.js';
import type { RequestDriver } from './driver.js';

/**
 * Types whose machinery is not in this build (erasure, restriction, objection,
 * consent withdrawal arrive with their own feature). Such a request is
 * received, verified, assigned, extended or refused like any other, but it can
 * never be completed: nothing did its work. The feature that does it
 * registers its own driver for these types.
 */
export function pendingDriver(types: RequestType[]): RequestDriver {
  return {
    types,
    describe: 'not available in this build',
    available: false,
    async start() {
      return { work: {}, failure: null, note: 'No machinery for this type of request is available yet; it cannot be completed until there is' };
    },
    async complete(req) {
      fail('CONFLICT', `A ${req.type} request cannot be completed: the machinery that does its work is not available in this build, so nothing did it`, { reason: 'WORK_NOT_AVAILABLE' });
    },
  };
}
