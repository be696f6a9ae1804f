import type { ProcessingActivity, ProcessingDecision } from './spec.js';
import type { RightsDeps } from './deps.js';
import { active } from './state.js';
import { latestConsent } from './consent.js';
import { rightsTables } from './store.js';

/**
 * Whether an activity may run now, for many people at once (a campaign's
 * audience): three statements at most, whatever the number of people. Each
 * refusal is counted (the subgraph's /metrics shows them).
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
  const objections = activity.objection
    ? await rightsTables(deps.db).selectFrom('processingStop').select(['personId', 'purpose']).where('personId', 'in', ids).where('type', '=', 'OBJECTION').where('purpose', '=', activity.objection).execute()
    : [];
  // The consent ledger: the latest change per person is in force (a consent given again lets the activity run again).
  const consents = activity.consent ? await latestConsent(deps, deps.db, ids, [activity.consent]) : new Map<string, Map<string, number>>();
  for (const p of ids) {
    const hit = restrictions.find((r) => r.personId === p);
    if (hit) {
      out.set(p, { allowed: false, code: 'RESTRICTED', reason: `Processing of ${hit.kind} is restricted (${hit.ground}: ${hit.reason})` });
      continue;
    }
    const objected = objections.find((s) => s.personId === p);
    if (objected) out.set(p, { allowed: false, code: 'OBJECTED', reason: `The person objected to ${objected.purpose}` });
    else if (activity.consent && consents.get(p)?.get(activity.consent) === 0) out.set(p, { allowed: false, code: 'CONSENT_WITHDRAWN', reason: `The person withdrew consent for ${activity.consent}` });
  }
  for (const d of out.values()) if (!d.allowed) deps.refused(name, d.code);
  return out;
}

export async function processingAllowed(deps: RightsDeps, person: string, name: string): Promise<ProcessingDecision> {
  return (await processingAllowedFor(deps, [person], name)).get(person)!;
}
