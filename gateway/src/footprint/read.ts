import { planFootprint, schemaFromSupergraph, type FootprintPlan } from './plan.js';
import { traverseFootprint, type Execute, type GraphQLErrorShape, type TraverseCallbacks, type TraverseResult } from './traverse.js';

/** Times a request the gateway refused for want of budget (429, 503 with Retry-After) is asked again. */
const BUSY_RETRIES = 5;

/**
 * An Execute that POSTs to a gateway URL with the given headers (a bearer token, an operator's reason). A request the
 * gateway was too busy to admit is asked again after its Retry-After (at most 30 s), BUSY_RETRIES times.
 */
export function gatewayExecutor(url: string, headers: Record<string, string>, timeoutMs = 120_000): Execute {
  return async (query, variables) => {
    let res: Response;
    for (let attempt = 0; ; attempt++) {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const wait = Number(res.headers.get('retry-after'));
      if (!(res.status === 429 || res.status === 503) || !(wait > 0) || attempt >= BUSY_RETRIES) break;
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, Math.min(wait, 30) * 1000));
    }
    const text = await res.text();
    try {
      return JSON.parse(text) as { data?: unknown; errors?: GraphQLErrorShape[] };
    } catch {
      throw new Error(`The gateway answered HTTP ${res.status} without JSON: ${text.slice(0, 200)}`);
    }
  };
}

/**
 * A person's whole footprint, from the supergraph alone: plans every Person
 * field that leads to PersonalData, reads the first page of every kind in one
 * request and follows every cursor to the end, page by page into `onPage`.
 */
export async function readFootprint(
  supergraphSdl: string,
  personId: string,
  execute: Execute,
  cb: TraverseCallbacks,
  pageSize?: number,
): Promise<TraverseResult & { plan: FootprintPlan }> {
  const plan = planFootprint(schemaFromSupergraph(supergraphSdl));
  return { ...(await traverseFootprint(plan, personId, execute, cb, pageSize)), plan };
}

export interface KindSummary {
  kind: string;
  title: string;
  count: number;
  earliest: string | null;
  latest: string | null;
  regions: string[];
  sources: string[];
}

export interface DomainSummary {
  domain: string;
  kinds: KindSummary[];
}

/** The discovery summary of one person: `Person.discovery`, which the gateway answers from every domain's indexes. */
export const DISCOVERY_QUERY =
  'query Discovery($id: ID!) { person(id: $id) { id discovery { domains { domain kinds { kind title count earliest latest regions sources } } } } }';

/**
 * Reads a person's discovery summary: per domain and kind, counts, date range,
 * regions and sources, never the records. Domains that failed are in `errors`
 * (each names its domain); a refusal of the whole request throws.
 */
export async function readDiscovery(personId: string, execute: Execute): Promise<{ domains: DomainSummary[]; errors: GraphQLErrorShape[] }> {
  const res = await execute(DISCOVERY_QUERY, { id: personId });
  const person = (res.data as { person?: { discovery: { domains: (DomainSummary | null)[] } } | null } | null | undefined)?.person;
  if (!person) {
    const e = res.errors?.[0];
    throw Object.assign(new Error(e?.message ?? `No discovery for person ${personId}`), { graphql: e });
  }
  return { domains: person.discovery.domains.filter((d): d is DomainSummary => d !== null), errors: res.errors ?? [] };
}
