import type { Kysely, Transaction } from 'kysely';
import type { AnyDB } from '@footprint/kit';
import type { CloudDB } from '../store.js';
import type { BlobInfo, BlobStore } from './store.js';

/**
 * The blob registry (table `blob`): every blob the store holds, once. Records
 * refer to blobs through their content rows (galleryContent, fileContent);
 * many records, of several people, may refer to one blob.
 */

/** Records a stored blob (again): a blob marked unreferenced that is referred to again is not collected. */
export async function registerBlob(db: Kysely<CloudDB>, info: BlobInfo, now: string): Promise<void> {
  await db
    .insertInto('blob')
    .values({ sha256: info.sha256, bytes: info.bytes, createdAt: now, unreferencedAt: null })
    .onConflict((oc) => oc.column('sha256').doUpdateSet({ unreferencedAt: null }))
    .execute();
}

/**
 * In an erasure's transaction, after the records and their content rows are
 * gone: marks the blobs no content row refers to any more, and says how many.
 * Set-based; it marks nothing another record (of anyone) still holds.
 */
export async function markUnreferenced(trx: Transaction<AnyDB>, now: string): Promise<number> {
  const marked = await trx
    .updateTable('blob')
    .set({ unreferencedAt: now })
    .where('unreferencedAt', 'is', null)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('galleryContent').select('recordId').whereRef('galleryContent.sha256', '=', 'blob.sha256'))))
    .where((eb) => eb.not(eb.exists(eb.selectFrom('fileContent').select('recordId').whereRef('fileContent.sha256', '=', 'blob.sha256'))))
    .executeTakeFirst();
  // What the receipt counts: the files this erasure deletes (once it commits, collectUnreferenced).
  return Number(marked.numUpdatedRows);
}

/**
 * After the erasure committed: deletes the marked blobs from the blob store,
 * then their registry rows. The file goes first, so a crash in between leaves
 * a mark whose file is already gone (the next run finishes it), never a file
 * nothing points to. Each blob is checked again just before: one referred to
 * since it was marked is kept. Returns how many blobs were deleted.
 */
export async function collectUnreferenced(db: Kysely<CloudDB>, blobs: BlobStore): Promise<number> {
  const marked = await db.selectFrom('blob').select('sha256').where('unreferencedAt', 'is not', null).execute();
  let deleted = 0;
  for (const { sha256 } of marked) {
    const used =
      (await db.selectFrom('galleryContent').select('recordId').where('sha256', '=', sha256).executeTakeFirst()) ??
      (await db.selectFrom('fileContent').select('recordId').where('sha256', '=', sha256).executeTakeFirst());
    if (used) {
      await db.updateTable('blob').set({ unreferencedAt: null }).where('sha256', '=', sha256).execute();
      continue;
    }
    if (await blobs.delete(sha256)) deleted += 1;
    await db.deleteFrom('blob').where('sha256', '=', sha256).where('unreferencedAt', 'is not', null).execute();
  }
  return deleted;
}
