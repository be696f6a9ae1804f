import { fail } from '@footprint/schema';
import type { GatewayContext } from '../../context.js';
import { requestCredential, type DomainClient } from '../../domains/client.js';
import { DomainUnavailable } from '../../domains/errors.js';
import type { RequestDriver } from './driver.js';

const HISTORY = `query($first: Int!, $afterAt: String, $afterNumber: Int) { _correctionHistory(first: $first, afterAt: $afterAt, afterNumber: $afterNumber) {
  hasMore entries { number domain correctedAt } } }`;
const CORRECTION_ID = /^gateway\.correction:([a-z][a-z0-9]*)-(\d{1,15})$/;

/**
 * RECTIFICATION (Art. 16): the corrections themselves are made with
 * requestCorrection (by the person, or an operator with footprint:correct);
 * the request completes with their ids as evidence. Each id must be a
 * correction of this person's data made since the request was received; the
 * owning domain's history says so, not the caller.
 */
export function rectificationDriver(opts: { client: DomainClient; subgraphUrls: Record<string, string> }): RequestDriver {
  return {
    types: ['RECTIFICATION'],
    describe: 'corrections made with requestCorrection, completed with their ids',
    available: true,
    validate(_type, scope) {
      if (scope.kinds?.length || scope.purpose || scope.until) fail('BAD_USER_INPUT', 'A RECTIFICATION request takes no kinds, purpose or until: say what is wrong in details', { field: 'kinds' });
    },
    async start() {
      return { work: {}, failure: null, note: 'Correct the data with requestCorrection, then complete this request with the correction ids' };
    },
    async complete(req, input, ctx: GatewayContext) {
      const ids = [...new Set(input.correctionIds)];
      if (ids.length === 0) fail('BAD_USER_INPUT', 'A rectification completes with the ids of its corrections (correctionIds, as in the correction history)', { field: 'correctionIds' });
      const wanted = new Map<string, Set<number>>();
      for (const id of ids) {
        const m = CORRECTION_ID.exec(id);
        if (!m || !opts.subgraphUrls[m[1]!]) fail('BAD_USER_INPUT', `${id} is not a correction id (gateway.correction:<domain>-<number>)`, { field: 'correctionIds' });
        wanted.set(m[1]!, (wanted.get(m[1]!) ?? new Set()).add(Number(m[2])));
      }
      for (const [domain, numbers] of wanted) {
        const missing = new Set(numbers);
        let after: { afterAt: string; afterNumber: number } = { afterAt: req.receivedAt, afterNumber: 0 };
        try {
          for (let page = 0; page < 20 && missing.size > 0; page++) {
            const data = await opts.client.request<{ _correctionHistory: { hasMore: boolean; entries: { number: number; correctedAt: string }[] } }>(
              domain, HISTORY, { first: 1000, ...after }, requestCredential(ctx, req.personId),
            );
            for (const e of data._correctionHistory.entries) missing.delete(e.number);
            const last = data._correctionHistory.entries.at(-1);
            if (!data._correctionHistory.hasMore || !last) break;
            after = { afterAt: last.correctedAt, afterNumber: last.number };
          }
        } catch (err) {
          if (err instanceof DomainUnavailable) fail('SUBGRAPH_UNAVAILABLE', `${err.message}; the corrections cannot be checked now`, { domain });
          throw err;
        }
        if (missing.size) {
          fail('BAD_USER_INPUT', `Not corrections of person ${req.personId} made since the request was received (${req.receivedAt}): ${[...missing].map((n) => `gateway.correction:${domain}-${n}`).join(', ')}`, { field: 'correctionIds' });
        }
      }
      return { correctionIds: ids };
    },
  };
}
