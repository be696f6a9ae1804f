import { z } from 'zod';
import { fail } from '@footprint/schema';
import { authorizeOwned, personActedFor, requireDecidedPerson } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { SCOPES } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { LocalResolvers } from '../local.js';
import type { RightsDomains } from './domains.js';
import { signedReceiptUrl } from './receipt-link.js';
import type { Requester, RightsService } from './service.js';
import type { ErasureJob } from './store.js';

export interface RightsResolverDeps {
  service: RightsService;
  domains: RightsDomains;
  store: GatewayStore;
  internalSecret: string;
  publicUrl: string;
  receiptTtlSeconds: number;
}

const JobId = z.uuid({ message: 'jobId is the id requestErasure returned' });
const First = z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish();

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

const requester = (ctx: GatewayContext): Requester => {
  const p = ctx.principal;
  if (p.kind === 'job') fail('FORBIDDEN', 'A job token cannot make rights requests');
  return { actor: p.sub, actorType: p.kind, reason: p.kind === 'operator' ? p.reason : null, requestId: ctx.requestId, log: ctx.log, acceptLanguage: ctx.acceptLanguage };
};

/** The person a request is for: the @person argument the plugin decided, with the field's scope (auth/access.ts). */
function targetPerson(ctx: GatewayContext, personId: string | null | undefined, scope: string): string {
  if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'A job token cannot make rights requests');
  return personActedFor(ctx, personId, scope);
}

export function rightsResolvers(deps: RightsResolverDeps): LocalResolvers {
  const { service, domains, store } = deps;
  const title = (kind: string) => domains.entry(kind)?.title ?? kind;

  /** A job id names no person, so the plugin could not authorise it: the person it is for, or an audited operator. */
  async function authorizeJob(ctx: GatewayContext, job: ErasureJob | null, operation: string): Promise<ErasureJob | null> {
    if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'A job token cannot read erasure jobs');
    return authorizeOwned(store, ctx, job, { scope: SCOPES.erase, operation });
  }

  const readable = (parent: { id: string }, ctx: GatewayContext) => {
    return requireDecidedPerson(ctx, parent.id);
  };

  const stateView = (s: Awaited<ReturnType<RightsService['processingState']>>) => ({
    ...s,
    restrictions: s.restrictions.map((r) => ({ ...r, title: title(r.kind) })),
  });

  return {
    Query: {
      erasureJob: async (_: unknown, args: { jobId: string }, ctx: GatewayContext) => {
        const id = parse(JobId, args.jobId);
        return authorizeJob(ctx, (await service.erasureOutcome(id))?.job ?? null, `query erasureJob ${id}`);
      },
    },
    Person: {
      processing: async (parent: { id: string }, _: unknown, ctx: GatewayContext) => stateView(await service.processingState(readable(parent, ctx), requester(ctx))),
      erasures: async (parent: { id: string }, args: { first?: number | null }, ctx: GatewayContext) => service.erasures(readable(parent, ctx), parse(First, args.first) ?? 10),
    },
    Mutation: {
      requestErasureCode: async (_: unknown, args: { personId?: string | null }, ctx: GatewayContext) => {
        const person = targetPerson(ctx, args.personId, SCOPES.erase);
        if (ctx.principal.kind !== 'subject') fail('BAD_USER_INPUT', 'Operators confirm an erasure with their scope and reason, not a code');
        return service.requestErasureCode(person, requester(ctx));
      },
      requestErasure: async (_: unknown, args: { personId?: string | null; input?: unknown }, ctx: GatewayContext) => {
        const person = targetPerson(ctx, args.personId, SCOPES.erase);
        return service.startErasure(person, requester(ctx), args.input ?? {}, { requireCode: ctx.principal.kind === 'subject' });
      },
      cancelErasure: async (_: unknown, args: { jobId: string }, ctx: GatewayContext) => {
        const id = parse(JobId, args.jobId);
        const job = await authorizeJob(ctx, (await service.erasureOutcome(id))?.job ?? null, `mutation cancelErasure ${id}`);
        if (!job) fail('NOT_FOUND', `No erasure job ${id}`);
        return service.cancelErasure(id);
      },
      restrictProcessing: async (_: unknown, args: { personId?: string | null; input: unknown }, ctx: GatewayContext) =>
        stateView(await service.restrict(targetPerson(ctx, args.personId, SCOPES.restrict), requester(ctx), args.input)),
      liftRestriction: async (_: unknown, args: { personId?: string | null; input: unknown }, ctx: GatewayContext) =>
        stateView(await service.liftRestriction(targetPerson(ctx, args.personId, SCOPES.restrict), requester(ctx), args.input)),
      objectToProcessing: async (_: unknown, args: { personId?: string | null; input: unknown }, ctx: GatewayContext) =>
        stateView(await service.object(targetPerson(ctx, args.personId, SCOPES.restrict), requester(ctx), args.input)),
      withdrawConsent: async (_: unknown, args: { personId?: string | null; input: unknown }, ctx: GatewayContext) =>
        stateView(await service.withdrawConsent(targetPerson(ctx, args.personId, SCOPES.restrict), requester(ctx), args.input)),
      giveConsent: async (_: unknown, args: { personId?: string | null; input: unknown }, ctx: GatewayContext) =>
        stateView(await service.giveConsent(targetPerson(ctx, args.personId, SCOPES.restrict), requester(ctx), args.input)),
    },
    ErasureJob: {
      wholeAccount: (job: ErasureJob) => job.kinds === null,
      requestedBy: (job: ErasureJob) => job.requesterType.toUpperCase(),
      progress: (job: ErasureJob) => job.progress.domains,
      exportBefore: (job: ErasureJob) => (job.progress.exportJob ? { exportJobId: job.progress.exportJob.id, outcome: job.progress.exportJob.outcome } : null),
      receipts: async (job: ErasureJob) => {
        const outcome = await service.erasureOutcome(job.id);
        return (outcome?.receipts ?? []).map((r) => ({
          ...r,
          kinds: r.kinds.map((k) => ({ ...k, title: title(k.kind), remaining: r.verified[k.kind] ?? 0 })),
        }));
      },
      receiptUrl: (job: ErasureJob, _: unknown, ctx: GatewayContext) => {
        if (ctx.principal.kind === 'subject' && ctx.principal.sub !== job.personId) return null;
        return signedReceiptUrl({ publicUrl: deps.publicUrl, secret: deps.internalSecret, jobId: job.id, person: job.personId, ttlSeconds: deps.receiptTtlSeconds });
      },
    },
  };
}
