import { defineRights, type AnyDB, type RightsHookContext } from '@footprint/kit';
import type { Transaction } from 'kysely';
import type { MessagingDB } from './store.js';

/**
 * Erasure in messaging: a conversation's members and a message's parties go
 * with it (keyed by the routing ids, scoped to the person), and a
 * correspondent's number — the person's address book of routing identifiers —
 * goes once no conversation or message of the person refers to it.
 */
async function dropUnusedCorrespondents(trx: Transaction<AnyDB>, ctx: RightsHookContext): Promise<void> {
  await trx
    .deleteFrom('correspondent')
    .where('personId', '=', ctx.person)
    .where('id', 'not in', trx.selectFrom('conversationMember').select('correspondentId').where('personId', '=', ctx.person))
    .where('id', 'not in', trx.selectFrom('messageParty').select('correspondentId').where('personId', '=', ctx.person))
    .execute();
}

export const rights = defineRights<MessagingDB>({
  kinds: [
    {
      kind: 'messaging.conversation',
      children: [{ table: 'conversationMember', column: 'conversationId', parentColumn: 'conversationId', personColumn: 'personId' }],
      afterErase: dropUnusedCorrespondents,
    },
    {
      kind: 'messaging.message',
      children: [{ table: 'messageParty', column: 'messageId', parentColumn: 'messageId', personColumn: 'personId' }],
      afterErase: dropUnusedCorrespondents,
    },
  ],
});
