import { announce as announceIn, gql as gqlWith, type GqlResult } from './ui.js';

/**
 * The signed-in person's session in the privacy centre: their token (kept in
 * sessionStorage for this tab only), GraphQL calls with it, the page's
 * settings, and the status line. Every section reads and acts through here.
 */

export interface KindConfig {
  kind: string;
  title: string;
  field: string;
  selection: string;
}
export interface DomainConfig {
  name: string;
  description: string | null;
  kinds: KindConfig[];
}
export interface PageConfig {
  demo: boolean;
  demoPerson: string | null;
  domains: DomainConfig[];
}

const TOKEN_KEY = 'footprint.privacy.token';

export const session = {
  token: null as string | null,
  config: { demo: false, demoPerson: null, domains: [] } as PageConfig,
  /** What the person holds per kind (from the discovery summary), for the erasure plan. */
  held: new Map<string, number>(),
};

export function keepToken(token: string | null): void {
  session.token = token;
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}
export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);

/** A GraphQL call with the signed-in person's token. */
export const gql = <T>(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> => gqlWith<T>(session.token ?? '', query, variables);

export const announce = (message: string): void => announceIn('status', message);

let uid = 0;
/** A fresh element id with this prefix (labels and descriptions point at ids). */
export const nextId = (p: string): string => `${p}-${++uid}`;
