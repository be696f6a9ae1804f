import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, REPO_ROOT } from '@footprint/kit';
import { mintToken, type TokenRequest } from '@footprint/scripts/tokens';
import { planFootprint, schemaFromSupergraph } from '@footprint/gateway/footprint';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

const secret = loadConfig({ ...process.env, NODE_ENV: 'test' }).jwtSecret!;

export const token = (req: TokenRequest) => mintToken(secret, req);
export const subjectToken = (sub: string) => mintToken(secret, { sub });
export const operatorToken = (scopes: string[], sub = `ops-${Math.random().toString(36).slice(2, 8)}`) => mintToken(secret, { sub, operator: true, scopes });

/** POST a GraphQL request to the gateway (or any URL) with the given headers. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as object) };
  } catch {
    throw new Error(`Non-JSON answer (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
}

export const bearer = (t: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...extra });

/** The footprint plan of the built supergraph. */
export function footprintPlan() {
  return planFootprint(schemaFromSupergraph(readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8')));
}

/** The SQL statements a subgraph has run so far (its /metrics). */
export async function sqlStatements(subgraphUrl: string): Promise<number> {
  const res = await fetch(new URL('/metrics', subgraphUrl));
  return ((await res.json()) as { sqlStatements: number }).sqlStatements;
}
