import type { ProcessingDecision, ProcessingHost } from '@footprint/kit';
import type { CommunityDB } from './store.js';

/**
 * Community promotions (§3.2): choosing whom a promotion or lottery is
 * offered to is direct marketing. The kit decides for the whole audience at
 * once — objection to direct marketing, withdrawn marketing consent, or a
 * restriction of the person's community profile or entries each excludes the
 * person — in a fixed number of statements, whatever the audience's size.
 */
export type CommunityProcessor = ProcessingHost<CommunityDB>;

export interface Audience {
  invited: string[];
  excluded: { person: string; code: Exclude<ProcessingDecision, { allowed: true }>['code']; reason: string }[];
}

export async function promotionAudience(c: CommunityProcessor, people: readonly string[]): Promise<Audience> {
  const decisions = await c.rights.processingAllowedFor(people, 'promotionInvitation');
  const out: Audience = { invited: [], excluded: [] };
  for (const [person, d] of decisions) {
    if (d.allowed) out.invited.push(person);
    else out.excluded.push({ person, code: d.code, reason: d.reason });
  }
  return out;
}
