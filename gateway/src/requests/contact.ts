import { randomUUID } from 'node:crypto';
import type { Logger } from '@footprint/schema';
import type { GatewayContext } from '../context.js';
import { callDomain, type DomainCallOptions } from '../corrections/client.js';

/** Where a person can be reached: the account's own e-mail address and phone number. */
export interface Contact {
  email: string | null;
  phone: string | null;
}

export type ContactLookup = (personId: string) => Promise<Contact>;

const QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { account { profile(first: 1) { nodes { email phone } } } } } }`;

/**
 * Reads the account's e-mail and phone from the account domain, with the
 * gateway's signed credential naming the gateway itself (not a person or an
 * operator) and the one person. Used to send the verification code and the
 * notices of a request; the address is never stored with the request.
 */
export function accountContactLookup(opts: DomainCallOptions & { accountUrl: string | undefined; logger: Logger }): ContactLookup {
  return async (personId) => {
    if (!opts.accountUrl) return { email: null, phone: null };
    const ctx: GatewayContext = {
      requestId: `privacy-request-${randomUUID()}`,
      principal: { kind: 'operator', sub: 'gateway:privacy-requests', scopes: [], reason: 'Contacting the person about their privacy request (GDPR Art. 12)' },
      person: personId,
      log: opts.logger,
    };
    type Answer = { _entities: ({ account: { profile: { nodes: { email: string | null; phone: string | null }[] } } | null } | null)[] };
    const data = await callDomain<Answer>(opts, 'account', opts.accountUrl, ctx, personId, QUERY, { r: [{ __typename: 'Person', id: personId }] });
    const profile = data._entities[0]?.account?.profile.nodes[0];
    return { email: profile?.email ?? null, phone: profile?.phone ?? null };
  };
}
