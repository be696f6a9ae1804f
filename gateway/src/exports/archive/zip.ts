import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
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

/**
 * Destroys a file stream if it is still open and waits until its descriptor is closed ('close'), so that the caller
 * deletes the file knowing nothing here holds it open (a deleted file's space is freed only when the last descriptor
 * closes).
 */
async function closed(stream: ReadStream | WriteStream): Promise<void> {
  if (stream.closed) return;
  const done = once(stream, 'close');
  stream.destroy();
  await done;
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
 *
 * Every file it opens (the .partial, each staged file as it is added) is a
 * handle of its own, closed here whether the ZIP is finished or fails: a
 * failed job deletes these files at once, and a descriptor left to garbage
 * collection would keep their space taken (a full disk stays full).
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
  const sink = createWriteStream(partial);
  let input: ReadStream | null = null;
  try {
    const written = pipeline(archive, tap, sink);
    // Handled now (awaited below): a failure while no entry is awaited would otherwise be an unhandled rejection.
    written.catch(() => undefined);
    // archiver reports a file that vanished as a "warning"; for an archive that must be complete it is an error.
    archive.on('warning', (err) => archive.destroy(err));
    // One entry at a time, each awaited: at most one staged file is open, and a failure (a full disk) ends the wait.
    const added = (): Promise<unknown> => Promise.race([once(archive, 'entry'), written]);
    for (const e of entries) {
      if (e.file === undefined) {
        archive.append(e.content ?? Buffer.alloc(0), { name: e.name, date: opts.date });
        await added();
        continue;
      }
      input = createReadStream(e.file);
      archive.append(input, { name: e.name, date: opts.date });
      await added();
      await closed(input);
      input = null;
    }
    await Promise.all([archive.finalize(), written]);
  } catch (err) {
    archive.destroy();
    throw err;
  } finally {
    if (input) await closed(input);
    await closed(sink);
  }
  await fsyncPath(partial, 'r+');
  await rename(partial, finalPath);
  await fsyncPath(dirname(finalPath), 'r');
  return { bytes, sha256: hash.digest('hex') };
}
