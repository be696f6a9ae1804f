import { buildDataMap, fail } from '@footprint/schema';
import { SCOPES } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { FeatureModule } from '../feature.js';
import { schemaFromSupergraph } from '../footprint/plan.js';
import { createDiscovery, discoverableDomains } from './discovery.js';

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
          dataMap: (_: unknown, __: unknown, c: GatewayContext) => {
            // The authorization plugin checks grants only when a person is read; the data map reads none,
            // so its rule is here: a person may see what is held and why (Art. 13–15), an operator needs
            // footprint:read; no reason and no audit entry, as no one's data is disclosed.
            const p = c.principal;
            if (p.kind === 'operator' && !p.scopes.includes(SCOPES.read)) fail('FORBIDDEN', `Operator token lacks the scope ${SCOPES.read}`);
            if (p.kind !== 'operator' && p.kind !== 'subject') fail('FORBIDDEN', 'The data map is for people and operators');
            return dataMap;
          },
        },
        Person: {
          discovery: (person: { id: string }, _: unknown, c: GatewayContext) => ({ domains: discovery.forPerson(person.id, c) }),
        },
      },
    };
  },
};
