import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import exifr from 'exifr';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, personProfile, Rng, signCredential } from '@footprint/kit';
import { verifyArchive } from '@footprint/gateway/exports/archive/verify';
import { seed } from '@footprint/subgraph-cloud/seed';
import { openCloudStore } from '@footprint/subgraph-cloud/store';
import { bearer, operatorToken, subjectToken } from './support/client.js';
import { download, internalSecret, readZip, requestExport, startGateway, startSubgraph, waitForJob, type JobView, type Proc } from './support/exports.js';

/**
 * Photos and synced files with their bytes (issue 26 §3): a cloud subgraph of
 * this file's own (its own store and blob folder, seeded here, so files can be
 * corrupted and erased without touching the shared federation) behind a
 * gateway of its own, in front of the shared subgraphs of every other domain.
 */
const subgraphUrls = inject('subgraphUrls');
const dir = mkdtempSync(join(tmpdir(), 'footprint-cloud-files-'));
const cloudDir = join(dir, 'cloud');
const cloudDb = join(cloudDir, 'cloud.db');
const blobRoot = join(cloudDir, 'cloud-blobs');
/** A person of this file only: no other domain holds them, so their archive is mostly cloud. */
const A = '30000001';
const B = '30000002';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const blobPath = (sha: string) => join(blobRoot, sha.slice(0, 2), sha.slice(2, 4), sha);

interface Content {
  sha256: string;
  bytes: number;
  mimeType: string;
  path: string;
}
interface GalleryRecord {
  id: string;
  mediaType: 'PHOTO' | 'VIDEO';
  mimeType: string;
  sizeBytes: number;
  takenAt: string;
  latitude: number | null;
  longitude: number | null;
  content: Content | null;
}
interface FileRecord {
  id: string;
  kind: string;
  sizeBytes: number;
  mimeType: string | null;
  content: Content | null;
}
interface Manifest {
  complete: boolean;
  files: { path: string; size: number; sha256: string; format: string; kind: string | null; mediaType: string }[];
  domains: { domain: string; status: string; kinds: { kind: string; contentFiles?: number }[] }[];
}

let cloud: Proc;
let gateway: Proc;

beforeAll(async () => {
  // Seeded as `npm run seed` would, into this file's own SQLite store and blob folder.
  const store = openCloudStore(cloudDb, cloudDir);
  await store.migrate();
  try {
    await seed(store, [
      { profile: personProfile(A), scale: 24, rng: new Rng(`cloud:${A}`) },
      { profile: personProfile(B), scale: 4, rng: new Rng(`cloud:${B}`) },
    ]);
  } finally {
    await store.close();
  }
  cloud = await startSubgraph('cloud', cloudDir, { FOOTPRINT_CLOUD_DATABASE_URL: cloudDb });
  gateway = await startGateway(join(dir, 'gateway'), { ...subgraphUrls, cloud: cloud.url }, { FOOTPRINT_EXPORT_MAX_PER_WINDOW: '20' });
}, 120_000);

afterAll(async () => {
  await gateway?.kill();
  await cloud?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function exportOf(person: string, allowPartial = false): Promise<JobView> {
  const headers = bearer(await subjectToken(person));
  const requested = await requestExport(gateway.url, headers, allowPartial ? { allowPartial } : {});
  expect(requested.errors, JSON.stringify(requested.errors)).toBeUndefined();
  return waitForJob(gateway.url, headers, requested.data!.requestExport.id);
}

const fileUrl = (recordId: string, person?: string) => `${gateway.url.replace(/\/graphql$/, '')}/files/${recordId}${person ? `?person=${person}` : ''}`;

describe('the archive holds the photos and files themselves', () => {
  let zipPath: string;
  let entries: Map<string, Buffer>;
  let manifest: Manifest;
  let gallery: GalleryRecord[];
  let files: FileRecord[];

  beforeAll(async () => {
    const job = await exportOf(A);
    expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
    zipPath = join(dir, 'a.zip');
    expect((await download(job.archive!.url, bearer(await subjectToken(A)), zipPath)).status).toBe(200);
    entries = await readZip(zipPath);
    manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
    gallery = (JSON.parse(entries.get('cloud/gallery_item.json')!.toString('utf8')) as { records: GalleryRecord[] }).records;
    files = (JSON.parse(entries.get('cloud/synced_file.json')!.toString('utf8')) as { records: FileRecord[] }).records;
  }, 120_000);

  it('has every gallery item\'s and synced file\'s bytes at cloud/files/<sha256>.<ext>, as the manifest and the record say', () => {
    expect(gallery.length).toBe(24);
    expect(files.length).toBe(6);
    const listed = new Map(manifest.files.map((f) => [f.path, f]));
    for (const r of [...gallery, ...files]) {
      const c = r.content!;
      expect(c, r.id).not.toBeNull();
      expect(c.path).toBe(`cloud/files/${c.sha256}.${{ 'image/jpeg': 'jpg', 'video/x-msvideo': 'avi', 'audio/wav': 'wav', 'application/json': 'json', 'application/gzip': 'gz', 'text/plain; charset=utf-8': 'txt' }[c.mimeType]}`);
      const bytes = entries.get(c.path);
      expect(bytes, `${r.id}: ${c.path}`).toBeDefined();
      expect(sha256(bytes!), r.id).toBe(c.sha256);
      expect(bytes!.length, r.id).toBe(c.bytes);
      // sizeBytes is the truth: the size of what is stored.
      expect(r.sizeBytes, r.id).toBe(c.bytes);
      expect(listed.get(c.path), r.id).toMatchObject({ size: c.bytes, sha256: c.sha256, format: 'content', mediaType: c.mimeType });
    }
    expect(gallery.some((g) => g.mediaType === 'VIDEO')).toBe(true);
    expect(manifest.domains.find((d) => d.domain === 'cloud')!.kinds.find((k) => k.kind === 'cloud.gallery_item')!.contentFiles).toBe(24);
  });

  it('has real photos whose EXIF time and GPS position are the record\'s', async () => {
    const photos = gallery.filter((g) => g.mediaType === 'PHOTO');
    expect(photos.length).toBeGreaterThan(10);
    expect(photos.some((p) => p.latitude === null)).toBe(true);
    for (const p of photos) {
      const bytes = entries.get(p.content!.path)!;
      expect(bytes.subarray(0, 3).toString('hex'), p.id).toBe('ffd8ff');
      const exif = (await exifr.parse(bytes, { reviveValues: false, gps: true })) as { DateTimeOriginal: string; latitude?: number; longitude?: number; Make: string };
      expect(exif.DateTimeOriginal, p.id).toBe(`${p.takenAt.slice(0, 10).replace(/-/g, ':')} ${p.takenAt.slice(11, 19)}`);
      expect(exif.Make).toBe('Xiaomi');
      if (p.latitude === null) {
        expect(exif.latitude, p.id).toBeUndefined();
      } else {
        expect(exif.latitude!, p.id).toBeCloseTo(p.latitude, 6);
        expect(exif.longitude!, p.id).toBeCloseTo(p.longitude!, 6);
      }
    }
    const videos = gallery.filter((g) => g.mediaType === 'VIDEO');
    for (const v of videos) expect(entries.get(v.content!.path)!.subarray(8, 12).toString('ascii'), v.id).toBe('AVI ');
  });

  it('verifies, content files included, and types the content with its path in schema.graphql', async () => {
    expect((await verifyArchive(zipPath)).problems).toEqual([]);
    const schema = buildSchema(entries.get('schema.graphql')!.toString('utf8'));
    const content = schema.getType('CloudFileContent') as GraphQLObjectType;
    expect(Object.keys(content.getFields()).sort()).toEqual(['bytes', 'mimeType', 'path', 'sha256']);
    expect(String(content.getFields().path!.type)).toBe('String!');
  });
});

describe('GET /files/<record id> through the gateway', () => {
  let photo: { id: string; sha256: string; bytes: number };

  beforeAll(async () => {
    const db = new Database(cloudDb, { readonly: true });
    try {
      const row = db.prepare(`select g.id, c.sha256, c.bytes from gallery_item g join gallery_content c on c.record_id = g.id where g.person_id = ? and g.media_type = 'PHOTO' order by g.id limit 1`).get(B) as { id: number; sha256: string; bytes: number };
      photo = { id: `cloud.gallery_item:${row.id}`, sha256: row.sha256, bytes: row.bytes };
    } finally {
      db.close();
    }
  });

  it('streams a person\'s own photo with its length and SHA-256', async () => {
    const res = await fetch(fileUrl(photo.id), { headers: bearer(await subjectToken(B)) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Number(res.headers.get('content-length'))).toBe(photo.bytes);
    expect(res.headers.get('x-footprint-sha256')).toBe(photo.sha256);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(photo.sha256);
  });

  it('finds nothing for anyone else, and refuses an operator without export scope or a reason', async () => {
    expect((await fetch(fileUrl(photo.id), { headers: bearer(await subjectToken(A)) })).status).toBe(404);
    // A person cannot name someone else.
    expect((await fetch(fileUrl(photo.id, B), { headers: bearer(await subjectToken(A)) })).status).toBe(403);
    expect((await fetch(fileUrl(photo.id))).status).toBe(401);
    expect((await fetch(fileUrl('cloud.contact:1'), { headers: bearer(await subjectToken(B)) })).status).toBe(404);
    expect((await fetch(fileUrl(photo.id, B), { headers: bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'DSAR 26' }) })).status).toBe(403);
    expect((await fetch(fileUrl(photo.id, B), { headers: bearer(await operatorToken(['footprint:export'])) })).status).toBe(403);
    expect((await fetch(fileUrl(photo.id), { headers: bearer(await operatorToken(['footprint:export']), { 'x-footprint-reason': 'DSAR 26' }) })).status).toBe(400);
    const ok = await fetch(fileUrl(photo.id, B), { headers: bearer(await operatorToken(['footprint:export']), { 'x-footprint-reason': 'DSAR 26' }) });
    expect(ok.status).toBe(200);
    expect(sha256(Buffer.from(await ok.arrayBuffer()))).toBe(photo.sha256);
  });

  it('answers the subgraph only with the gateway\'s credential', async () => {
    const direct = `${cloud.url.replace(/\/graphql$/, '')}/files/${photo.id}`;
    expect((await fetch(direct)).status).toBe(401);
    const forB = await signCredential({ actor: B, actorType: 'subject', person: B, scopes: [], requestId: 't' }, internalSecret);
    expect((await fetch(direct, { headers: { [CREDENTIAL_HEADER]: forB } })).status).toBe(200);
    const forA = await signCredential({ actor: A, actorType: 'subject', person: A, scopes: [], requestId: 't' }, internalSecret);
    expect((await fetch(direct, { headers: { [CREDENTIAL_HEADER]: forA } })).status).toBe(404);
  });
});

describe('a corrupted blob on disk', () => {
  it('fails the export naming the cloud domain instead of producing a wrong archive; a partial archive leaves the file out', async () => {
    const db = new Database(cloudDb, { readonly: true });
    const { sha256: bad, recordId } = db.prepare(`select sha256, record_id as recordId from gallery_content where person_id = ? order by record_id limit 1`).get(A) as { sha256: string; recordId: number };
    db.close();
    const original = await readFile(blobPath(bad));
    const corrupted = Buffer.from(original);
    corrupted[corrupted.length - 3] ^= 0xff;
    await writeFile(blobPath(bad), corrupted);
    try {
      const failed = await exportOf(A);
      expect(failed.state).toBe('FAILED');
      expect(failed.error).toMatchObject({ code: 'CONTENT_INTEGRITY', domain: 'cloud' });
      expect(failed.error!.message).toContain(`cloud.gallery_item:${recordId}`);
      expect(failed.error!.message).toContain(bad);
      expect(failed.archive).toBeNull();

      const partial = await exportOf(A, true);
      expect(partial.state).toBe('SUCCEEDED');
      expect(partial.incompleteDomains).toEqual(['cloud']);
      const zip = join(dir, 'partial.zip');
      await download(partial.archive!.url, bearer(await subjectToken(A)), zip);
      const entries = await readZip(zip);
      expect([...entries.keys()].some((n) => n.includes(bad))).toBe(false);
      expect((await verifyArchive(zip)).problems).toEqual([]);
    } finally {
      await writeFile(blobPath(bad), original);
    }
  }, 120_000);
});

describe('erasure', () => {
  it('deletes the person\'s blobs from disk with their records, keeping one another person\'s record still holds', async () => {
    const db = new Database(cloudDb);
    const held = (person: string) => (db.prepare(`select sha256 from gallery_content where person_id = ? union select sha256 from file_content where person_id = ?`).all(person, person) as { sha256: string }[]).map((r) => r.sha256);
    const mine = held(A);
    expect(mine.length).toBe(30);
    // B synced one of A's photos too (the same bytes): content addressing keeps one blob for both records.
    const shared = mine[0]!;
    const content = db.prepare(`select bytes, mime_type as mimeType from gallery_content where sha256 = ?`).get(shared) as { bytes: number; mimeType: string };
    const bRecord = db.prepare(`select id from gallery_item where person_id = ? order by id limit 1`).get(B) as { id: number };
    db.prepare(`update gallery_content set sha256 = ?, bytes = ?, mime_type = ? where record_id = ?`).run(shared, content.bytes, content.mimeType, bRecord.id);
    const theirs = held(B).filter((s) => s !== shared);
    db.close();
    for (const s of [...mine, ...theirs]) expect(existsSync(blobPath(s)), s).toBe(true);

    const credential = await signCredential({ actor: 'gateway-test', actorType: 'operator', person: A, scopes: [ERASE_SCOPE], requestId: randomUUID() }, internalSecret);
    const res = await fetch(cloud.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CREDENTIAL_HEADER]: credential },
      body: JSON.stringify({ query: `mutation($id: ID!) { _erase(requestId: $id, reason: "test") { kinds { kind deleted filesDeleted } } }`, variables: { id: randomUUID() } }),
    });
    const body = (await res.json()) as { data?: { _erase: { kinds: { kind: string; deleted: number; filesDeleted: number }[] } }; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const receipt = new Map(body.data!._erase.kinds.map((k) => [k.kind, k]));
    expect(receipt.get('cloud.gallery_item')!.deleted).toBe(24);
    // The receipt counts the files: A's 30 less the one B still holds, plus B's own photo that the test left unreferenced.
    const files = (receipt.get('cloud.gallery_item')?.filesDeleted ?? 0) + (receipt.get('cloud.synced_file')?.filesDeleted ?? 0);
    expect(files).toBe(29 + 1);
    expect(receipt.get('cloud.contact')!.filesDeleted).toBe(0);

    for (const s of mine.filter((x) => x !== shared)) expect(existsSync(blobPath(s)), `A's blob ${s} is still on disk`).toBe(false);
    expect(existsSync(blobPath(shared)), 'the blob B still holds').toBe(true);
    for (const s of theirs) expect(existsSync(blobPath(s)), s).toBe(true);
    const after = new Database(cloudDb, { readonly: true });
    try {
      expect(after.prepare(`select count(*) as n from blob where sha256 in (${mine.map(() => '?').join(',')})`).get(...mine)).toEqual({ n: 1 });
      expect(after.prepare(`select count(*) as n from blob where unreferenced_at is not null`).get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
    // B's record that holds the shared photo still serves it.
    const got = await fetch(fileUrl(`cloud.gallery_item:${bRecord.id}`), { headers: bearer(await subjectToken(B)) });
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(shared);
    // Nothing is left in the blob folder's temporary area.
    expect(await readdir(join(blobRoot, 'tmp'))).toEqual([]);
  });
});
