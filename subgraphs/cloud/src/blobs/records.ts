/** The record kinds whose records have content, and the table that says what it is. */
export const CONTENT_TABLES = {
  'cloud.gallery_item': 'galleryContent',
  'cloud.synced_file': 'fileContent',
} as const;

export type ContentKind = keyof typeof CONTENT_TABLES;

const RECORD_ID = /^(cloud\.gallery_item|cloud\.synced_file):([1-9]\d{0,14})$/;

/** A record id as the kit forms it (`<kind>:<row id>`) of a kind with content; null for anything else. */
export function parseFileRecordId(recordId: string): { recordId: string; kind: ContentKind; number: number } | null {
  const m = RECORD_ID.exec(recordId);
  return m ? { recordId, kind: m[1] as ContentKind, number: Number(m[2]) } : null;
}
