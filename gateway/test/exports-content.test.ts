import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Column } from '../src/exports/archive/columns.js';
import { ContentIntegrityError, contentFieldOf, contentOf, contentPath, extensionOf, stageContent } from '../src/exports/archive/content.js';

const root = mkdtempSync(join(tmpdir(), 'footprint-content-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const col = (name: string, type: string): Column => ({ name, path: name.split('.'), type, json: false, nullable: true });

describe('a record\'s file content in the archive', () => {
  it('is found from the columns: a field whose object has sha256, bytes and mimeType', () => {
    expect(contentFieldOf([col('id', 'ID'), col('content.sha256', 'String'), col('content.bytes', 'Float'), col('content.mimeType', 'String')])).toBe('content');
    expect(contentFieldOf([col('id', 'ID'), col('content.sha256', 'String'), col('content.bytes', 'Float')])).toBeNull();
    expect(contentFieldOf([col('sha256', 'String'), col('bytes', 'Float'), col('mimeType', 'String')])).toBeNull();
  });

  it('goes to <domain>/files/<sha256>.<ext>, the extension from the media type', () => {
    const s = 'a'.repeat(64);
    expect(contentPath('cloud', s, 'image/jpeg')).toBe(`cloud/files/${s}.jpg`);
    expect(extensionOf('text/plain; charset=utf-8')).toBe('txt');
    expect(extensionOf('Video/X-MSVideo')).toBe('avi');
    expect(extensionOf('application/x-unknown')).toBe('bin');
  });

  it('refuses content that is not named by a SHA-256 (the name becomes a path)', () => {
    expect(contentOf({ id: 'x', content: null }, 'content')).toBeNull();
    expect(() => contentOf({ id: 'cloud.gallery_item:1', content: { sha256: '../../etc', bytes: 1, mimeType: 'image/jpeg' } }, 'content')).toThrow(ContentIntegrityError);
    expect(() => contentOf({ id: 'cloud.gallery_item:1', content: { sha256: 'a'.repeat(64), bytes: -1, mimeType: 'image/jpeg' } }, 'content')).toThrow(ContentIntegrityError);
  });

  it('stages bytes that match their record, and keeps nothing of bytes that do not', async () => {
    const good = Buffer.from('the photo');
    const path = contentPath('cloud', sha(good), 'image/jpeg');
    expect(await stageContent(root, path, { sha256: sha(good), bytes: good.length, recordId: 'r1' }, [good.subarray(0, 3), good.subarray(3)])).toEqual({ path, size: good.length, sha256: sha(good) });
    expect(readFileSync(join(root, path)).equals(good)).toBe(true);

    const other = Buffer.from('another photo');
    const wrong = contentPath('cloud', sha(other), 'image/jpeg');
    await expect(stageContent(root, wrong, { sha256: sha(other), bytes: other.length, recordId: 'cloud.gallery_item:2' }, [Buffer.from('another phot0')])).rejects.toThrow(/cloud\.gallery_item:2: its content's bytes hash to/);
    await expect(stageContent(root, wrong, { sha256: sha(other), bytes: other.length, recordId: 'r3' }, [other, Buffer.from('and more')])).rejects.toThrow(/more than/);
    await expect(stageContent(root, wrong, { sha256: sha(other), bytes: other.length, recordId: 'r4' }, [other.subarray(0, 4)])).rejects.toThrow(/is 4 bytes, the record says 13/);
    // Only the good file is there: no temporary part, nothing under the wrong name.
    expect(readdirSync(join(root, 'cloud', 'files'))).toEqual([`${sha(good)}.jpg`]);
  });
});
