import { defineRights } from '@footprint/kit';
import { collectUnreferenced, markUnreferenced } from './blobs/collect.js';
import { blobStoreFor } from './blobs/config.js';
import type { CloudDB } from './store.js';

/**
 * A contact's phone numbers and e-mail addresses go with it; a gallery item's
 * or synced file's content row goes with it, and so do the bytes once no
 * record (of anyone: the store is content-addressed) refers to them — marked
 * in the kind's transaction, deleted from the blob store once it committed.
 */
export const rights = defineRights<CloudDB>({
  kinds: [
    {
      kind: 'cloud.contact',
      children: [
        { table: 'contactPhone', column: 'contactId' },
        { table: 'contactEmail', column: 'contactId' },
      ],
    },
    {
      kind: 'cloud.gallery_item',
      children: [{ table: 'galleryContent', column: 'recordId', personColumn: 'personId' }],
      eraseFiles: (trx, ctx) => markUnreferenced(trx, ctx.now),
    },
    {
      kind: 'cloud.synced_file',
      children: [{ table: 'fileContent', column: 'recordId', personColumn: 'personId' }],
      eraseFiles: (trx, ctx) => markUnreferenced(trx, ctx.now),
    },
  ],
  afterErasure: async (store) => {
    await collectUnreferenced(store.db, blobStoreFor(store.dataDir));
  },
});
