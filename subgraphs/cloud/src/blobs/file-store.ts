import { createHash, randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkSha256, type BlobInfo, type BlobStore, type PutOptions } from './store.js';

/** Opens a path and fsyncs it: a file's bytes, or a folder's entries (a rename is durable only once its folder is synced). */
async function fsyncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * The embedded default: blobs as files under `<root>/ab/cd/<sha256>` (two
 * levels of fan-out, so no folder holds more than a few thousand entries at
 * scale). A blob is written to `<root>/tmp/<uuid>` while it is hashed,
 * fsynced, and only then renamed to its name (and the folder fsynced): a crash
 * leaves at most a file in tmp/, never a half-written blob under a name.
 */
export class FileBlobStore implements BlobStore {
  readonly kind = 'file';

  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    checkSha256(sha256);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: PutOptions = {}): Promise<BlobInfo> {
    const durable = opts.durable ?? true;
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let bytes = 0;
    const fh = await open(tmp, 'wx');
    try {
      try {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.byteLength;
          // A nearly full disk can take part of a write: write the rest, so the next call fails (ENOSPC) instead.
          for (let at = 0; at < chunk.byteLength; ) at += (await fh.write(chunk, at)).bytesWritten;
        }
        if (durable) await fh.sync();
      } finally {
        await fh.close();
      }
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      if (await this.has(sha256)) {
        // The same bytes are there already (content addressing): keep the one copy.
        await unlink(tmp);
        return { sha256, bytes };
      }
      await mkdir(dirname(final), { recursive: true });
      await rename(tmp, final);
      if (durable) await fsyncPath(dirname(final), 'r');
      return { sha256, bytes };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(sha256: string): Promise<ReadStream | null> {
    const path = this.pathOf(sha256);
    // Opened here, so a missing blob is null now rather than an error on the stream later.
    try {
      const fh = await open(path, 'r');
      // The stream owns the handle from here (autoClose): it is closed when the stream ends or is destroyed.
      return fh.createReadStream();
    } catch (err) {
      if (missing(err)) return null;
      throw err;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch (err) {
      if (missing(err)) return false;
      throw err;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    const path = this.pathOf(sha256);
    try {
      await unlink(path);
    } catch (err) {
      if (missing(err)) return false;
      throw err;
    }
    await fsyncPath(dirname(path), 'r');
    return true;
  }
}
