import { errorMessage, errorWithCode, type GqlError } from '../errors.js';
import { t } from '../lang.js';

/**
 * Small helpers the privacy centre and the desk share: elements built from
 * text (never HTML, so no data is parsed as markup), the live status line, and
 * GraphQL calls with a token and, for operators, the reason header.
 */

export type { GqlError };
export interface GqlResult<T> {
  data?: T | null;
  errors?: GqlError[];
}

export function $<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el as E;
}
/** A form control by id (inputs, selects and text areas share value and focus). */
export const field = (id: string) => $<HTMLInputElement>(id);

type Child = Node | string | null | undefined | false;

/** Builds an element; children are text or elements, never HTML, so no data is ever parsed as markup. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
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

/** A GraphQL call; the page's language goes with it, so what the gateway sends the person (codes, notices) speaks it too. */
export async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}, reason?: string): Promise<GqlResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'accept-language': document.documentElement.lang || 'en' };
  // A browser sends header values as Latin-1: a reason in Azerbaijani goes percent-encoded in RFC 8187's form, which the gateway reads.
  if (reason) headers['x-footprint-reason'] = /^[\x20-\x7e]*$/.test(reason) ? reason : `UTF-8''${encodeURIComponent(reason)}`;
  let res: Response;
  try {
    res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  } catch {
    return { errors: [{ message: '', extensions: { code: 'NETWORK' } }] };
  }
  try {
    return (await res.json()) as GqlResult<T>;
  } catch {
    return { errors: [{ message: t('errors.http', { status: res.status }) }] };
  }
}

/** The first error of an answer, in the reader's language (the gateway's message as a detail), or null. */
export function errorText(r: GqlResult<unknown>): string | null {
  return r.errors?.[0] ? errorMessage(r.errors[0]) : null;
}
/** The same with the code first, for operators. */
export function codedErrorText(r: GqlResult<unknown>): string | null {
  return errorWithCode(r.errors?.[0]);
}

export const OPEN_STATES = ['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'ON_HOLD'];
