import type { Doc, El } from './dom.js';

/**
 * Small helpers the desk and the requests panel share: elements built from
 * text (never HTML, so no data is parsed as markup), the live status line, and
 * GraphQL calls with a token and, for operators, the reason header.
 */

declare const document: Doc;
declare function setTimeout(fn: () => void, ms: number): number;

export interface GqlError {
  message: string;
  extensions?: { code?: string; reason?: string; field?: string; domain?: string; issues?: { message: string }[] } & Record<string, unknown>;
}
export interface GqlResult<T> {
  data?: T | null;
  errors?: GqlError[];
}

export const $ = (id: string): El => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el;
};

/** Builds an element; children are text or elements, never HTML, so no data is ever parsed as markup. */
export function h(tag: string, attrs: Record<string, string | boolean | undefined> = {}, ...children: (El | string | null | undefined | false)[]): El {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Says `message` in the live status line; re-set, so a repeated message is announced again. */
export function announce(statusId: string, message: string): void {
  const status = $(statusId);
  status.textContent = '';
  setTimeout(() => (status.textContent = message), 30);
}

export async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}, reason?: string): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (reason) headers['x-footprint-reason'] = reason;
  const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  try {
    return (await res.json()) as GqlResult<T>;
  } catch {
    return { errors: [{ message: `The gateway answered HTTP ${res.status}` }] };
  }
}

/** "CONFLICT (ALREADY_EXTENDED): …" — the code first, so an operator can tell errors apart. */
export function errorText(r: GqlResult<unknown>): string | null {
  const e = r.errors?.[0];
  if (!e) return null;
  const code = [e.extensions?.code, e.extensions?.reason].filter(Boolean).join(' / ');
  return code ? `${code}: ${e.message}` : e.message;
}

export const TYPE_TITLES: Record<string, string> = {
  ACCESS: 'Access (Art. 15)',
  PORTABILITY: 'Portability (Art. 20)',
  RECTIFICATION: 'Rectification (Art. 16)',
  ERASURE: 'Erasure (Art. 17)',
  RESTRICTION: 'Restriction (Art. 18)',
  OBJECTION: 'Objection (Art. 21)',
  CONSENT_WITHDRAWAL: 'Consent withdrawal (Art. 7(3))',
};

export const STATE_TITLES: Record<string, string> = {
  RECEIVED: 'Received',
  VERIFYING: 'Verifying identity',
  IN_PROGRESS: 'In progress',
  ON_HOLD: 'Waiting for you',
  COMPLETED: 'Completed',
  REFUSED: 'Refused',
  WITHDRAWN: 'Withdrawn',
  CLOSED: 'Closed (account erased)',
};
