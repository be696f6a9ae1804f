import { z } from 'zod';
import { fail } from '@footprint/schema';
import type { AnyDB } from '../store.js';
import type { RightsDeps } from './deps.js';
import type { ProcessingHost } from './spec.js';

/**
 * `_runProcessing(activity, input)`: the trigger of a domain's processing
 * activity for one person, so a product, a scheduler or a test outside the
 * domain can run it and see a refusal (RESTRICTED, OBJECTED,
 * CONSENT_WITHDRAWN) — the runner asks the kit first, as the domain's own
 * code does, and the kit counts each refusal.
 */

export const RunProcessingArgs = z.object({
  activity: z.string().trim().min(1, 'activity is required').max(200),
  input: z.string().max(100_000).nullish(),
});

export async function runProcessing(deps: RightsDeps, host: ProcessingHost<AnyDB>, person: string, args: z.infer<typeof RunProcessingArgs>) {
  const activity = deps.activities.get(args.activity);
  if (!activity) fail('BAD_USER_INPUT', `The ${deps.domain} domain has no processing activity ${args.activity}; its activities: ${[...deps.activities.keys()].join(', ') || 'none'}`, { field: 'activity' });
  if (!activity.run) fail('BAD_USER_INPUT', `The ${deps.domain} activity ${activity.name} has no trigger: it runs only inside the domain`, { field: 'activity' });
  let input: unknown = null;
  if (args.input) {
    try {
      input = JSON.parse(args.input);
    } catch {
      fail('BAD_USER_INPUT', 'input is not JSON', { field: 'input' });
    }
  }
  // The rights first, whatever the input: a refusal looks the same in every domain (and is counted once).
  const decision = await host.rights.processingAllowed(person, activity.name);
  if (!decision.allowed) return { domain: deps.domain, activity: activity.name, done: 0, refusal: decision.code, reason: decision.reason };
  const outcome = await activity.run(host, person, input);
  return { domain: deps.domain, activity: activity.name, done: outcome.done, refusal: outcome.refused?.code ?? null, reason: outcome.refused?.reason ?? null };
}
