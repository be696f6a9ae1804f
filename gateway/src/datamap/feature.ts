import { z } from 'zod';
import { createTranslator, LANGUAGES, negotiateLanguage } from '@footprint/i18n';
import { buildDataMap, fail } from '@footprint/schema';
import { SCOPES } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { FeatureModule } from '../feature.js';
import { schemaFromSupergraph } from '../footprint/plan.js';
import { createDiscovery, discoverableDomains } from './discovery.js';
import { plainEntry } from './plain.js';
import { domainName as plainDomain } from '../exports/archive/texts.js';

const Args = z.object({ language: z.enum(LANGUAGES, { message: `language must be one of ${LANGUAGES.join(', ')}` }).nullish() });

/**
 * Discovery: the data map (`Query.dataMap`, the record of processing) and a
 * person's discovery summary (`Person.discovery`), both derived from the
 * supergraph the gateway serves — no list of domains here.
 */
export const dataMapFeature: FeatureModule = {
  name: 'datamap',
  create(ctx) {
    const dataMap = buildDataMap(ctx.supergraphSdl);
    const discovery = createDiscovery({
      domains: discoverableDomains(schemaFromSupergraph(ctx.supergraphSdl)),
      client: ctx.domains,
    });
    return {
      fieldScopes: { dataMap: SCOPES.read },
      resolvers: {
        Query: {
          dataMap: (_: unknown, rawArgs: unknown, c: GatewayContext) => {
            // The authorization plugin checks grants only when a person is read; the data map reads none,
            // so its rule is here: a person may see what is held and why (Art. 13–15), an operator needs
            // footprint:read; no reason and no audit entry, as no one's data is disclosed.
            const p = c.principal;
            if (p.kind === 'operator' && !p.scopes.includes(SCOPES.read)) fail('FORBIDDEN', `Operator token lacks the scope ${SCOPES.read}`);
            if (p.kind !== 'operator' && p.kind !== 'subject') fail('FORBIDDEN', 'The data map is for people and operators');
            const args = Args.safeParse(rawArgs);
            if (!args.success) fail('BAD_USER_INPUT', args.error.issues.map((i) => i.message).join('; '), { field: 'language' });
            const tr = createTranslator(args.data.language ?? negotiateLanguage(c.acceptLanguage));
            return {
              language: tr.language,
              domains: dataMap.domains.map((d) => ({ ...d, title: plainDomain(tr, d.name) })),
              entries: dataMap.entries.map((e) => {
                const plain = plainEntry(e, tr);
                return { ...e, title: plain.title, plain };
              }),
            };
          },
        },
        Person: {
          discovery: (person: { id: string }, _: unknown, c: GatewayContext) => ({ domains: discovery.forPerson(person.id, c) }),
        },
      },
    };
  },
};
