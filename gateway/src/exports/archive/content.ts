import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Column } from './columns.js';

/**
 * A record's file content in the archive: the bytes of a photo or a synced
 * file, at `<domain>/files/<sha256>.<ext>`, listed in the manifest with their
 * size and SHA-256 like every other file. A kind has content when its records
 * have a field whose object carries `sha256: String`, `bytes: Float` and
 * `mimeType: String` (cloud's CloudFileContent): found from the schema, as
 * every column is, so another domain's files would be exported the same way.
 */

/** What a staged content file is: its path in the archive, media type, size and SHA-256. */
export interface StagedContent {
  path: string;
  mediaType: string;
  size: number;
  sha256: string;
}

/** The record field that holds file content, or null when the kind has none. */
export function contentFieldOf(columns: Column[]): string | null {
  const byParent = new Map<string, Map<string, string>>();
  for (const c of columns) {
    if (c.path.length !== 2) continue;
    const m = byParent.get(c.path[0]!) ?? new Map<string, string>();
    m.set(c.path[1]!, c.type);
    byParent.set(c.path[0]!, m);
  }
  for (const [field, m] of byParent) if (m.get('sha256') === 'String' && m.get('bytes') === 'Float' && m.get('mimeType') === 'String') return field;
  return null;
}

/** File name extensions by media type (the parameters after `;` do not count); anything else is .bin. */
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/x-msvideo': 'avi',
  'video/webm': 'webm',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/ogg': 'ogg',
  'application/json': 'json',
  'application/gzip': 'gz',
  'application/zip': 'zip',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/octet-stream': 'bin',
};

export const extensionOf = (mimeType: string): string => EXTENSIONS[mimeType.split(';')[0]!.trim().toLowerCase()] ?? 'bin';

const SHA256 = /^[0-9a-f]{64}$/;

/** A record's content as it names it (validated: the name becomes a path), or null when it has none. */
export function contentOf(record: Record<string, unknown>, field: string): { sha256: string; bytes: number; mimeType: string } | null {
  const c = record[field];
  if (c === null || c === undefined) return null;
  const v = c as { sha256?: unknown; bytes?: unknown; mimeType?: unknown };
  if (typeof v.sha256 !== 'string' || !SHA256.test(v.sha256) || typeof v.bytes !== 'number' || !Number.isSafeInteger(v.bytes) || v.bytes < 0 || typeof v.mimeType !== 'string') {
    throw new ContentIntegrityError(`${String(record.id)}: its content is not named by a SHA-256 with a size and a type`);
  }
  return { sha256: v.sha256, bytes: v.bytes, mimeType: v.mimeType };
}

/** Where a record's content goes in the archive. */
export const contentPath = (domain: string, sha256: string, mimeType: string): string => `${domain}/files/${sha256}.${extensionOf(mimeType)}`;

/** Bytes that are not what their record names (another hash or size): the domain fails rather than export them. */
export class ContentIntegrityError extends Error {
  override name = 'ContentIntegrityError';
}

/**
 * Streams one file into the staging folder: written to a temporary name while
 * it is hashed, checked against the SHA-256 and size its record names, fsynced
 * and only then renamed to its path. Bytes that do not match are deleted and
 * throw ContentIntegrityError: a wrong file never reaches the archive.
 */
export async function stageContent(root: string, path: string, expected: { sha256: string; bytes: number; recordId: string }, body: AsyncIterable<Uint8Array>): Promise<Omit<StagedContent, 'mediaType'>> {
  const abs = join(root, path);
  await mkdir(dirname(abs), { recursive: true });
  const tmp = `${abs}.${randomUUID()}.part`;
  const hash = createHash('sha256');
  let size = 0;
  const fh = await open(tmp, 'w');
  try {
    try {
      for await (const chunk of body) {
        hash.update(chunk);
        size += chunk.byteLength;
        // More than the record says: stop reading now (a flood is not written to disk).
        if (size > expected.bytes) break;
        for (let at = 0; at < chunk.byteLength; ) at += (await fh.write(chunk, at)).bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = hash.digest('hex');
    if (size !== expected.bytes || sha256 !== expected.sha256) {
      throw new ContentIntegrityError(
        size !== expected.bytes
          ? `${expected.recordId}: its content is ${size > expected.bytes ? 'more than' : `${size}`} bytes, the record says ${expected.bytes}`
          : `${expected.recordId}: its content's bytes hash to ${sha256}, not to the ${expected.sha256} the record names`,
      );
    }
    await rename(tmp, abs);
    return { path, size, sha256 };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
