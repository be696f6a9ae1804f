import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore } from '../src/blobs/config.js';
import { FileBlobStore } from '../src/blobs/file-store.js';
import { S3BlobStore } from '../src/blobs/s3-store.js';
import type { BlobStore } from '../src/blobs/store.js';
import { startS3rver, type S3Server } from './s3rver.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytesOf = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

async function read(s: NodeJS.ReadableStream | null): Promise<Buffer> {
  expect(s).not.toBeNull();
  const chunks: Buffer[] = [];
  for await (const c of s!) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A source that yields its first half, then waits until `release` before the rest: a put caught in the middle. */
function halted(data: Buffer) {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let halfway!: () => void;
  const reached = new Promise<void>((r) => {
    halfway = r;
  });
  async function* source() {
    yield data.subarray(0, data.length / 2);
    halfway();
    await gate;
    yield data.subarray(data.length / 2);
  }
  return { source: source(), reached, release };
}

/** The behaviour every blob store must have, whatever keeps the bytes. */
function blobStoreContract(name: string, make: () => BlobStore) {
  describe(`${name}: the BlobStore contract`, () => {
    it('names a blob by the SHA-256 of its bytes and gives back exactly those bytes, streamed', async () => {
      const store = make();
      const data = bytesOf(300_000, 1);
      // Several chunks, as a stream brings them.
      const info = await store.put([data.subarray(0, 1000), data.subarray(1000, 250_000), data.subarray(250_000)]);
      expect(info).toEqual({ sha256: sha(data), bytes: data.length });
      expect(await store.has(info.sha256)).toBe(true);
      expect((await read(await store.get(info.sha256))).equals(data)).toBe(true);
    });

    it('stores the same bytes once (content addressing)', async () => {
      const store = make();
      const data = bytesOf(5000, 2);
      const a = await store.put([data]);
      const b = await store.put([data.subarray(0, 10), data.subarray(10)]);
      expect(b).toEqual(a);
      expect(await store.delete(a.sha256)).toBe(true);
      // One copy: gone once deleted once.
      expect(await store.has(a.sha256)).toBe(false);
    });

    it('answers null / false for a blob it does not hold, and refuses a name that is not a SHA-256', async () => {
      const store = make();
      const absent = sha(Buffer.from('never stored'));
      expect(await store.get(absent)).toBeNull();
      expect(await store.has(absent)).toBe(false);
      expect(await store.delete(absent)).toBe(false);
      for (const bad of ['../../etc/passwd', 'ABC', `${absent}x`, absent.toUpperCase()]) await expect(store.get(bad)).rejects.toThrow(/Not a SHA-256 blob name/);
    });

    it('shows nothing under the name while a put is under way', async () => {
      const store = make();
      const data = bytesOf(64_000, 3);
      const h = halted(data);
      const putting = store.put(h.source);
      await h.reached;
      expect(await store.has(sha(data))).toBe(false);
      expect(await store.get(sha(data))).toBeNull();
      h.release();
      expect(await putting).toEqual({ sha256: sha(data), bytes: data.length });
      expect(await store.has(sha(data))).toBe(true);
    });

    it('keeps nothing of a put whose stream fails', async () => {
      const store = make();
      const data = bytesOf(10_000, 4);
      async function* failing() {
        yield data.subarray(0, 5000);
        throw new Error('the phone went offline');
      }
      await expect(store.put(failing())).rejects.toThrow('the phone went offline');
      expect(await store.has(sha(data))).toBe(false);
      expect(await store.has(sha(data.subarray(0, 5000)))).toBe(false);
    });

    it('deletes a blob', async () => {
      const store = make();
      const info = await store.put([bytesOf(100, 5)]);
      expect(await store.delete(info.sha256)).toBe(true);
      expect(await store.has(info.sha256)).toBe(false);
      expect(await store.get(info.sha256)).toBeNull();
      expect(await store.delete(info.sha256)).toBe(false);
    });
  });
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'footprint-blobs-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

blobStoreContract('file store', () => new FileBlobStore(root));

describe('file store on disk', () => {
  it('keeps a blob at <root>/ab/cd/<sha256>, and a put in progress only under tmp/', async () => {
    const dir = await mkdtemp(join(root, 'layout-'));
    const store = new FileBlobStore(dir);
    const data = bytesOf(20_000, 6);
    const name = sha(data);
    const h = halted(data);
    const putting = store.put(h.source);
    await h.reached;
    // A crash now would leave exactly this: a temporary file, nothing under the blob's name or folder.
    expect(await readdir(dir)).toEqual(['tmp']);
    expect(await readdir(join(dir, 'tmp'))).toHaveLength(1);
    h.release();
    await putting;
    const path = join(dir, name.slice(0, 2), name.slice(2, 4), name);
    expect(store.pathOf(name)).toBe(path);
    expect((await readFile(path)).equals(data)).toBe(true);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    // The same bytes again: the temporary copy is dropped, the one blob stays.
    await store.put([data]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    await store.delete(name);
    expect(existsSync(path)).toBe(false);
  });

  it('is the default, under the data folder; s3 needs a bucket and credentials', () => {
    const store = openBlobStore('/srv/footprint-data', {});
    expect(store).toBeInstanceOf(FileBlobStore);
    expect((store as FileBlobStore).root).toBe('/srv/footprint-data/cloud-blobs');
    expect(() => openBlobStore('/x', { FOOTPRINT_CLOUD_BLOBS: 's3' })).toThrow(/FOOTPRINT_CLOUD_S3_BUCKET: is required when FOOTPRINT_CLOUD_BLOBS=s3/);
    expect(() => openBlobStore('/x', { FOOTPRINT_CLOUD_BLOBS: 'ftp' })).toThrow(/FOOTPRINT_CLOUD_BLOBS/);
    expect(openBlobStore('/x', { FOOTPRINT_CLOUD_BLOBS: 's3', FOOTPRINT_CLOUD_S3_BUCKET: 'photos', FOOTPRINT_CLOUD_S3_ACCESS_KEY_ID: 'k', FOOTPRINT_CLOUD_S3_SECRET_ACCESS_KEY: 's' })).toBeInstanceOf(S3BlobStore);
  });
});

describe('S3 store against s3rver (a separate process speaking S3)', () => {
  let s3: S3Server;
  let store: S3BlobStore;
  beforeAll(async () => {
    s3 = await startS3rver();
    store = openBlobStore(root, {
      FOOTPRINT_CLOUD_BLOBS: 's3',
      FOOTPRINT_CLOUD_S3_ENDPOINT: s3.endpoint,
      FOOTPRINT_CLOUD_S3_BUCKET: s3.bucket,
      FOOTPRINT_CLOUD_S3_ACCESS_KEY_ID: s3.accessKeyId,
      FOOTPRINT_CLOUD_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    }) as S3BlobStore;
  }, 30_000);
  afterAll(async () => {
    store?.destroy();
    await s3?.stop();
  });

  blobStoreContract('s3 store', () => store);

  it('keeps the object at <prefix>ab/cd/<sha256> in the bucket, and nothing else', async () => {
    const data = bytesOf(1234, 7);
    const { sha256 } = await store.put([data]);
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `cloud-blobs/${sha256.slice(0, 2)}/` }));
      expect(listed.Contents?.map((o) => [o.Key, o.Size])).toContainEqual([`cloud-blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`, data.length]);
      // No temporary object is left in the bucket: spooling happens on local disk, the PUT is the one write.
      const all = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
      for (const o of all.Contents ?? []) expect(o.Key).toMatch(/^cloud-blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    } finally {
      client.destroy();
    }
  });
});
