import { defineRights } from '@footprint/kit';
import type { CloudDB } from './store.js';

/** A contact's phone numbers and e-mail addresses go with it. */
export const rights = defineRights<CloudDB>({
  kinds: [
    {
      kind: 'cloud.contact',
      children: [
        { table: 'contactPhone', column: 'contactId' },
        { table: 'contactEmail', column: 'contactId' },
      ],
    },
  ],
});
