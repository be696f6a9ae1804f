import { fail, Purpose } from '@footprint/schema';
import type { Logger } from '@footprint/kit';
import type { GraphQLError } from 'graphql';
import type { RightsService, Requester } from '../../rights/index.js';
import { RIGHTS_PURPOSES } from '../../rights/service.js';
import type { Actor, PrivacyRequest, RequestEvidence, RequestType } from '../model.js';
import type { RequestDriver, StartOutcome, WorkStatus } from './driver.js';

/**
 * ERASURE, RESTRICTION, OBJECTION and CONSENT_WITHDRAWAL, done by the rights
 * feature (gateway/src/rights/): an erasure is a job the request follows until
 * it ends (its receipts are the evidence); a restriction, an objection or a
 * withdrawal takes effect in every domain at once, and the request completes
 * with what is now in force. The requester's identity was verified by the
 * request itself, so the erasure's own confirmation code is not asked again.
 * Without the rights feature in the gateway these types cannot be completed.
 */
export function rightsDriver(deps: { rights: () => RightsService | null; logger: Logger }): RequestDriver {
  const requester = (req: PrivacyRequest, actor: Actor): Requester => ({
    actor: actor.type === 'system' ? 'gateway:privacy-requests' : actor.id,
    actorType: actor.type === 'subject' ? 'subject' : 'operator',
    reason: `Privacy request ${req.id} (${req.type}, received ${req.receivedAt.slice(0, 10)})`,
    requestId: `privacy-request:${req.id}`,
    log: deps.logger,
  });
  const service = () => {
    const s = deps.rights();
    if (!s) fail('CONFLICT', 'The machinery for this type of request is not available in this build', { reason: 'WORK_NOT_AVAILABLE' });
    return s;
  };

  async function status(req: PrivacyRequest): Promise<WorkStatus | null> {
    const id = req.work.erasureJobId;
    if (req.type !== 'ERASURE' || !id) return null;
    const outcome = await service().erasureOutcome(id);
    if (!outcome) return { status: 'FAILED', failure: { code: 'ERASURE_MISSING', message: `Erasure job ${id} no longer exists`, at: new Date().toISOString() } };
    const { job, receipts } = outcome;
    if (job.state === 'SUCCEEDED') {
      const evidence: RequestEvidence = {
        erasureJobId: job.id,
        receipts: receipts.map((r) => `${r.domain}: ${r.kinds.map((k) => `${k.kind} ${k.action.toLowerCase()} (${k.deleted} deleted, ${k.anonymized} anonymised, ${k.retained} kept${k.ground ? `: ${k.ground}` : ''})`).join('; ') || 'nothing held'} — ${r.erasedAt}`),
      };
      return { status: 'DONE', evidence };
    }
    if (job.state === 'FAILED' || job.state === 'CANCELLED') {
      return { status: 'FAILED', failure: { code: job.error?.code ?? job.state, message: job.error?.message ?? `The erasure was ${job.state.toLowerCase()}`, at: job.finishedAt ?? new Date().toISOString() } };
    }
    return { status: 'RUNNING' };
  }

  return {
    types: ['ERASURE', 'RESTRICTION', 'OBJECTION', 'CONSENT_WITHDRAWAL'],
    describe: 'the rights feature: an erasure job, or a restriction, objection or consent withdrawal in every domain',
    get available() {
      return deps.rights() !== null;
    },
    confirmByCode: (type) => type === 'ERASURE',
    validate(type: RequestType, scope, now) {
      const kinds = scope.kinds ?? [];
      const bad = kinds.filter((k) => !/^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$/.test(k));
      if (bad.length) fail('BAD_USER_INPUT', `Not kinds of data (<domain>.<kind>, as the data map lists them): ${bad.join(', ')}`, { field: 'kinds' });
      if (type === 'ERASURE' && (scope.purpose || scope.until)) fail('BAD_USER_INPUT', 'An erasure names kinds of data (or none, for the whole account), not a purpose', { field: 'purpose' });
      if (type === 'RESTRICTION') {
        if (!kinds.length) fail('BAD_USER_INPUT', 'A restriction names the kinds of data it restricts (kinds)', { field: 'kinds' });
        if (scope.until && Date.parse(scope.until) <= now.getTime()) fail('BAD_USER_INPUT', `until (${scope.until}) is in the past: a restriction must end in the future, or leave until out`, { field: 'until' });
      }
      // The same check restrictProcessing and erasePersonalData make: an unknown kind, or erasing a kind kept by law, is refused now, not at every start.
      if (kinds.length && (type === 'ERASURE' || type === 'RESTRICTION')) deps.rights()?.checkKinds(kinds, type === 'ERASURE' ? 'erase' : 'restrict');
      if (type === 'OBJECTION' && !RIGHTS_PURPOSES.includes(scope.purpose as (typeof RIGHTS_PURPOSES)[number])) {
        fail('BAD_USER_INPUT', `An objection names its purpose: ${RIGHTS_PURPOSES.join(' or ')}`, { field: 'purpose' });
      }
      if (type === 'CONSENT_WITHDRAWAL' && !Purpose.values.includes(scope.purpose as Purpose)) fail('BAD_USER_INPUT', `A consent withdrawal names the purpose consented to (${Purpose.values.join(', ')})`, { field: 'purpose' });
      if ((type === 'OBJECTION' || type === 'CONSENT_WITHDRAWAL') && (kinds.length || scope.until)) fail('BAD_USER_INPUT', `A ${type} request names a purpose, not kinds of data`, { field: 'kinds' });
    },
    async start(req, now, actor): Promise<StartOutcome> {
      const s = deps.rights();
      if (!s) return { work: {}, failure: null, note: 'No machinery for this type of request is available yet; it cannot be completed until there is' };
      const r = requester(req, actor);
      const reason = req.details ?? `Privacy request ${req.id}`;
      try {
        if (req.type === 'ERASURE') {
          const job = await s.startErasure(req.personId, r, { kinds: req.scope.kinds?.length ? req.scope.kinds : null, reason }, { requireCode: false });
          return { work: { erasureJobId: job.id, trackedJobId: job.id }, failure: null, note: `Erasure job ${job.id} started (${req.scope.kinds?.length ? req.scope.kinds.join(', ') : 'the whole account'})` };
        }
        const state =
          req.type === 'RESTRICTION'
            ? await s.restrict(req.personId, r, { kinds: req.scope.kinds, reason, until: req.scope.until ?? null })
            : req.type === 'OBJECTION'
              ? await s.object(req.personId, r, { purpose: req.scope.purpose, reason })
              : await s.withdrawConsent(req.personId, r, { purpose: req.scope.purpose, reason });
        return { work: {}, failure: null, note: 'In force in every domain', done: { receipts: inForce(req, state) } };
      } catch (err) {
        const e = err as GraphQLError;
        const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR';
        // Already in force (restricted, objected, withdrawn): the request is answered by what is in place.
        if (code === 'CONFLICT' && req.type !== 'ERASURE' && (e.extensions?.restrictedKinds || e.extensions?.field === 'purpose')) {
          const state = await s.processingState(req.personId, r).catch(() => null);
          return { work: {}, failure: null, note: `Already in force: ${e.message}`, done: { receipts: state ? inForce(req, state) : [e.message] } };
        }
        return { work: {}, failure: { code, message: e.message, at: now.toISOString() }, note: `Could not be carried out: ${e.message}` };
      }
    },
    status,
    async complete(req) {
      service();
      const st = await status(req);
      if (st?.status === 'DONE') return st.evidence;
      if (st?.status === 'FAILED') fail('CONFLICT', `The work of this request failed (${st.failure.message}); start it again before completing`, { reason: 'WORK_NOT_DONE' });
      fail('CONFLICT', req.type === 'ERASURE' ? 'The erasure has not finished; the request completes when it has SUCCEEDED' : 'The request is not in force yet: start it again', { reason: 'WORK_NOT_DONE' });
    },
  };
}

/** What the processing state shows in force for this request, one line each. */
function inForce(req: PrivacyRequest, state: { restrictions: { kind: string; domain: string; until?: string | null }[]; objections: string[]; withdrawnConsents: string[] }): string[] {
  if (req.type === 'RESTRICTION') return state.restrictions.filter((x) => req.scope.kinds?.includes(x.kind)).map((x) => `${x.kind} restricted in ${x.domain}${x.until ? ` until ${x.until}` : ''}`);
  if (req.type === 'OBJECTION') return state.objections.includes(req.scope.purpose ?? '') ? [`objection to ${req.scope.purpose} in force in every domain`] : [];
  return state.withdrawnConsents.includes(req.scope.purpose ?? '') ? [`consent for ${req.scope.purpose} withdrawn in every domain`] : [];
}
