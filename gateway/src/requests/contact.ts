import { randomUUID } from 'node:crypto';
import type { Logger } from '@footprint/kit';
import type { DomainClient } from '../domains/client.js';

/** Where a person can be reached: the account's own e-mail address and phone number. */
export interface Contact {
  email: string | null;
  phone: string | null;
  /** false: the account domain holds no account for the person (no profile); absent when it could not be asked. */
  known?: boolean;
}

export type ContactLookup = (personId: string) => Promise<Contact>;

const QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { account { profile(first: 1) { nodes { email phone } } } } } }`;

/**
 * Reads the account's e-mail and phone from the account domain, with the
 * gateway's signed credential naming the gateway itself (not a person or an
 * operator) and the one person. Used to send the verification code and the
 * notices of a request; the address is never stored with the request.
 */
export function accountContactLookup(opts: { client: DomainClient; logger: Logger }): ContactLookup {
  return async (personId) => {
    if (!opts.client.url('account')) return { email: null, phone: null };
    // One call, not a request: the credential is signed for it alone.
    const credential = { actor: 'gateway:privacy-requests', actorType: 'operator' as const, person: personId, scopes: [], requestId: `privacy-request-${randomUUID()}` };
    type Answer = { _entities: ({ account: { profile: { nodes: { email: string | null; phone: string | null }[] } } | null } | null)[] };
    const data = await opts.client.request<Answer>('account', QUERY, { r: [{ __typename: 'Person', id: personId }] }, { credential, log: opts.logger });
    const profile = data._entities[0]?.account?.profile.nodes[0];
    return { email: profile?.email ?? null, phone: profile?.phone ?? null, known: profile !== undefined };
  };
}
