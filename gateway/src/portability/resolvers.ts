import { z } from 'zod';
import { fail, readKindMeta, recordMeta, type KindMeta } from '@footprint/schema';
import { MAX_PAGE_SIZE, subgraphDocument } from '@footprint/kit';
import { authorize, personActedFor, requireDecidedPerson } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import { SCOPES } from '../auth/principal.js';
import { gatewayTypeDefs } from '../compose.js';
import type { GatewayContext } from '../context.js';
import type { LocalResolvers } from '../local.js';
import { grantActive, type PortabilityGrant } from './grants.js';
import type { PortabilityService } from './service.js';

/** The operator scope that registers receiving services. */
export const CLIENTS_SCOPE = 'portability:clients';

const PageArgs = z.object({
  // Up to the connections' own page limit: an export reads every kind with pages of that size.
  first: z.number().int().min(1, 'first must be at least 1').max(MAX_PAGE_SIZE, `first may be at most ${MAX_PAGE_SIZE}`).nullish(),
  after: z.string().regex(/^\d{1,6}$/, 'after is a cursor this connection gave out').nullish(),
});
const GrantId = z.string().min(1).max(200);

let kind: KindMeta | null = null;
function grantKind(): KindMeta {
  kind ??= readKindMeta(subgraphDocument(gatewayTypeDefs())).find((k) => k.typename === 'PortabilityGrant') ?? null;
  if (!kind) throw new Error('The gateway schema declares no PortabilityGrant kind');
  return kind;
}

export function portabilityResolvers(deps: { service: PortabilityService; store: GatewayStore; region: string; issuer: string }): LocalResolvers {
  const { service, store } = deps;
  const meta = grantKind();

  /** Grants as the API shows them: the service's registration and the transfers read once for the whole page. */
  async function views(grants: PortabilityGrant[]) {
    const transfers = await service.grants.transfers(grants.map((g) => g.id));
    const services = new Map(await Promise.all([...new Set(grants.map((g) => g.clientId))].map(async (id) => [id, await service.service(id)] as const)));
    return grants.map((g) => ({
      ...g,
      meta: recordMeta(meta, 'gateway', { collectedAt: g.grantedAt, region: deps.region, source: null }),
      serviceName: g.clientName,
      serviceContact: services.get(g.clientId)?.contact ?? null,
      purposes: services.get(g.clientId)?.purposes ?? [],
      active: grantActive(g),
      transfers: transfers.filter((t) => t.grantId === g.id),
    }));
  }

  return {
    Person: {
      portability: (parent: { id: string }, _: unknown, ctx: GatewayContext) => {
        requireDecidedPerson(ctx, parent.id);
        return { personId: parent.id };
      },
    },
    PortabilityData: {
      grants: async (parent: { personId: string }, raw: unknown) => {
        const args = PageArgs.safeParse(raw);
        if (!args.success) fail('BAD_USER_INPUT', args.error.issues.map((i) => i.message).join('; '));
        const first = args.data.first ?? 100;
        const offset = args.data.after ? Number(args.data.after) : 0;
        // A person has few grants: the page is cut from the newest-first list (offset cursors, stable order).
        const all = await service.grants.forPerson(parent.personId, offset + first + 1);
        const slice = all.slice(offset, offset + first);
        const nodes = await views(slice);
        const edges = nodes.map((node, i) => ({ cursor: String(offset + i + 1), node }));
        return { nodes, edges, pageInfo: { hasNextPage: all.length > offset + first, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: await service.grants.countForPerson(parent.personId) };
      },
    },
    Mutation: {
      registerPortabilityClient: async (_: unknown, args: { input: unknown }, ctx: GatewayContext) => {
        if (ctx.principal.kind !== 'operator') fail('FORBIDDEN', `Only an operator with ${CLIENTS_SCOPE} registers receiving services`);
        await authorize(store, ctx, { person: null, scope: CLIENTS_SCOPE, operation: 'mutation registerPortabilityClient' });
        const client = await service.registerClient(args.input);
        await service.audit({ actor: ctx.principal.sub, actorType: 'operator', reason: ctx.principal.reason, requestId: ctx.requestId }, null, `portability register client ${client.clientId} (${client.name}); redirect ${client.redirectUris.join(' ')}`, 'registered');
        return { ...client, issuer: deps.issuer };
      },
      revokePortabilityGrant: async (_: unknown, args: { personId?: string | null; id: string }, ctx: GatewayContext) => {
        const person = personActedFor(ctx, args.personId, SCOPES.restrict, 'revoke a grant of');
        const id = GrantId.safeParse(args.id);
        if (!id.success) fail('BAD_USER_INPUT', 'id is a grant id from portability { grants }', { field: 'id' });
        const g = await service.grants.get(id.data);
        // Another person's grant is not found: ids cannot be probed.
        if (!g || g.personId !== person) fail('NOT_FOUND', `No portability grant ${id.data}`);
        const p = ctx.principal;
        await service.revoke(g.id, 'PERSON', { actor: p.sub, actorType: p.kind, reason: p.kind === 'operator' ? p.reason : null, requestId: ctx.requestId });
        return (await views([(await service.grants.get(g.id))!]))[0];
      },
    },
  };
}
