import { z } from 'zod';
import { createTranslator, negotiateLanguage } from '@footprint/i18n';
import { fail } from '@footprint/schema';
import { requireDecidedPerson } from '../auth/access.js';
import { AccessCursorError, readAccessLog, type AccessLogEntry } from '../auth/access-log.js';
import type { GatewayContext } from '../context.js';
import type { FeatureModule } from '../feature.js';

const Args = z.object({
  first: z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish(),
  after: z.string().max(512, 'after is the endCursor of the previous page').nullish(),
});

/**
 * `Person.accessLog`: the person's access log (auth/access-log.ts), for the
 * person themselves or an operator the authorization plugin allowed (scope,
 * reason, audited) — the parent Person is the one decided person.
 */
export const accessLogFeature: FeatureModule = {
  name: 'access-log',
  create(fc) {
    return {
      resolvers: {
        Person: {
          accessLog: async (parent: { id: string }, rawArgs: unknown, ctx: GatewayContext) => {
            const person = requireDecidedPerson(ctx, parent.id);
            if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'An export-job token cannot read the access log');
            const parsed = Args.safeParse(rawArgs);
            if (!parsed.success) fail('BAD_USER_INPUT', parsed.error.issues.map((i) => i.message).join('; '));
            const tr = createTranslator(negotiateLanguage(ctx.acceptLanguage));
            try {
              const page = await readAccessLog(fc.store, person, { first: parsed.data.first ?? 20, after: parsed.data.after });
              return {
                entries: page.entries.map((e: AccessLogEntry) => ({ ...e, who: tr.t(`archive.access.actor.${e.actor}`), description: tr.t(`archive.access.action.${e.action}`) })),
                pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
              };
            } catch (err) {
              if (err instanceof AccessCursorError) fail('BAD_USER_INPUT', err.message, { field: 'after' });
              throw err;
            }
          },
        },
      },
    };
  },
};
