import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { z } from 'zod';

/** Where a record's file content is: named by the SHA-256 of its bytes. */
const CONTENT_PATH = /^[a-z][a-z0-9]*\/files\/([0-9a-f]{64})\.[a-z0-9]+$/;

const ManifestShape = z.object({
  format: z.string(),
  job: z.object({ id: z.string() }).loose(),
  person: z.string(),
  complete: z.boolean(),
  totals: z.object({ records: z.number(), portableRecords: z.number() }).loose(),
  domains: z.array(z.object({ domain: z.string(), status: z.string(), reason: z.string().nullable(), records: z.number() }).loose()),
  files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string(), records: z.number().nullable() }).loose()),
});
export type ManifestSummary = z.infer<typeof ManifestShape>;

export interface Verification {
  manifest: ManifestSummary;
  /** Empty when every listed file is present with its size and sha256, and nothing unlisted is there. */
  problems: string[];
  files: number;
}

/**
 * Checks an archive against its own manifest.json, the way an importer
 * would: every listed file present with the listed size and SHA-256, nothing
 * else besides the manifest, and every content file (photos, synced files)
 * named by the SHA-256 of its bytes. Streams each entry; nothing is held whole.
 */
export async function verifyArchive(path: string): Promise<Verification> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true });
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText = '';
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const hash = createHash('sha256');
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            hash.update(c);
            size += c.length;
            if (entry.fileName === 'manifest.json') chunks.push(c);
          });
          stream.on('error', reject);
          stream.on('end', () => {
            seen.set(entry.fileName, { size, sha256: hash.digest('hex') });
            if (entry.fileName === 'manifest.json') manifestText = Buffer.concat(chunks).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  if (!manifestText) throw new Error(`${path} has no manifest.json: it is not a Footprint archive`);
  const manifest = ManifestShape.parse(JSON.parse(manifestText));
  const problems: string[] = [];
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const got = seen.get(f.path);
    if (!got) problems.push(`${f.path} is listed but missing`);
    else if (got.size !== f.size) problems.push(`${f.path} is ${got.size} bytes, the manifest says ${f.size}`);
    else if (got.sha256 !== f.sha256) problems.push(`${f.path} does not match its sha256`);
  }
  for (const name of seen.keys()) if (name !== 'manifest.json' && !listed.has(name)) problems.push(`${name} is in the archive but not in the manifest`);
  // A content file (<domain>/files/<sha256>.<ext>) is named by its bytes: the name, the manifest and the bytes agree.
  for (const f of manifest.files) {
    const named = CONTENT_PATH.exec(f.path)?.[1];
    if (named && named !== f.sha256) problems.push(`${f.path} is named by a SHA-256 the manifest does not give it (${f.sha256})`);
  }
  return { manifest, problems, files: manifest.files.length };
}
