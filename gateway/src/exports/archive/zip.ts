import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';

export interface ZipEntry {
  /** Path inside the archive. */
  name: string;
  /** A file on disk, streamed in (never read whole)… */
  file?: string;
  /** …or a small generated document. */
  content?: Buffer;
}

export interface ZipOptions {
  level: number;
  date: Date;
  comment: string;
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Streams the entries into `<final>.partial`, fsyncs it, and only then renames
 * it to `final` (and fsyncs the folder): a crash leaves a .partial file that is
 * never served, never a ZIP that looks finished but is not. Returns the ZIP's
 * size and SHA-256.
 */
export async function writeZip(finalPath: string, entries: ZipEntry[], opts: ZipOptions): Promise<{ bytes: number; sha256: string }> {
  const partial = `${finalPath}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  // Deflate level 1 by default: JSON and CSV still shrink several times, at a fraction of level 6's CPU.
  const archive = new ZipArchive({ zlib: { level: opts.level }, comment: opts.comment });
  const written = pipeline(archive, tap, createWriteStream(partial));
  // archiver reports a file that vanished as a "warning"; for an archive that must be complete it is an error.
  archive.on('warning', (err) => archive.destroy(err));
  for (const e of entries) {
    if (e.file !== undefined) archive.file(e.file, { name: e.name, date: opts.date });
    else archive.append(e.content ?? Buffer.alloc(0), { name: e.name, date: opts.date });
  }
  await Promise.all([archive.finalize(), written]);
  await fsyncPath(partial, 'r+');
  await rename(partial, finalPath);
  await fsyncPath(dirname(finalPath), 'r');
  return { bytes, sha256: hash.digest('hex') };
}
