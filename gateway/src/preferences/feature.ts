import { fail, readKindMeta, recordMeta, type KindMeta } from '@footprint/schema';
import { MAX_PAGE_SIZE, subgraphDocument } from '@footprint/kit';
import { isLanguage, LANGUAGES } from '@footprint/i18n';
import { z } from 'zod';
import { personActedFor, requireDecidedPerson } from '../auth/access.js';
import { SCOPES } from '../auth/principal.js';
import { gatewayTypeDefs } from '../compose.js';
import type { GatewayContext } from '../context.js';
import type { FeatureModule, GatewayFeature, FeatureContext } from '../feature.js';
import { loadRequestsConfig } from '../requests/config.js';
import { usePreferences } from './language.js';
import { Preferences, preferenceMigrations, type PersonPreferenceTable } from './store.js';

/**
 * The person's preferences (gateway/schema/preferences.graphql): the language
 * of the privacy centre and of every notice, kept in the gateway's store. It is
 * the person's data (gateway.preference): in the footprint and the archive, and
 * deleted with the account.
 */

const SetArgs = z.object({
  personId: z.string().nullish(),
  language: z.string().max(35).refine(isLanguage, { message: `not a language Footprint speaks: choose one of ${LANGUAGES.join(', ')}` }),
});
const PageArgs = z.object({
  first: z.number().int().min(0, 'first must be at least 0').max(MAX_PAGE_SIZE, `first may be at most ${MAX_PAGE_SIZE}`).nullish(),
  after: z.string().max(100).nullish(),
});

function parse<T>(schema: z.ZodType<T>, args: unknown): T {
  const r = schema.safeParse(args);
  if (!r.success) {
    const issue = r.error.issues[0];
    fail('BAD_USER_INPUT', r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '), { field: String(issue?.path[0] ?? 'argument') });
  }
  return r.data;
}

export function createPreferencesFeature(fc: FeatureContext): GatewayFeature {
  const prefs = new Preferences(fc.store);
  usePreferences(prefs);
  const { region } = loadRequestsConfig(fc.config.production);
  const kind: KindMeta = readKindMeta(subgraphDocument(gatewayTypeDefs())).find((k) => k.typename === 'PreferenceRecord')!;
  const record = (row: PersonPreferenceTable) => ({
    id: `${kind.kind}:${row.personId}`,
    meta: recordMeta(kind, 'gateway', { collectedAt: row.updatedAt, region, source: null }),
    language: row.language,
    updatedAt: row.updatedAt,
  });
  const view = (personId: string) => ({ personId });

  const resolvers = {
    Person: {
      preferences: (parent: { id: string }, _: unknown, ctx: GatewayContext) => view(requireDecidedPerson(ctx, parent.id)),
    },
    Preferences: {
      language: async (parent: { personId: string }) => (await prefs.get(parent.personId))?.language ?? null,
      languages: () => [...LANGUAGES],
      records: async (parent: { personId: string }, rawArgs: unknown) => {
        const args = parse(PageArgs, rawArgs);
        // At most one record: a single page, whose cursor ends it.
        const row = await prefs.get(parent.personId);
        const nodes = row && !args.after && (args.first ?? 1) > 0 ? [record(row)] : [];
        return {
          nodes,
          edges: nodes.map((node) => ({ cursor: 'preference', node })),
          pageInfo: { hasNextPage: false, endCursor: nodes.length ? 'preference' : null },
          totalCount: row ? 1 : 0,
        };
      },
    },
    Mutation: {
      setPreferences: async (_: unknown, rawArgs: unknown, ctx: GatewayContext) => {
        const args = parse(SetArgs, rawArgs);
        if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'An export job cannot change preferences');
        const person = personActedFor(ctx, args.personId, SCOPES.correct, 'change the preferences of');
        await prefs.setLanguage(person, args.language, new Date().toISOString());
        return view(person);
      },
    },
  };
  return { resolvers, fieldScopes: { setPreferences: SCOPES.correct }, stop: async () => usePreferences(null) };
}

export const preferencesFeature: FeatureModule = { name: 'preferences', migrations: preferenceMigrations, create: createPreferencesFeature };
