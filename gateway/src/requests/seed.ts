import { randomUUID } from 'node:crypto';
import { Rng } from '@footprint/kit';
import { openGatewayStore } from '../auth/audit.js';
import { FEATURES } from '../features.js';
import { addCalendarMonths, DAY_MS } from './clock.js';
import { COMPLAINT_RIGHT, OPEN_STATES, type Channel, type RequestState, type RequestType } from './model.js';
import { PrivacyRequestStore, type PrivacyRequestEventTable, type PrivacyRequestTable } from './store.js';

export interface SeedRequestsOptions {
  dataDir: string;
  count: number;
  /** People the requests are spread over: 20000001 … (the bulk users of `npm run seed -- --users N`). */
  people?: number;
  now?: Date;
  onProgress?: (msg: string) => void;
}

const TYPES: RequestType[] = ['ACCESS', 'ACCESS', 'ACCESS', 'PORTABILITY', 'RECTIFICATION', 'RECTIFICATION', 'ERASURE', 'ERASURE', 'RESTRICTION', 'OBJECTION', 'CONSENT_WITHDRAWAL'];

/**
 * Adds `count` privacy requests to the gateway's store (npm run seed --
 * --requests N; the queue benchmark): received over the last 150 days, most
 * older ones answered, some open past their deadline, some extended, each with
 * its timeline. Seeded requests say so (created by "seed") and carry no
 * evidence: no work was run for them. Batched inserts, one transaction.
 */
export async function seedRequests(opts: SeedRequestsOptions): Promise<{ requests: number; events: number }> {
  const store = openGatewayStore(opts.dataDir, Object.assign({}, ...FEATURES.map((f) => f.migrations ?? {})));
  await store.migrate();
  try {
    const requests = new PrivacyRequestStore(store);
    const rng = new Rng(`requests:${opts.count}`);
    const now = opts.now ?? new Date();
    const people = Math.max(1, opts.people ?? 5000);
    const CHUNK = 10_000;
    let events = 0;
    for (let start = 0; start < opts.count; start += CHUNK) {
      const rows: PrivacyRequestTable[] = [];
      const evs: Omit<PrivacyRequestEventTable, 'id'>[] = [];
      for (let i = start; i < Math.min(opts.count, start + CHUNK); i++) {
        const r = seedOne(rng, i, now, people);
        rows.push(r.row);
        evs.push(...r.events);
      }
      await requests.insertBulk(rows, evs);
      events += evs.length;
      opts.onProgress?.(`seeded ${Math.min(opts.count, start + CHUNK)} of ${opts.count} privacy requests`);
    }
    return { requests: opts.count, events };
  } finally {
    await store.close();
  }
}

function seedOne(rng: Rng, i: number, now: Date, people: number): { row: PrivacyRequestTable; events: Omit<PrivacyRequestEventTable, 'id'>[] } {
  const id = randomUUID();
  const person = String(20_000_001 + (i % people));
  const type = rng.pick(TYPES);
  const channel: Channel = rng.bool(0.7) ? 'PRIVACY_CENTRE' : rng.bool(0.65) ? 'EMAIL' : 'POST';
  const receivedAt = new Date(now.getTime() - Math.floor(rng.float() * 150 * DAY_MS));
  const dueAt = addCalendarMonths(receivedAt, 1);
  const extended = rng.bool(0.08);
  const deadline = extended ? addCalendarMonths(dueAt, 2) : dueAt;
  const age = (now.getTime() - receivedAt.getTime()) / DAY_MS;
  // Older requests are mostly answered; a few stay open past their deadline.
  const closed = age > 33 ? rng.bool(0.96) : rng.bool(age / 40);
  let state: RequestState;
  if (closed) state = rng.bool(0.88) ? 'COMPLETED' : rng.bool(0.6) ? 'REFUSED' : 'WITHDRAWN';
  else state = rng.pick<RequestState>(['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'ON_HOLD']);
  if (channel === 'PRIVACY_CENTRE' && state === 'VERIFYING') state = 'IN_PROGRESS';
  const verified = state !== 'RECEIVED' && state !== 'VERIFYING' ? (channel === 'PRIVACY_CENTRE' ? 'SIGNED_IN' : rng.bool(0.7) ? 'CODE' : 'OPERATOR_CHECK') : channel === 'PRIVACY_CENTRE' ? 'SIGNED_IN' : null;
  const closedAt = closed ? new Date(Math.min(now.getTime(), receivedAt.getTime() + (1 + rng.float() * Math.min(age, 28)) * DAY_MS)) : null;
  const at = (d: Date) => d.toISOString();
  const t = (offsetDays: number) => at(new Date(Math.min(now.getTime(), receivedAt.getTime() + offsetDays * DAY_MS)));
  const actorOf = (operatorish: boolean) => (operatorish ? { actor: `ops-${1 + (i % 12)}`, actorType: 'operator' } : { actor: person, actorType: 'subject' });
  const events: Omit<PrivacyRequestEventTable, 'id'>[] = [
    { requestId: id, at: at(receivedAt), ...actorOf(channel !== 'PRIVACY_CENTRE'), action: 'RECEIVED', fromState: null, toState: 'RECEIVED', reason: null, detail: JSON.stringify({ channel, seeded: true }) },
  ];
  if (verified) events.push({ requestId: id, at: t(0.01), ...actorOf(verified !== 'SIGNED_IN'), action: 'VERIFIED', fromState: 'RECEIVED', toState: 'RECEIVED', reason: null, detail: JSON.stringify({ method: verified }) });
  if (state !== 'RECEIVED' && state !== 'VERIFYING' && verified) events.push({ requestId: id, at: t(0.02), ...actorOf(verified !== 'SIGNED_IN'), action: 'STARTED', fromState: 'RECEIVED', toState: 'IN_PROGRESS', reason: null, detail: null });
  if (extended) events.push({ requestId: id, at: t(3), ...actorOf(true), action: 'EXTENDED', fromState: 'IN_PROGRESS', toState: 'IN_PROGRESS', reason: 'Numerous requests this month (seeded)', detail: JSON.stringify({ months: 2 }) });
  if (closedAt) events.push({ requestId: id, at: at(closedAt), ...actorOf(true), action: state, fromState: 'IN_PROGRESS', toState: state, reason: state === 'REFUSED' ? 'Manifestly unfounded (seeded)' : null, detail: null });
  const row: PrivacyRequestTable = {
    representative: null,
    id,
    personId: person,
    type,
    channel,
    originalText: channel === 'PRIVACY_CENTRE' ? null : `Seeded written request ${i + 1} (${type.toLowerCase()}).`,
    details: 'Seeded demo request: no work was run for it',
    scope: '{}',
    receivedAt: at(receivedAt),
    dueAt: at(dueAt),
    extendedTo: extended ? at(deadline) : null,
    extensionReason: extended ? 'Numerous requests this month (seeded)' : null,
    deadline: at(deadline),
    state,
    heldFrom: state === 'ON_HOLD' ? 'IN_PROGRESS' : null,
    verificationMethod: verified,
    verifiedAt: verified ? t(0.01) : null,
    verifiedBy: verified ? (verified === 'SIGNED_IN' ? person : `ops-${1 + (i % 12)}`) : null,
    assignee: OPEN_STATES.includes(state) && rng.bool(0.5) ? `ops-${1 + (i % 12)}` : null,
    possiblyExcessive: rng.bool(0.02) ? 1 : 0,
    excessiveOf: null,
    excessiveDecidedBy: null,
    work: '{}',
    evidence: '{}',
    failure: null,
    answer: state === 'COMPLETED' ? 'Seeded demo answer' : state === 'REFUSED' ? `Manifestly unfounded (seeded). ${COMPLAINT_RIGHT}` : null,
    refusalGround: state === 'REFUSED' ? 'MANIFESTLY_UNFOUNDED' : null,
    refusalReason: state === 'REFUSED' ? 'Manifestly unfounded (seeded)' : null,
    createdBy: 'seed',
    createdByType: channel === 'PRIVACY_CENTRE' ? 'subject' : 'operator',
    closedAt: closedAt ? at(closedAt) : null,
    answeredMs: closedAt && state !== 'WITHDRAWN' ? closedAt.getTime() - receivedAt.getTime() : null,
    updatedAt: closedAt ? at(closedAt) : t(0.02),
  };
  return { row, events };
}
