import { fail, recordMeta, type KindMeta } from '@footprint/schema';
import { MAX_PAGE_SIZE } from '@footprint/kit';
import { z } from 'zod';
import { authorizeOwned, personActedFor, requireDecidedPerson } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { AccountId } from '../auth/principal.js';
import { privacyRequestKind } from './kind.js';
import type { GatewayContext } from '../context.js';
import type { LocalResolvers } from '../local.js';
import { DAY_MS, daysLeft, localDate } from './clock.js';
import type { DriverRegistry } from './drivers/registry.js';
import { deskDecision, deskOperator, deskRead, REQUESTS_SCOPE, requestActor } from './access.js';
import { CHANNELS, COMPLAINT_RIGHT, isOpen, REFUSAL_GROUNDS, RELATIONSHIPS, REQUEST_TYPES, STATES, type PrivacyRequest, type RequestEvent } from './model.js';
import type { PrivacyRequestService } from './service.js';
import type { QueueCursor, QueueFilter } from './store.js';

const RequestId = z.uuid({ message: 'requestId is the id of a privacy request' });
const Text = (max: number) => z.string().max(max, `at most ${max} characters`);
/**
 * The queue's filter, parsed at the edge into the store's own type: the
 * output must be a whole QueueFilter, so an argument the API names
 * differently (`person`, the store's `personId`) cannot be lost between them.
 */
const QueueFilterArg: z.ZodType<QueueFilter, unknown> = z
  .object({
    states: z.array(z.enum(STATES)).max(STATES.length).nullish(),
    types: z.array(z.enum(REQUEST_TYPES)).max(REQUEST_TYPES.length).nullish(),
    dueWithinDays: z.number().int().min(0, 'dueWithinDays is 0 or more').max(3660).nullish(),
    overdue: z.boolean().nullish(),
    assignee: Text(200).nullish(),
    possiblyExcessive: z.boolean().nullish(),
    person: AccountId.nullish(),
  })
  .nullish()
  .transform((f): QueueFilter => ({
    states: f?.states ?? null,
    types: f?.types ?? null,
    dueWithinDays: f?.dueWithinDays ?? null,
    overdue: f?.overdue ?? null,
    assignee: f?.assignee ?? null,
    possiblyExcessive: f?.possiblyExcessive ?? null,
    personId: f?.person ?? null,
  }));
const QueueArgs = z.object({
  filter: QueueFilterArg,
  first: z.number().int().min(1, 'first must be at least 1').max(500, 'first may be at most 500').nullish(),
  after: z.string().max(500).nullish(),
});
const PageArgs = z.object({ first: z.number().int().min(1, 'first must be at least 1').max(MAX_PAGE_SIZE, `first may be at most ${MAX_PAGE_SIZE}`).nullish(), after: z.string().max(500).nullish() });
const Scope = {
  kinds: z.array(z.string().max(100)).max(200).nullish(),
  purpose: z.string().max(60).nullish(),
  until: z.iso.datetime({ offset: true, message: 'until is an ISO-8601 date-time' }).nullish(),
};
const SubmitArgs = z.object({ input: z.object({ type: z.enum(REQUEST_TYPES), details: Text(20_000).nullish(), ...Scope }) });
const CreateArgs = z.object({
  personId: AccountId,
  input: z.object({
    type: z.enum(REQUEST_TYPES),
    channel: z.enum(CHANNELS).refine((c) => c !== 'PRIVACY_CENTRE', 'an operator enters requests received by EMAIL or POST'),
    receivedAt: z.iso.datetime({ offset: true, message: 'receivedAt is an ISO-8601 date-time' }).nullish(),
    receivedOn: z.iso.date({ message: 'receivedOn is a calendar date (YYYY-MM-DD)' }).nullish(),
    onBehalf: z.object({ name: Text(200), relationship: z.enum(RELATIONSHIPS), contact: z.string().max(254), authorityChecked: Text(2000) }).nullish(),
    originalText: Text(100_000),
    details: Text(20_000).nullish(),
    ...Scope,
  }),
});
const VerifyInput = z.object({ code: z.string().max(20).nullish(), check: Text(2000).nullish() });
const CompleteInput = z
  .object({ answer: Text(20_000).nullish(), correctionIds: z.array(z.string().max(200)).max(500).nullish(), receipts: z.array(Text(500)).max(500).nullish() })
  .nullish();

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    fail('BAD_USER_INPUT', r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '), { field: first ? String(first.path.at(-1) ?? '') : undefined });
  }
  return r.data;
}

const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function decode<T>(cursor: string, schema: z.ZodType<T>): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    fail('BAD_USER_INPUT', `Invalid cursor "${cursor.slice(0, 40)}": pass an endCursor returned by this field`);
  }
}
const QueueCursorSchema = z.object({ deadline: z.string().max(40), id: z.string().max(40) });
const PersonCursorSchema = z.object({ receivedAt: z.string().max(40), id: z.string().max(40) });

export interface RequestResolverDeps {
  service: PrivacyRequestService;
  drivers: DriverRegistry;
  store: GatewayStore;
  region: string;
  /** The controller's time zone: the calendar days shown (receivedOn, deadlineOn). */
  timeZone: string;
}

export function requestResolvers(deps: RequestResolverDeps): LocalResolvers {
  const { service, store } = deps;
  const kind: KindMeta = privacyRequestKind();
  const reasonOf = (ctx: GatewayContext) => (ctx.principal.kind === 'operator' ? ctx.principal.reason : null);

  /** A request as the API shows it; the timeline is read once for a whole page, and only when asked for. */
  function view(req: PrivacyRequest, timeline: () => Promise<RequestEvent[]>) {
    const now = service.now();
    const open = isOpen(req.state);
    return {
      ...req,
      // Held after the account's erasure: isolated, not processed further, purged when the hold ends.
      meta: recordMeta(
        kind,
        'gateway',
        { collectedAt: req.receivedAt, region: deps.region, source: null },
        req.heldUntil ? { ground: 'LEGAL_HOLD', since: req.heldSince ?? req.heldUntil, until: req.heldUntil, reason: kind.erasureNote ?? 'Kept as evidence after the account was erased' } : null,
      ),
      receivedOn: localDate(req.receivedAt, deps.timeZone),
      deadlineOn: localDate(req.deadline, deps.timeZone),
      daysLeft: open ? daysLeft(new Date(req.deadline), now) : null,
      overdue: open && Date.parse(req.deadline) < now.getTime(),
      verification: { method: req.verificationMethod, verifiedAt: req.verifiedAt, verifiedBy: req.verifiedBy },
      scope: { kinds: req.scope.kinds ?? null, purpose: req.scope.purpose ?? null, until: req.scope.until ?? null },
      work: { erasureJobId: req.work.erasureJobId ?? null, exportJobId: req.work.exportJobId ?? null, previousExportJobs: req.work.previousExportJobs ?? [], correctionIds: req.work.correctionIds ?? [], jobIds: req.work.jobIds ?? [] },
      evidence: {
        exportJobId: req.evidence.exportJobId ?? null,
        erasureJobId: req.evidence.erasureJobId ?? null,
        archiveSha256: req.evidence.archiveSha256 ?? null,
        archiveBytes: req.evidence.archiveBytes ?? null,
        records: req.evidence.records ?? null,
        correctionIds: req.evidence.correctionIds ?? [],
        receipts: req.evidence.receipts ?? [],
        chain: async () => {
          const last = (await timeline()).at(-1);
          return last ? ((await service.store.chainPositions([last]))[0] ?? null) : null;
        },
      },
      workAvailable: deps.drivers.for(req.type).available,
      complaintRight: req.state === 'REFUSED' ? COMPLAINT_RIGHT : null,
      timeline: async () => {
        const events = await timeline();
        // Read for the whole timeline at once, and only when an entry's chain is asked for.
        let positions: ReturnType<typeof service.store.chainPositions> | null = null;
        const load = () => (positions ??= service.store.chainPositions(events));
        return events.map((e, i) => ({ ...e, detail: e.detail ? JSON.stringify(e.detail) : null, chain: async () => (await load())[i] ?? null }));
      },
    };
  }
  function page(reqs: PrivacyRequest[]) {
    let loaded: Promise<Map<string, RequestEvent[]>> | null = null;
    const all = () => (loaded ??= service.store.timelines(reqs.map((r) => r.id)));
    return reqs.map((r) => view(r, async () => (await all()).get(r.id) ?? []));
  }
  const one = (req: PrivacyRequest) => view(req, () => service.store.timeline(req.id));

  return {
    Person: {
      privacyRequests: (parent: { id: string }, _: unknown, ctx: GatewayContext) => {
        requireDecidedPerson(ctx, parent.id);
        return { personId: parent.id };
      },
    },
    PrivacyRequestsData: {
      requests: async (parent: { personId: string }, rawArgs: unknown) => {
        const args = parse(PageArgs, rawArgs);
        const first = args.first ?? 100;
        const after = args.after ? decode(args.after, PersonCursorSchema) : null;
        const res = await service.store.forPerson(parent.personId, first, after);
        const nodes = page(res.nodes);
        const edges = res.nodes.map((r, i) => ({ cursor: encode({ receivedAt: r.receivedAt, id: r.id }), node: nodes[i] }));
        return { nodes, edges, pageInfo: { hasNextPage: res.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: res.totalCount };
      },
    },
    Query: {
      privacyRequestQueue: async (_: unknown, rawArgs: unknown, ctx: GatewayContext) => {
        const args = parse(QueueArgs, rawArgs);
        const operation = `query privacyRequestQueue ${JSON.stringify(Object.fromEntries(Object.entries(args.filter).filter(([, v]) => v !== null)))}`;
        // Refusals are audited here; the access itself below, naming the people on the page that is returned.
        await deskDecision(ctx, store, operation);
        const first = args.first ?? 50;
        const after: QueueCursor | null = args.after ? decode(args.after, QueueCursorSchema) : null;
        const res = await service.store.queue(args.filter, first, after, service.now());
        await deskRead(ctx, store, operation, res.nodes.map((r) => r.personId));
        const nodes = page(res.nodes);
        const edges = res.nodes.map((r, i) => ({ cursor: encode({ deadline: r.deadline, id: r.id }), node: nodes[i] }));
        return { nodes, edges, pageInfo: { hasNextPage: res.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: res.totalCount };
      },
      privacyRequest: async (_: unknown, args: { requestId: string }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const req = await authorizeOwned(store, ctx, await service.get(id), { scope: REQUESTS_SCOPE, operation: `query privacyRequest ${id}` });
        return req ? one(req) : null;
      },
      privacyRequestStats: async (_: unknown, __: unknown, ctx: GatewayContext) => {
        await deskOperator(ctx, store, 'query privacyRequestStats', null);
        const s = await service.store.stats(service.now());
        return {
          open: s.open,
          openTotal: s.open.reduce((n, o) => n + o.count, 0),
          overdue: s.overdue,
          answered: s.answered,
          medianDaysToAnswer: s.medianAnswerMs === null ? null : Math.round((s.medianAnswerMs / DAY_MS) * 10) / 10,
        };
      },
    },
    Mutation: {
      submitPrivacyRequest: async (_: unknown, rawArgs: unknown, ctx: GatewayContext) => {
        const p = ctx.principal;
        if (p.kind !== 'subject') fail('FORBIDDEN', 'submitPrivacyRequest is for the signed-in person; an operator enters a written request with createPrivacyRequest');
        const args = parse(SubmitArgs, rawArgs);
        const i = args.input;
        return one(await service.submit(p.sub, i.type, i.details?.trim() || null, { kinds: i.kinds ?? null, purpose: i.purpose ?? null, until: i.until ? new Date(i.until).toISOString() : null }, ctx.acceptLanguage));
      },
      createPrivacyRequest: async (_: unknown, rawArgs: unknown, ctx: GatewayContext) => {
        const p = ctx.principal;
        if (p.kind !== 'operator') fail('FORBIDDEN', 'createPrivacyRequest is for operators entering a written request; a person uses submitPrivacyRequest');
        const args = parse(CreateArgs, rawArgs);
        // The authorization plugin decided and audited this @person argument; this is the second lock.
        personActedFor(ctx, args.personId, REQUESTS_SCOPE);
        const input = args.input;
        return one(
          await service.createWritten(
            args.personId,
            { type: input.type, channel: input.channel as 'EMAIL' | 'POST', receivedAt: input.receivedAt ? new Date(input.receivedAt) : null, receivedOn: input.receivedOn ?? null, onBehalf: input.onBehalf ?? null, originalText: input.originalText, details: input.details?.trim() || null, scope: { kinds: input.kinds ?? null, purpose: input.purpose ?? null, until: input.until ? new Date(input.until).toISOString() : null } },
            { id: p.sub, type: 'operator' },
          ),
        );
      },
      sendPrivacyRequestCode: async (_: unknown, args: { requestId: string; channel: 'EMAIL' | 'PHONE' }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation sendPrivacyRequestCode', true);
        return one(await service.sendCode(id, args.channel, actor));
      },
      verifyPrivacyRequest: async (_: unknown, args: { requestId: string; input: unknown }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const input = parse(VerifyInput, args.input);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation verifyPrivacyRequest', true);
        if (actor.type === 'subject' && !input.code) fail('BAD_USER_INPUT', 'Confirm your request with the code sent to your e-mail (code)', { field: 'code' });
        if (Boolean(input.code) === Boolean(input.check)) fail('BAD_USER_INPUT', 'Verify with either the code the person received (code) or what you checked (check)', { field: 'input' });
        return one(await service.verify(id, input.code ? { code: input.code } : { check: input.check ?? '' }, actor, reasonOf(ctx)));
      },
      assignPrivacyRequest: async (_: unknown, args: { requestId: string; assignee?: string | null }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation assignPrivacyRequest', false);
        return one(await service.assign(id, parse(Text(200).nullish(), args.assignee) ?? actor.id, actor, reasonOf(ctx)));
      },
      startPrivacyRequest: async (_: unknown, args: { requestId: string; reason?: string | null }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation startPrivacyRequest', false);
        return one(await service.start(id, actor, parse(Text(2000).nullish(), args.reason)?.trim() || reasonOf(ctx)));
      },
      extendPrivacyRequest: async (_: unknown, args: { requestId: string; months: number; reason: string }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation extendPrivacyRequest', false);
        return one(await service.extend(id, args.months, parse(Text(5000), args.reason), actor));
      },
      holdPrivacyRequest: async (_: unknown, args: { requestId: string; reason: string }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation holdPrivacyRequest', false);
        return one(await service.hold(id, parse(Text(5000), args.reason), actor));
      },
      resumePrivacyRequest: async (_: unknown, args: { requestId: string; reason?: string | null }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation resumePrivacyRequest', false);
        return one(await service.resume(id, parse(Text(5000).nullish(), args.reason)?.trim() || reasonOf(ctx), actor));
      },
      completePrivacyRequest: async (_: unknown, args: { requestId: string; input?: unknown }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const input = parse(CompleteInput, args.input);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation completePrivacyRequest', false);
        return one(await service.complete(id, { answer: input?.answer ?? null, correctionIds: input?.correctionIds ?? [], receipts: input?.receipts ?? [] }, actor, ctx));
      },
      refusePrivacyRequest: async (_: unknown, args: { requestId: string; ground: string; reason: string }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const ground = parse(z.enum(REFUSAL_GROUNDS), args.ground);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation refusePrivacyRequest', false);
        return one(await service.refuse(id, ground, parse(Text(5000), args.reason), actor));
      },
      withdrawPrivacyRequest: async (_: unknown, args: { requestId: string; reason?: string | null }, ctx: GatewayContext) => {
        const id = parse(RequestId, args.requestId);
        const { actor } = await requestActor(ctx, store, await service.get(id), id, 'mutation withdrawPrivacyRequest', true);
        return one(await service.withdraw(id, parse(Text(5000).nullish(), args.reason) ?? null, actor));
      },
    },
  };
}
