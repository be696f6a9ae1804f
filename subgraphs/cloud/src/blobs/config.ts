import { join } from 'node:path';
import { z } from 'zod';
import { FileBlobStore } from './file-store.js';
import { S3BlobStore } from './s3-store.js';
import type { BlobStore } from './store.js';

const Env = z
  .object({
    /** file (default): content-addressed files under <data>/cloud-blobs; s3: an S3 bucket. */
    FOOTPRINT_CLOUD_BLOBS: z.enum(['file', 's3']).default('file'),
    /** file: another folder for the blobs than <data>/cloud-blobs. */
    FOOTPRINT_CLOUD_BLOBS_DIR: z.string().min(1).optional(),
    FOOTPRINT_CLOUD_S3_ENDPOINT: z.url().optional(),
    FOOTPRINT_CLOUD_S3_REGION: z.string().min(1).default('us-east-1'),
    FOOTPRINT_CLOUD_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3–63 lower-case letters, digits, dots, hyphens)').optional(),
    FOOTPRINT_CLOUD_S3_PREFIX: z.string().max(200).default('cloud-blobs/'),
    FOOTPRINT_CLOUD_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    FOOTPRINT_CLOUD_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Path-style URLs: S3-compatible servers need them; AWS accepts either. Default: on when an endpoint is given. */
    FOOTPRINT_CLOUD_S3_PATH_STYLE: z.enum(['0', '1']).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.FOOTPRINT_CLOUD_BLOBS !== 's3') return;
    for (const name of ['FOOTPRINT_CLOUD_S3_BUCKET', 'FOOTPRINT_CLOUD_S3_ACCESS_KEY_ID', 'FOOTPRINT_CLOUD_S3_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) ctx.addIssue({ code: 'custom', path: [name], message: `is required when FOOTPRINT_CLOUD_BLOBS=s3` });
    }
  });

/**
 * The cloud domain's blob store, chosen by configuration (validated here, once): by default files under the
 * subgraph's data folder; FOOTPRINT_CLOUD_BLOBS=s3 with a bucket and credentials for an object store.
 */
export function openBlobStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid cloud blob store configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  if (e.FOOTPRINT_CLOUD_BLOBS === 'file') return new FileBlobStore(e.FOOTPRINT_CLOUD_BLOBS_DIR ?? join(dataDir, 'cloud-blobs'));
  return new S3BlobStore({
    endpoint: e.FOOTPRINT_CLOUD_S3_ENDPOINT,
    region: e.FOOTPRINT_CLOUD_S3_REGION,
    bucket: e.FOOTPRINT_CLOUD_S3_BUCKET!,
    prefix: e.FOOTPRINT_CLOUD_S3_PREFIX,
    accessKeyId: e.FOOTPRINT_CLOUD_S3_ACCESS_KEY_ID!,
    secretAccessKey: e.FOOTPRINT_CLOUD_S3_SECRET_ACCESS_KEY!,
    forcePathStyle: e.FOOTPRINT_CLOUD_S3_PATH_STYLE ? e.FOOTPRINT_CLOUD_S3_PATH_STYLE === '1' : Boolean(e.FOOTPRINT_CLOUD_S3_ENDPOINT),
  });
}

const opened = new Map<string, BlobStore>();

/** One store per data folder in a process: the route, the erasure hook and the seed share it. */
export function blobStoreFor(dataDir: string): BlobStore {
  let s = opened.get(dataDir);
  if (!s) {
    s = openBlobStore(dataDir);
    opened.set(dataDir, s);
  }
  return s;
}
