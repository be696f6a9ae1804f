import type { ProcessingActivity, ProcessingDecision } from './spec.js';
import type { RightsDeps } from './deps.js';
import { active } from './state.js';
import { rightsTables } from './store.js';

/**
 * Whether an activity may run now, for many people at once (a campaign's
 * audience): two statements, whatever the number of people.
 */
export async function processingAllowedFor(deps: RightsDeps, people: readonly string[], name: string): Promise<Map<string, ProcessingDecision>> {
  const activity: ProcessingActivity | undefined = deps.activities.get(name);
  if (!activity) throw new Error(`${deps.domain}: no processing activity ${name}; its activities: ${[...deps.activities.keys()].join(', ') || 'none'}`);
  await deps.prepare();
  const out = new Map<string, ProcessingDecision>(people.map((p) => [p, { allowed: true }]));
  if (people.length === 0) return out;
  const now = new Date().toISOString();
  const ids = [...new Set(people)];
  const restrictions = ((await rightsTables(deps.db)
    .selectFrom('processingRestriction')
    .selectAll()
    .where('personId', 'in', ids)
    .where('kind', 'in', activity.kinds)
    .where('recordNumber', 'is', null)
    .where('liftedAt', 'is', null)
    .execute())).filter(active(now));
  const stopTypes = [activity.objection ? `OBJECTION:${activity.objection}` : null, activity.consent ? `CONSENT_WITHDRAWN:${activity.consent}` : null].filter((x): x is string => x !== null);
  const stops = stopTypes.length
    ? await rightsTables(deps.db).selectFrom('processingStop').select(['personId', 'type', 'purpose']).where('personId', 'in', ids).where('purpose', 'in', [activity.objection ?? '', activity.consent ?? '']).execute()
    : [];
  for (const p of ids) {
    const hit = restrictions.find((r) => r.personId === p);
    if (hit) {
      out.set(p, { allowed: false, code: 'RESTRICTED', reason: `Processing of ${hit.kind} is restricted (${hit.ground}: ${hit.reason})` });
      continue;
    }
    const mine = stops.filter((s) => s.personId === p && stopTypes.includes(`${s.type}:${s.purpose}`));
    const objected = mine.find((s) => s.type === 'OBJECTION');
    if (objected) out.set(p, { allowed: false, code: 'OBJECTED', reason: `The person objected to ${objected.purpose}` });
    else if (mine[0]) out.set(p, { allowed: false, code: 'CONSENT_WITHDRAWN', reason: `The person withdrew consent for ${mine[0].purpose}` });
  }
  return out;
}

export async function processingAllowed(deps: RightsDeps, person: string, name: string): Promise<ProcessingDecision> {
  return (await processingAllowedFor(deps, [person], name)).get(person)!;
}
