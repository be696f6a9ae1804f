import { fail, footprintError, readKindMeta, recordMeta, type KindMeta } from '@footprint/schema';
import { MAX_PAGE_SIZE, subgraphDocument } from '@footprint/kit';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { personActedFor, requireDecidedPerson } from '../auth/access.js';
import { SCOPES } from '../auth/principal.js';
import { gatewayTypeDefs } from '../compose.js';
import type { GatewayContext } from '../context.js';
import type { FeatureContext, FeatureModule, GatewayFeature } from '../feature.js';
import { languageFor } from '../preferences/language.js';
import { requestCredential } from '../domains/client.js';
import { DomainUnavailable } from '../domains/errors.js';

/**
 * Corrections at the gateway: the correction view across domains, the
 * correction history (a PersonalData kind, so it is in the footprint and the
 * archive), and requestCorrection / confirmCorrection routed to the domain
 * that owns the record. No domain rule is here: the gateway reads the owning
 * domain from the record id (<domain>.<kind>:<number>) and relays.
 */

const ENTRY = `number domain kind recordId field fieldLabel oldValueHash newValue correctedAt actor actorType reason confirmedWith region
  notices { recipient state attempts createdAt deliveredAt lastError }`;
const ERASURE = 'erasure { action fields note retainFor retainFrom }';
const KIND = `kind domain title policySection scope totalCount pageInfo { hasNextPage endCursor } ${ERASURE}
  fields { name label masked confirmation recipients rule { type format required minLength maxLength pattern allowedValues description jsonSchema } }
  records { recordId label values { field value version } }`;
const VIEW = `query($kinds: [String!], $first: Int, $after: String) { _correctionView(kinds: $kinds, first: $first, after: $after) {
  domain correctable { ${KIND} } nonCorrectable { kind domain title reason policySection ${ERASURE} } } }`;
const HISTORY = `query($first: Int!, $afterAt: String, $afterNumber: Int) { _correctionHistory(first: $first, afterAt: $afterAt, afterNumber: $afterNumber) {
  hasMore totalCount entries { ${ENTRY} } } }`;
const OUTCOME = `status entry { ${ENTRY} } confirmation { id channel sentTo expiresAt attemptsLeft }`;
const REQUEST = `mutation($input: CorrectionInput!) { _requestCorrection(input: $input) { ${OUTCOME} } }`;
const CONFIRM = `mutation($id: ID!, $code: String!) { _confirmCorrection(confirmationId: $id, code: $code) { ${OUTCOME} } }`;

/** The largest GraphQL Int: "after every entry with this timestamp". */
const INT_MAX = 2_147_483_647;

const KindName = z.string().regex(/^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*$/, 'a kind is <domain>.<name>, as the correction view lists it');
const ViewArgs = z.object({
  kinds: z.array(KindName).min(1).max(100).nullish(),
  first: z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish(),
  after: z.string().max(200).nullish(),
});
const HistoryArgs = z.object({
  first: z.number().int().min(1, 'first must be at least 1').max(MAX_PAGE_SIZE, `first may be at most ${MAX_PAGE_SIZE}`).nullish(),
  after: z.string().max(500).nullish(),
});
const HistoryCursor = z.object({ t: z.iso.datetime(), d: z.string().regex(/^[a-z][a-z0-9]*$/), n: z.number().int().min(0) });
const RequestArgs = z.object({
  personId: z.string().nullish(),
  input: z.object({
    recordId: z.string().max(200).regex(/^[a-z][a-z0-9]*\.[a-z][a-z0-9_]*:\d{1,15}$/, 'recordId is a record id from the correction view (<kind>:<number>)'),
    field: z.string().max(64),
    value: z.string().max(20_000).nullish(),
    expectedVersion: z.string().min(1).max(100),
    reason: z.string().max(1000).nullish(),
    /** Art. 18(1)(a): the person contests the record's accuracy; the domain restricts it until the correction is resolved. */
    restrictUntilResolved: z.boolean().nullish(),
  }),
});
const ConfirmArgs = z.object({
  personId: z.string().nullish(),
  // The gateway's id of a pending correction names its domain: <domain>:<the domain's id>.
  confirmationId: z.string().regex(/^[a-z][a-z0-9]*:[0-9a-f-]{36}$/, 'confirmationId is the id returned with PENDING_CONFIRMATION'),
  code: z.string().max(20),
});

function parse<T>(schema: z.ZodType<T>, args: unknown): T {
  const r = schema.safeParse(args);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '));
  return r.data;
}

interface DomainEntry {
  number: number;
  domain: string;
  kind: string;
  recordId: string;
  field: string;
  fieldLabel: string;
  oldValueHash: string;
  newValue: string | null;
  correctedAt: string;
  actor: string;
  actorType: string;
  reason: string | null;
  confirmedWith: string | null;
  region: string;
  notices: unknown[];
}

/** One domain's page of the history, as its _correctionHistory answers. */
interface HistoryPage {
  hasMore: boolean;
  totalCount: number;
  entries: DomainEntry[];
}
interface DomainOutcome {
  status: string;
  entry: DomainEntry | null;
  confirmation: { id: string } | null;
}

const encodeHistoryCursor = (e: DomainEntry) => Buffer.from(JSON.stringify({ t: e.correctedAt, d: e.domain, n: e.number })).toString('base64url');
function decodeHistoryCursor(cursor: string): z.infer<typeof HistoryCursor> {
  try {
    return HistoryCursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    fail('BAD_USER_INPUT', `Invalid cursor "${cursor.slice(0, 40)}": pass an endCursor returned by this field`);
  }
}
/** Order of the merged history: time, then domain, then the domain's own sequence. */
const byTime = (a: DomainEntry, b: DomainEntry) => (a.correctedAt < b.correctedAt ? -1 : a.correctedAt > b.correctedAt ? 1 : a.domain.localeCompare(b.domain) || a.number - b.number);

export function createCorrectionsFeature(fc: FeatureContext): GatewayFeature {
  const domains = Object.keys(fc.subgraphUrls);
  const recordKind: KindMeta = readKindMeta(subgraphDocument(gatewayTypeDefs())).find((k) => k.typename === 'CorrectionRecord')!;

  const call = <T>(domain: string, ctx: GatewayContext, person: string, query: string, variables: Record<string, unknown>, language?: string) => {
    const url = fc.subgraphUrls[domain];
    if (!url) fail('NOT_FOUND', `No domain named ${domain}`);
    // The corrections' internal fields are not in the API: called on the domain directly, for this request and person.
    return fc.domains.request<T>(domain, query, variables, { ...requestCredential(ctx, person), language });
  };

  /** The one person a read is about: the parent Person, which the authorization plugin already allowed. */
  const readable = (parent: { id: string }, ctx: GatewayContext) => {
    return requireDecidedPerson(ctx, parent.id);
  };

  /** The person a correction is for: the @person argument the plugin decided and audited (auth/access.ts). */
  function corrector(personId: string | null | undefined, ctx: GatewayContext): string {
    if (ctx.principal.kind === 'job') fail('FORBIDDEN', 'Only a person or an operator can correct data');
    return personActedFor(ctx, personId, SCOPES.correct, 'correct');
  }

  const reasonOf = (given: string | null | undefined, ctx: GatewayContext) => {
    const own = given?.trim() || null;
    const p = ctx.principal;
    if (p.kind !== 'operator') return own;
    // The operator's audited reason is always kept with the correction.
    return own && own !== p.reason ? `${p.reason} — ${own}` : p.reason;
  };

  const record = (e: DomainEntry) => ({
    ...e,
    id: `${recordKind.kind}:${e.domain}-${e.number}`,
    meta: recordMeta(recordKind, 'gateway', { collectedAt: e.correctedAt, region: e.region, source: null }),
  });
  const outcome = (domain: string, o: DomainOutcome) => ({
    status: o.status,
    correction: o.entry ? record(o.entry) : null,
    confirmation: o.confirmation ? { ...o.confirmation, id: `${domain}:${o.confirmation.id}` } : null,
  });

  const resolvers = {
    Person: {
      correctionView: async (parent: { id: string }, rawArgs: unknown, ctx: GatewayContext) => {
        const person = readable(parent, ctx);
        const args = parse(ViewArgs, rawArgs);
        const wanted = args.kinds ? [...new Set(args.kinds.map((k) => k.slice(0, k.indexOf('.'))))] : domains;
        const unknown = wanted.filter((d) => !domains.includes(d));
        if (unknown.length) fail('BAD_USER_INPUT', `No domain named ${unknown.join(', ')}`);
        if (args.after && (args.kinds?.length ?? 0) !== 1) fail('BAD_USER_INPUT', 'after pages one kind: pass exactly one kind with it');
        const answers = await Promise.all(
          domains
            .filter((d) => wanted.includes(d))
            .map(async (d) => {
              try {
                const data = await call<{ _correctionView: { correctable: unknown[]; nonCorrectable: unknown[] } }>(d, ctx, person, VIEW, {
                  kinds: args.kinds?.filter((k) => k.startsWith(`${d}.`)) ?? null,
                  first: args.first ?? 20,
                  after: args.after ?? null,
                });
                return { domain: d, view: data._correctionView };
              } catch (err) {
                if (!(err instanceof DomainUnavailable)) throw err;
                ctx.log.warn({ domain: d, err: err.message }, 'correction view: domain unavailable');
                return { domain: d, view: null };
              }
            }),
        );
        return {
          correctable: answers.flatMap((a) => a.view?.correctable ?? []),
          nonCorrectable: answers.flatMap((a) => a.view?.nonCorrectable ?? []),
          unavailableDomains: answers.filter((a) => !a.view).map((a) => a.domain),
        };
      },
      corrections: (parent: { id: string }, _: unknown, ctx: GatewayContext) => ({ personId: readable(parent, ctx) }),
    },
    CorrectionsData: {
      history: async (parent: { personId: string }, rawArgs: unknown, ctx: GatewayContext) => {
        const args = parse(HistoryArgs, rawArgs);
        const first = args.first ?? 100;
        const cursor = args.after ? decodeHistoryCursor(args.after) : null;
        let pages: HistoryPage[];
        try {
          pages = await Promise.all(
            domains.map(async (d) => {
              // Everything after the cursor in (time, domain, number) order, asked of one domain.
              const after = !cursor ? {} : { afterAt: cursor.t, afterNumber: d < cursor.d ? INT_MAX : d === cursor.d ? cursor.n : 0 };
              const data = await call<{ _correctionHistory: HistoryPage }>(d, ctx, parent.personId, HISTORY, { first, ...after });
              return data._correctionHistory;
            }),
          );
        } catch (err) {
          if (!(err instanceof DomainUnavailable)) throw err;
          // An incomplete history must not pass for a complete one: the whole field fails, naming the cause.
          throw new GraphQLError(`The correction history cannot be read completely: ${err.message}`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE', domain: err.domain } });
        }
        const merged = pages.flatMap((p) => p.entries).sort(byTime);
        const nodes = merged.slice(0, first).map(record);
        const last = merged[nodes.length - 1];
        return {
          nodes,
          edges: merged.slice(0, first).map((e, i) => ({ cursor: encodeHistoryCursor(e), node: nodes[i] })),
          pageInfo: { hasNextPage: merged.length > first || pages.some((p) => p.hasMore), endCursor: last ? encodeHistoryCursor(last) : null },
          totalCount: pages.reduce((n, p) => n + p.totalCount, 0),
        };
      },
    },
    Mutation: {
      requestCorrection: async (_: unknown, rawArgs: unknown, ctx: GatewayContext) => {
        const args = parse(RequestArgs, rawArgs);
        const person = corrector(args.personId, ctx);
        const domain = args.input.recordId.slice(0, args.input.recordId.indexOf('.'));
        const input = { ...args.input, value: args.input.value ?? null, reason: reasonOf(args.input.reason, ctx) };
        // The code for a new e-mail or phone is written by the domain in the person's language.
        const language = await languageFor(person, ctx.principal.kind === 'subject' ? ctx.acceptLanguage : null);
        const data = await relay(() => call<{ _requestCorrection: DomainOutcome }>(domain, ctx, person, REQUEST, { input }, language));
        return outcome(domain, data._requestCorrection);
      },
      confirmCorrection: async (_: unknown, rawArgs: unknown, ctx: GatewayContext) => {
        const args = parse(ConfirmArgs, rawArgs);
        const person = corrector(args.personId, ctx);
        const [domain, id] = args.confirmationId.split(':') as [string, string];
        const data = await relay(() => call<{ _confirmCorrection: DomainOutcome }>(domain, ctx, person, CONFIRM, { id, code: args.code }));
        return outcome(domain, data._confirmCorrection);
      },
    },
  };

  return {
    resolvers,
    // Operators need footprint:correct (and a reason) to correct; reading the view is footprint:read as usual.
    fieldScopes: { requestCorrection: SCOPES.correct, confirmCorrection: SCOPES.correct },
  };
}

/** A domain that cannot be reached fails the mutation as SUBGRAPH_UNAVAILABLE; nothing was applied. */
async function relay<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // A timeout leaves it open whether the domain committed; the view (or history) tells.
    if (err instanceof DomainUnavailable) throw footprintError('SUBGRAPH_UNAVAILABLE', `${err.message}; reload the correction view to see whether anything changed`, { domain: err.domain });
    throw err;
  }
}

export const correctionsFeature: FeatureModule = {
  name: 'corrections',
  create: createCorrectionsFeature,
};
