import type { Readable } from 'node:stream';

/** A blob's identity: the SHA-256 of its bytes (lower-case hex) and how many bytes it has. */
export interface BlobInfo {
  sha256: string;
  bytes: number;
}

/**
 * Where the cloud domain keeps what it syncs: photos, recordings, app data.
 * Content-addressed: a blob is named by the SHA-256 of its bytes, so the same
 * bytes are stored once however many records hold them, and a name never
 * points at other bytes. A blob is only ever visible whole: `put` writes it
 * under a temporary name and gives it its own only once every byte is there.
 */
export interface BlobStore {
  /** What kind of store this is, for logs and /health ("file", "s3"). */
  readonly kind: string;
  /** Streams `source` in, hashing as it goes; returns its name and size. Storing bytes already there changes nothing. */
  put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts?: PutOptions): Promise<BlobInfo>;
  /** The blob's bytes as a stream, or null when there is no such blob. */
  get(sha256: string): Promise<Readable | null>;
  has(sha256: string): Promise<boolean>;
  /** Deletes the blob; false when there was none. */
  delete(sha256: string): Promise<boolean>;
}

export interface PutOptions {
  /**
   * false: the blob is not flushed to disk before `put` returns (no fsync). Still never visible half-written while
   * the system runs; after a power loss it may be lost. Only for bulk loads that are redone from scratch if
   * interrupted (the seed, whose store is reset first): a person's upload is always durable (the default, true).
   */
  durable?: boolean;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A blob name as stored: 64 lower-case hex digits, nothing a path or key could be tricked with. */
export function checkSha256(sha256: string): string {
  if (!SHA256.test(sha256)) throw new TypeError(`Not a SHA-256 blob name: ${JSON.stringify(sha256.slice(0, 80))}`);
  return sha256;
}

export const isSha256 = (s: string): boolean => SHA256.test(s);
