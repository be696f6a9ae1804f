import { correctableKind, defineCorrections, multiline, text } from '@footprint/kit';
import { z } from 'zod';
import type { CloudContactRow, CloudDB, CloudNoteRow, GalleryItemRow } from './store.js';

/**
 * What a person can correct in their synced content (policy §9): the text
 * fields of contacts and notes, and how gallery items are named and filed.
 * Corrections are stored with the content and reach the person's devices with
 * the next sync; the cloud provider (§4) is told of each one (Art. 19).
 */

const optionalText = (max: number, what: string) => text(1, max, what).nullable();

const contact = correctableKind<CloudDB, CloudContactRow>({
  kind: 'cloud.contact',
  label: (row) => row.displayName,
  touch: 'updatedAt',
  fields: {
    displayName: { label: 'Name shown', schema: text(1, 200, 'A name'), description: '1 to 200 characters (vCard FN)' },
    givenName: { label: 'Given name', schema: optionalText(100, 'A given name'), description: 'Up to 100 characters; may be left empty' },
    familyName: { label: 'Family name', schema: optionalText(100, 'A family name'), description: 'Up to 100 characters; may be left empty' },
    organisation: { label: 'Organisation', schema: optionalText(200, 'An organisation'), description: 'Up to 200 characters; may be left empty' },
    jobTitle: { label: 'Job title', schema: optionalText(200, 'A job title'), description: 'Up to 200 characters; may be left empty' },
    birthday: {
      label: 'Birthday',
      schema: z.iso.date({ message: 'A birthday is a date as YYYY-MM-DD' }).nullable(),
      description: 'A date as YYYY-MM-DD; may be left empty',
    },
    note: { label: 'Note', schema: multiline(2000, 'A note').nullable(), description: 'Up to 2000 characters; may be left empty' },
  },
});

const note = correctableKind<CloudDB, CloudNoteRow>({
  kind: 'cloud.note',
  label: (row) => row.title,
  touch: 'updatedAt',
  fields: {
    title: { label: 'Title', schema: text(1, 200, 'A title'), description: '1 to 200 characters' },
    body: { label: 'Text', schema: multiline(20_000, 'A note'), description: 'Up to 20000 characters' },
    folder: { label: 'Folder', schema: optionalText(100, 'A folder name'), description: 'Up to 100 characters; may be left empty' },
  },
});

const galleryItem = correctableKind<CloudDB, GalleryItemRow>({
  kind: 'cloud.gallery_item',
  label: (row) => row.fileName,
  fields: {
    fileName: {
      label: 'File name',
      schema: text(1, 255, 'A file name').regex(/^[^/\\:*?"<>|]+$/, 'A file name cannot contain / \\ : * ? " < > |'),
      description: '1 to 255 characters, without / \\ : * ? " < > |',
    },
    album: { label: 'Album', schema: optionalText(100, 'An album name'), description: 'Up to 100 characters; may be left empty' },
    placeName: { label: 'Place', schema: optionalText(200, 'A place name'), description: 'Where it was taken, up to 200 characters; may be left empty' },
  },
});

export const corrections = defineCorrections<CloudDB>([contact, note, galleryItem]);
