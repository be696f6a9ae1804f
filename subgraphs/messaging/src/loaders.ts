import { PageLoader, prefetchBy, requirePerson, type PagePrefetch, type Store } from '@footprint/kit';
import type { KindRows, MessagingConversationRow, MessagingDB, MessagingMessageRow } from './store.js';

/** A correspondent as a response may show them: the masked number, nothing else. */
export interface MaskedParty {
  /** SENDER or RECIPIENT for a message; MEMBER for a conversation. */
  role: string;
  phoneMasked: string;
}

/**
 * Per-request loaders for the correspondents of a page of messages or
 * conversations: one statement per page, however many parents it has.
 *
 * They select `phoneMasked` and nothing else of a correspondent: the full
 * number, name and Mi Message ID stay in the store (policy: a correspondent's
 * number is their data too).
 */
export interface MessagingLoaders {
  /** The correspondents a message came from or went to, by message ID. */
  partiesByMessage: PageLoader<string, MaskedParty[]>;
  /** The correspondents of a conversation, by conversation ID. */
  membersByConversation: PageLoader<string, MaskedParty[]>;
}

/** Groups rows by their parent id, in the order of `ids` (DataLoader's contract). */
function group(ids: readonly string[], rows: { parent: string; role: string; phoneMasked: string }[]): MaskedParty[][] {
  const by = new Map<string, MaskedParty[]>();
  for (const r of rows) {
    const list = by.get(r.parent) ?? [];
    list.push({ role: r.role, phoneMasked: r.phoneMasked });
    by.set(r.parent, list);
  }
  return ids.map((id) => by.get(id) ?? []);
}

export function createLoaders(store: Store<MessagingDB>, person: string | null): MessagingLoaders {
  const db = store.db;
  return {
    partiesByMessage: new PageLoader(async (ids) => {
        const personId = requirePerson({ person });
        const rows = await db
          .selectFrom('messageParty')
          .innerJoin('correspondent', 'correspondent.id', 'messageParty.correspondentId')
          .select(['messageParty.messageId', 'messageParty.role', 'correspondent.phoneMasked'])
          .where('messageParty.personId', '=', personId)
          .where('correspondent.personId', '=', personId)
          .where('messageParty.messageId', 'in', [...ids])
          .orderBy('messageParty.id')
          .execute();
        return group(ids, rows.map((r) => ({ parent: r.messageId, role: r.role, phoneMasked: r.phoneMasked })));
    }),
    membersByConversation: new PageLoader(async (ids) => {
        const personId = requirePerson({ person });
        const rows = await db
          .selectFrom('conversationMember')
          .innerJoin('correspondent', 'correspondent.id', 'conversationMember.correspondentId')
          .select(['conversationMember.conversationId', 'correspondent.phoneMasked'])
          .where('conversationMember.personId', '=', personId)
          .where('correspondent.personId', '=', personId)
          .where('conversationMember.conversationId', 'in', [...ids])
          .orderBy('conversationMember.id')
          .execute();
        return group(ids, rows.map((r) => ({ parent: r.conversationId, role: 'MEMBER', phoneMasked: r.phoneMasked })));
    }),
  };
}

/** A page of messages or conversations loads its correspondents in one statement, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<MessagingLoaders>[]>> = {
  MessagingMessage: [prefetchBy(['sender', 'recipients'], (l: MessagingLoaders) => l.partiesByMessage, (r: MessagingMessageRow) => r.messageId)],
  MessagingConversation: [prefetchBy(['title', 'participants'], (l: MessagingLoaders) => l.membersByConversation, (r: MessagingConversationRow) => r.conversationId)],
};
