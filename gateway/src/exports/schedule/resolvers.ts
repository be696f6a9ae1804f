import { z } from 'zod';
import { DEFAULT_LANGUAGE, type Translator } from '@footprint/i18n';
import { fail } from '@footprint/schema';
import { accessRefusal, authorizeOwned, personActedFor, requireDecidedPerson } from '../../auth/access.js';
import type { GatewayStore } from '../../auth/audit.js';
import { SCOPES } from '../../auth/principal.js';
import type { GatewayContext } from '../../context.js';
import type { LocalResolvers } from '../../local.js';
import type { Clock } from '../../requests/clock.js';
import type { ExportPlan } from '../plan.js';
import { parseKinds } from '../selection.js';
import type { ExportJobs } from '../store.js';
import { dueDates, endOf } from './dates.js';
import { requestLanguage, requestTranslator } from './language.js';
import type { ScheduleRunner } from './runner.js';
import type { ExportSchedule, ScheduleRun, ScheduleStore } from './store.js';

export interface ScheduleResolverDeps {
  schedules: ScheduleStore;
  jobs: ExportJobs;
  runner: ScheduleRunner;
  store: GatewayStore;
  clock: Clock;
  plan: ExportPlan;
}

const MAX_MONTHS = 12;

/** The input, with its messages in the caller's language. */
function scheduleInput(t: Translator) {
  const months = (message: string) => z.number({ message }).int(message).min(1, message).max(MAX_MONTHS, message);
  return z
    .object({
      everyMonths: months(t.t('schedule.error.everyMonths')),
      months: months(t.t('schedule.error.months')).nullish(),
      incremental: z.boolean().nullish(),
      allowPartial: z.boolean().nullish(),
      kinds: z.array(z.string()).nullish(),
    })
    .transform((i) => ({ everyMonths: i.everyMonths, months: i.months ?? MAX_MONTHS, incremental: i.incremental ?? false, allowPartial: i.allowPartial ?? false, kinds: i.kinds ?? null }))
    .superRefine((i, c) => {
      if (i.everyMonths > i.months) c.addIssue({ code: 'custom', message: t.t('schedule.error.everyLongerThanSchedule', { every: i.everyMonths, months: i.months }) });
    });
}

const First = z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish();

function parse<T>(schema: z.ZodType<T>, value: unknown, field?: string): T {
  const r = schema.safeParse(value);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '), field ? { field } : undefined);
  return r.data;
}

function noJobToken(ctx: GatewayContext, t: Translator): void {
  if (ctx.principal.kind === 'job') fail('FORBIDDEN', t.t('schedule.error.jobToken'));
}

export function scheduleResolvers(deps: ScheduleResolverDeps): LocalResolvers {
  const { schedules, jobs, runner, store, clock, plan } = deps;
  return {
    Person: {
      exportSchedules: async (parent: { id: string }, args: { first?: number | null }, ctx: GatewayContext) => {
        noJobToken(ctx, requestTranslator(ctx));
        const person = requireDecidedPerson(ctx, parent.id);
        // person(id:) needs footprint:read; schedules are part of exports, so an operator needs footprint:export as well.
        const refusal = accessRefusal(ctx.principal, { person, scope: SCOPES.export });
        if (refusal) fail('FORBIDDEN', refusal);
        return schedules.listForPerson(person, parse(First, args.first) ?? 10);
      },
    },
    Mutation: {
      scheduleExports: async (_: unknown, args: { personId?: string | null; input: unknown }, ctx: GatewayContext) => {
        const t = requestTranslator(ctx);
        noJobToken(ctx, t);
        const person = personActedFor(ctx, args.personId, SCOPES.export, 'export');
        const input = parse(scheduleInput(t), args.input, 'input');
        const kinds = parseKinds(plan, input.kinds, t);
        const active = await schedules.activeFor(person);
        if (active) fail('CONFLICT', t.t('schedule.error.oneActive', { person, id: active.id }), { scheduleId: active.id });
        const p = ctx.principal;
        const now = clock.now();
        const created = await schedules.create({
          personId: person,
          everyMonths: input.everyMonths,
          months: input.months,
          incremental: input.incremental,
          allowPartial: input.allowPartial,
          kinds,
          startsAt: now.toISOString(),
          endsAt: endOf(now, input.months).toISOString(),
          createdAt: now.toISOString(),
          requestedBy: p.sub,
          requesterType: p.kind === 'operator' ? 'operator' : 'subject',
          reason: p.kind === 'operator' ? p.reason : null,
          // What the person asked in; for an operator's entry the default, until the person's preference is kept.
          language: p.kind === 'subject' ? requestLanguage(ctx) : DEFAULT_LANGUAGE,
        });
        if (!created) {
          const winner = await schedules.activeFor(person);
          fail('CONFLICT', t.t('schedule.error.oneActive', { person, id: winner?.id ?? '' }), { scheduleId: winner?.id ?? null });
        }
        // The first run is due now: started here, so the answer shows its job (a failure leaves it due for the periodic run).
        try {
          await runner.runDue(created, now);
        } catch (err) {
          ctx.log.error({ err, schedule: created.id }, 'the first scheduled export could not be started now; the periodic run starts it');
        }
        ctx.log.info({ schedule: created.id, person, everyMonths: input.everyMonths, months: input.months, incremental: input.incremental }, 'exports scheduled');
        return (await schedules.get(created.id))!;
      },
      cancelExportSchedule: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
        const t = requestTranslator(ctx);
        noJobToken(ctx, t);
        const id = parse(z.uuid({ message: t.t('schedule.error.scheduleId') }), args.id, 'id');
        // A schedule id names no person: its person, or an audited operator with footprint:export (others find nothing).
        const schedule = await authorizeOwned(store, ctx, await schedules.get(id), { scope: SCOPES.export, operation: `mutation cancelExportSchedule ${id}` });
        if (!schedule) fail('NOT_FOUND', t.t('schedule.error.notFound', { id }));
        if (!(await schedules.cancel(id, clock.now()))) fail('CONFLICT', t.t('schedule.error.notActive', { state: schedule.state }), { state: schedule.state });
        return (await schedules.get(id))!;
      },
    },
    ExportSchedule: {
      startsOn: (s: ExportSchedule) => s.startsAt,
      endsOn: (s: ExportSchedule) => s.endsAt,
      plannedRuns: (s: ExportSchedule) => dueDates(s).map((d) => d.toISOString()),
      requestedBy: (s: ExportSchedule) => s.requesterType.toUpperCase(),
      runs: async (s: ExportSchedule) => (await schedules.runs(s.id)).map((r) => ({ ...r })),
    },
    ExportScheduleRun: {
      startedAt: (r: ScheduleRun) => r.claimedAt,
      noticeSentAt: (r: ScheduleRun) => (r.notice === 'READY' || r.notice === 'FAILED' ? r.notifiedAt : null),
      job: (r: ScheduleRun) => jobs.get(r.jobId),
    },
  };
}
