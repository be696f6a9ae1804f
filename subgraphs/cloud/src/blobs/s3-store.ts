import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, NoSuchKey, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { checkSha256, type BlobInfo, type BlobStore, type PutOptions } from './store.js';

export interface S3BlobStoreOptions {
  /** e.g. http://127.0.0.1:9000 for an S3-compatible server; absent: AWS itself for the region. */
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  /** Key prefix inside the bucket, e.g. "cloud-blobs/". */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (http://host/bucket/key), which S3-compatible servers need. */
  forcePathStyle: boolean;
}

const notFound = (err: unknown) => err instanceof NotFound || err instanceof NoSuchKey || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/**
 * Blobs as objects in an S3 bucket (or any server speaking S3's API), for
 * gateways and subgraphs that scale out across machines. An object's key is
 * `<prefix><ab>/<cd>/<sha256>`; a PUT is atomic in S3 (an object appears
 * whole or not at all), so nothing half-written is ever under a name. Since
 * the name is only known once every byte is hashed, `put` first spools the
 * stream to a temporary local file (memory stays flat), then uploads it with
 * its length.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly opts: S3BlobStoreOptions) {
    this.client = new S3Client({
      region: opts.region,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // The SDK would otherwise add CRC32 checksums to every request, which not every S3-compatible server accepts.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  keyOf(sha256: string): string {
    checkSha256(sha256);
    return `${this.opts.prefix}${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  /** An S3 PUT is durable once answered: `durable` changes nothing here. */
  async put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, _opts: PutOptions = {}): Promise<BlobInfo> {
    const dir = await mkdtemp(join(tmpdir(), 'footprint-blob-'));
    try {
      const spool = join(dir, randomUUID());
      const hash = createHash('sha256');
      let bytes = 0;
      const fh = await open(spool, 'wx');
      try {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.byteLength;
          for (let at = 0; at < chunk.byteLength; ) at += (await fh.write(chunk, at)).bytesWritten;
        }
      } finally {
        await fh.close();
      }
      const digest = hash.digest();
      const sha256 = digest.toString('hex');
      if (await this.has(sha256)) return { sha256, bytes };
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.opts.bucket,
          Key: this.keyOf(sha256),
          Body: createReadStream(spool),
          ContentLength: bytes,
          ContentType: 'application/octet-stream',
          Metadata: { sha256 },
        }),
      );
      return { sha256, bytes };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async get(sha256: string): Promise<Readable | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(sha256) }));
      if (!(out.Body instanceof Readable)) throw new Error(`S3 returned no stream for blob ${sha256}`);
      return out.Body;
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(sha256) }));
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    // S3's DELETE answers the same whether or not the object was there: ask first, so the count is true.
    if (!(await this.has(sha256))) return false;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.keyOf(sha256) }));
    return true;
  }

  destroy(): void {
    this.client.destroy();
  }
}
