import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildSchema, isObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INVENTORY, inventoryKinds, TAXONOMY } from '@footprint/schema';
import { createTranslator, type MessageKey } from '@footprint/i18n';
import { TRICKY_TEXT } from '@footprint/kit';
import { mintJobToken } from '@footprint/gateway/auth/principal';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import {
  csvValue,
  download,
  getJob,
  internalSecret,
  parseCsv,
  parseVCards,
  readZip,
  requestExport,
  signLink,
  startGateway,
  valueAtPath,
  waitForJob,
  type JobView,
} from './support/exports.js';

const EN = createTranslator('en');

const url = inject('gatewayUrl');
const dataDir = inject('dataDir');
const subgraphUrls = inject('subgraphUrls');
const work = mkdtempSync(join(tmpdir(), 'footprint-exports-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  records: number | null;
  format: string;
  kind: string | null;
  columns?: { name: string; label: string; type: string }[];
}
interface Manifest {
  format: string;
  job: { id: string; createdAt: string; finishedAt: string; runs: number; requestedBy: string };
  person: string;
  createdAt: string;
  finishedAt: string;
  footprint: { version: string };
  schema: { hash: string; file: string };
  complete: boolean;
  totals: { records: number; portableRecords: number };
  domains: { domain: string; status: string; reason: string | null; records: number; kinds: { kind: string; type: string; status: string; records: number; expected: number | null; files: string[] }[] }[];
  files: ManifestFile[];
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const json = <T>(b: Buffer | undefined): T => JSON.parse(b!.toString('utf8')) as T;

/** Discovery counts per kind through the gateway: an independent count of what the archive must hold. */
async function discoveryCounts(person: string): Promise<Map<string, number>> {
  const domains = [...new Set(INVENTORY.map((i) => i.domain))];
  const res = await gql<{ me: Record<string, { discovery: { kinds: { kind: string; count: number }[] } }> }>(
    url,
    `{ me { ${domains.map((d) => `${d} { discovery { kinds { kind count } } }`).join(' ')} } }`,
    {},
    bearer(await subjectToken(person)),
  );
  expect(res.errors).toBeUndefined();
  return new Map(Object.values(res.data!.me).flatMap((d) => d.discovery.kinds.map((k) => [k.kind, k.count] as const)));
}

describe('the portability archive of 10000001', () => {
  let job: JobView;
  let entries: Map<string, Buffer>;
  let manifest: Manifest;
  let zipPath: string;
  let headers: Record<string, string>;

  beforeAll(async () => {
    headers = bearer(await subjectToken('10000001'));
    const requested = await requestExport(url, headers);
    expect(requested.errors, JSON.stringify(requested.errors)).toBeUndefined();
    expect(requested.data!.requestExport).toMatchObject({ personId: '10000001', state: 'QUEUED', requestedBy: 'SUBJECT', allowPartial: false });
    job = await waitForJob(url, headers, requested.data!.requestExport.id);
    expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
    zipPath = join(work, 'footprint-10000001.zip');
    const got = await download(job.archive!.url, headers, zipPath);
    expect(got.status, got.body).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/zip');
    expect(Number(got.headers.get('content-length'))).toBe(job.archive!.sizeBytes);
    entries = await readZip(zipPath);
    manifest = json<Manifest>(entries.get('manifest.json'));
  }, 120_000);

  it('reports the job: progress per domain, records done equal to the total, an archive with its size and sha256', () => {
    expect(job.runs).toBe(1);
    expect(job.error).toBeNull();
    expect(job.incompleteDomains).toEqual([]);
    expect(job.progress.recordsTotal).toBe(job.progress.recordsDone);
    for (const d of job.progress.domains) {
      expect(d.status, d.domain).toBe('COMPLETE');
      expect(d.recordsDone, d.domain).toBe(d.recordsTotal);
    }
    expect(job.archive!.records).toBe(job.progress.recordsDone);
    expect(job.archive!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('validates against its manifest: every file listed with its size, sha256 and record count, nothing unlisted', () => {
    expect(manifest).toMatchObject({ format: 'footprint-portability-archive', person: '10000001', complete: true, job: { id: job.id, runs: 1, requestedBy: 'SUBJECT' } });
    expect(manifest.footprint.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.schema.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(manifest.createdAt)).toBeLessThanOrEqual(Date.parse(manifest.finishedAt));
    const listed = new Set(manifest.files.map((f) => f.path));
    expect([...entries.keys()].filter((n) => n !== 'manifest.json' && !listed.has(n))).toEqual([]);
    for (const name of ['index.html', 'processing.json', 'portable.json', 'schema.graphql']) expect(listed.has(name), name).toBe(true);
    expect(listed.has('INCOMPLETE.txt')).toBe(false);
    let records = 0;
    for (const f of manifest.files) {
      const body = entries.get(f.path);
      expect(body, f.path).toBeDefined();
      expect(body!.length, f.path).toBe(f.size);
      expect(sha256(body!), f.path).toBe(f.sha256);
      const text = body!.toString('utf8');
      if (f.format === 'json' && f.kind) {
        const doc = JSON.parse(text) as { records: unknown[]; count: number; complete: boolean; kind: string };
        expect(doc.records.length, f.path).toBe(f.records);
        expect(doc).toMatchObject({ count: f.records, complete: true, kind: f.kind });
        records += doc.records.length;
      } else if (f.format === 'csv') {
        expect(parseCsv(text.replace(/^\uFEFF/, '')).length - 1, f.path).toBe(f.records);
      } else if (f.format === 'vcard') {
        expect(text.match(/^BEGIN:VCARD\r$/gm)?.length ?? 0, f.path).toBe(f.records);
      } else if (f.format === 'geojson') {
        expect((JSON.parse(text) as { features: unknown[] }).features.length, f.path).toBe(f.records);
      } else if (f.format === 'viewer' && f.kind) {
        // A page of the viewer's data: one call with the kind, the page number and its records (the JSON file's records).
        const page = /^__footprint\.page\(("[^"]+"),(\d+),(\[[\s\S]*\])\);\n$/.exec(text);
        expect(page, f.path).not.toBeNull();
        expect(JSON.parse(page![1]!), f.path).toBe(f.kind);
        expect((JSON.parse(page![3]!) as unknown[]).length, f.path).toBe(f.records);
      } else {
        expect(f.records, f.path).toBeNull();
      }
    }
    expect(records).toBe(manifest.totals.records);
    expect(records).toBe(job.progress.recordsDone);
  });

  it('holds every inventory item, each kind with exactly the records the domain counts for the person', async () => {
    const counts = await discoveryCounts('10000001');
    const kinds = new Map(manifest.domains.flatMap((d) => d.kinds.map((k) => [k.kind, k] as const)));
    const missing = inventoryKinds().filter((k) => !(kinds.get(k)?.records ?? 0));
    expect(missing, `inventory kinds with no record in the archive: ${missing.join(', ')}`).toEqual([]);
    for (const item of INVENTORY) expect(item.kinds.some((k) => (kinds.get(k)?.records ?? 0) > 0), item.id).toBe(true);
    for (const [kind, count] of counts) {
      expect(kinds.get(kind)?.records, kind).toBe(count);
      expect(kinds.get(kind)?.status, kind).toBe('COMPLETE');
    }
    for (const d of manifest.domains) expect(d.status, d.domain).toBe('COMPLETE');
  });

  it('gives every record its provenance and portability, and portable.json lists the Art. 20 subset', () => {
    let portable = 0;
    const byProvenance = new Map<string, number>();
    const basis = new Map(json<{ kinds: { kind: string; legalBasis: { code: string } }[] }>(entries.get('processing.json')).kinds.map((k) => [k.kind, k.legalBasis.code]));
    for (const f of manifest.files.filter((x) => x.format === 'json' && x.kind)) {
      for (const r of json<{ records: { id: string; provenance: string; portable: boolean; meta: { kind: string; source: string } }[] }>(entries.get(f.path)).records) {
        const expected = { PROVIDED: 'provided', COLLECTED: 'observed', INFERRED: 'inferred', THIRD_PARTY: 'received' }[r.meta.source];
        expect(r.meta.kind, r.id).toBe(f.kind);
        expect(r.provenance, r.id).toBe(expected);
        expect(r.portable, r.id).toBe(['provided', 'observed'].includes(r.provenance) && ['CONSENT', 'CONTRACT'].includes(basis.get(f.kind!)!));
        if (r.portable) portable += 1;
        byProvenance.set(r.provenance, (byProvenance.get(r.provenance) ?? 0) + 1);
      }
    }
    expect([...byProvenance.keys()].sort()).toEqual(['inferred', 'observed', 'provided', 'received']);
    const doc = json<{ records: number; rule: string; kinds: { kind: string; portableRecords: number }[]; notPortable: { kind: string; why: string }[] }>(entries.get('portable.json'));
    expect(doc.records).toBe(portable);
    expect(manifest.totals.portableRecords).toBe(portable);
    expect(doc.kinds.reduce((n, k) => n + k.portableRecords, 0)).toBe(portable);
    expect(doc.rule).toMatch(/Art\. 20/);
    expect(doc.notPortable.find((k) => k.kind === 'account.ecv')?.why).toMatch(/inferred/);
  });

  it('has the Art. 15 processing information for every kind held, and the rights with how to exercise them', () => {
    const p = json<{
      kinds: { kind: string; records: number; purposes: { code: string; description: string }[]; legalBasis: { code: string }; retention: { code: string }; sources: { code: string }[]; regions: { code: string }[]; recipients: { code: string }[]; category: { code: string } }[];
      rights: { code: string; right: string; how: string }[];
      howToExercise: string;
    }>(entries.get('processing.json'));
    // Every kind the manifest lists (gateway.correction too, with 0 records); the Art. 15 details of those held.
    expect(p.kinds.map((k) => k.kind).sort()).toEqual(manifest.domains.flatMap((d) => d.kinds.map((k) => k.kind)).sort());
    const held = new Set(manifest.domains.flatMap((d) => d.kinds).filter((k) => k.records > 0).map((k) => k.kind));
    expect(p.kinds.find((k) => k.kind === 'gateway.correction')).toMatchObject({ records: 0 });
    for (const k of p.kinds.filter((x) => held.has(x.kind))) {
      expect(k.purposes.length, k.kind).toBeGreaterThan(0);
      // In plain words, from the datamap catalogue of the archive's language (English unless asked).
      for (const purpose of k.purposes) expect(purpose.description, k.kind).toBe(EN.t(`datamap.purpose.${purpose.code}` as MessageKey));
      expect(TAXONOMY.LegalBasis.values, k.kind).toContain(k.legalBasis.code);
      expect(TAXONOMY.RetentionRule.values, k.kind).toContain(k.retention.code);
      expect(TAXONOMY.DataCategory.values, k.kind).toContain(k.category.code);
      expect(k.sources.length, k.kind).toBeGreaterThan(0);
      expect(k.regions.length, k.kind).toBeGreaterThan(0);
    }
    expect(p.kinds.find((k) => k.kind === 'orders.delivery')?.recipients.map((r) => r.code)).toContain('DELIVERY_PARTNER');
    expect(p.rights.map((r) => r.code)).toEqual(expect.arrayContaining(['ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION', 'WITHDRAW_CONSENT', 'COMPLAINT']));
    for (const r of p.rights) expect(r.how.length, r.right).toBeGreaterThan(10);
    expect(p.howToExercise).toMatch(/one month/);
  });

  it('opens offline: index.html lists every domain and kind with counts and links to every data file, and loads only the viewer beside it', () => {
    const html = entries.get('index.html')!.toString('utf8');
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).not.toMatch(/src="(https?:)?\/\//);
    // Scripts and styles: only the archive's own viewer (web/src/viewer), by relative path, each listed in the manifest.
    const assets = [...html.matchAll(/<script src="([^"]+)"|<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
    expect(assets).toEqual(['viewer/viewer.css', 'viewer/viewer.js', 'viewer/data/index.js']);
    expect(html.match(/<script/g)?.length).toBe(2);
    for (const a of assets) expect(manifest.files.some((f) => f.path === a), a).toBe(true);
    for (const d of manifest.domains) {
      expect(html, d.domain).toContain(`id="d-${d.domain}"`);
      for (const k of d.kinds) expect(html, k.kind).toContain(`<code>${k.kind}</code>`);
    }
    for (const f of manifest.files.filter((x) => x.kind && x.format !== 'viewer' && x.format !== 'content')) expect(html, f.path).toContain(`href="${f.path}"`);
    // Photos and synced files are linked from their records (content.path); the index says where they are and how many.
    const contents = manifest.files.filter((x) => x.format === 'content');
    expect(contents.length).toBeGreaterThan(0);
    expect(html).toContain('files in <code>cloud/files/</code>');
    expect(html).toContain('Complete.');
    expect(html).toMatch(/Your rights/);
  });

  it('writes schema.graphql with the types the data came from', () => {
    const sdl = entries.get('schema.graphql')!.toString('utf8');
    const schema = buildSchema(sdl);
    for (const d of manifest.domains) for (const k of d.kinds) expect(isObjectType(schema.getType(k.type)), k.type).toBe(true);
    expect(schema.getType('RecordMeta')).toBeDefined();
    expect(sdl).toContain(manifest.schema.hash);
  });

  it('parses CSV and JSON back to the same records, tricky text included', () => {
    let tricky = 0;
    for (const f of manifest.files.filter((x) => x.format === 'csv')) {
      const base = f.path.replace(/\.csv$/, '');
      const records = json<{ records: Record<string, unknown>[] }>(entries.get(`${base}.json`)).records;
      const text = entries.get(f.path)!.toString('utf8');
      expect(text.startsWith('\uFEFF'), f.path).toBe(true);
      const [header, ...rows] = parseCsv(text.slice(1));
      const columns = f.columns!;
      // The header row is each column's label in the archive's language; the manifest gives its machine name beside it.
      expect(header!.map((c) => c.text), f.path).toEqual(columns.map((c) => c.label));
      expect(new Set(columns.map((c) => c.label)).size, f.path).toBe(columns.length);
      expect(rows.length, f.path).toBe(records.length);
      rows.forEach((row, i) => {
        const fromCsv = Object.fromEntries(columns.map((c, j) => [c.name, csvValue(row[j]!, c.type)]));
        const fromJson = Object.fromEntries(columns.map((c) => [c.name, valueAtPath(records[i]!, c.name.split('.'))]));
        expect(fromCsv, `${f.path} row ${i + 1}`).toEqual(fromJson);
        for (const v of Object.values(fromJson)) if (typeof v === 'string' && TRICKY_TEXT.includes(v)) tricky += 1;
      });
    }
    // The seed puts commas, quotes, newlines and non-ASCII text into several kinds; they must all have come through.
    expect(tricky).toBeGreaterThan(3);
    const withNewline = manifest.files.filter((f) => f.format === 'csv').some((f) => /"[^"]*\r?\n[^"]*"/.test(entries.get(f.path)!.toString('utf8')));
    expect(withNewline).toBe(true);
  });

  it('writes contacts as vCard 4.0 and locations as GeoJSON, matching the JSON records', () => {
    const contacts = json<{ records: { id: string; displayName: string; note: string | null; phones: { number: string }[]; emails: { address: string }[] }[] }>(entries.get('cloud/contact.json')).records;
    const cards = parseVCards(entries.get('cloud/contact.vcf')!.toString('utf8'));
    expect(cards.length).toBe(contacts.length);
    for (const line of entries.get('cloud/contact.vcf')!.toString('utf8').split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    cards.forEach((card, i) => {
      const c = contacts[i]!;
      const prop = (n: string) => card.filter((p) => p.name === n).map((p) => p.value);
      expect(prop('VERSION')).toEqual(['4.0']);
      expect(prop('FN')).toEqual([c.displayName]);
      expect(prop('NOTE')).toEqual(c.note ? [c.note] : []);
      expect(prop('TEL').map((t) => t.replace(/^tel:/, ''))).toEqual(c.phones.map((p) => p.number.replace(/[\s().-]/g, '')));
      expect(prop('EMAIL')).toEqual(c.emails.map((e) => e.address));
    });
    const locations = json<{ records: { id: string; latitude: number; longitude: number }[] }>(entries.get('cloud/location.json')).records;
    const geo = json<{ type: string; features: { type: string; id: string; geometry: { type: string; coordinates: number[] }; properties: Record<string, unknown> }[] }>(entries.get('cloud/location.geojson'));
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features.map((f) => [f.id, ...f.geometry.coordinates])).toEqual(locations.map((l) => [l.id, l.longitude, l.latitude]));
    expect(geo.features.every((f) => f.type === 'Feature' && f.geometry.type === 'Point' && f.properties.provenance === 'observed')).toBe(true);
  });

  it('never contains secrets, nor correspondents’ numbers, names or ids', () => {
    const secretColumns: [string, string, string][] = [
      ['account', 'security_setting', 'secret_hash'],
      ['orders', 'payment_method', 'provider_token'],
      ['cloud', 'device_command', 'passcode_hash'],
      ['push', 'registration', 'fcm_token_fingerprint'],
      ['themes', 'purchase', 'psp_token'],
      ['messaging', 'correspondent', 'phone_number'],
      ['messaging', 'correspondent', 'display_name'],
      ['messaging', 'correspondent', 'mi_message_id'],
    ];
    const secrets: { where: string; value: string }[] = [];
    for (const [domain, table, column] of secretColumns) {
      const db = new Database(join(dataDir, `${domain}.db`), { readonly: true });
      try {
        const cols = db.prepare(`pragma table_info("${table}")`).all() as { name: string }[];
        if (!cols.some((c) => c.name === column)) continue;
        const rows = db.prepare(`select "${column}" as v from "${table}" where person_id = ? and "${column}" is not null`).all('10000001') as { v: string }[];
        for (const r of rows) if (String(r.v).length >= 6) secrets.push({ where: `${domain}.${table}.${column}`, value: String(r.v) });
      } finally {
        db.close();
      }
    }
    // The account store keeps secret hashes for the person: the scan must have something to look for.
    expect(secrets.filter((s) => s.where.startsWith('account.')).length).toBeGreaterThan(0);
    expect(secrets.filter((s) => s.where.startsWith('messaging.correspondent.phone_number')).length).toBeGreaterThan(0);
    const all = [...entries.values()].map((b) => b.toString('utf8')).join('\n');
    const leaked = secrets.filter((s) => all.includes(s.value) || all.includes(s.value.replace(/^\+/, '')));
    expect(leaked.map((s) => s.where)).toEqual([]);
    // What the person does see of a correspondent is the masked number.
    expect(all).toMatch(/\+\d+•+\d{2}/);
  });
});

describe('download links', () => {
  let job: JobView;
  let headers: Record<string, string>;
  beforeAll(async () => {
    headers = bearer(await subjectToken('10000002'));
    const r = await requestExport(url, headers);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    job = await waitForJob(url, headers, r.data!.requestExport.id);
    expect(job.state).toBe('SUCCEEDED');
  }, 120_000);

  const link = (jobId: string, expires: number, sig: string) => `${new URL(url).origin}/exports/${jobId}.zip?expires=${expires}&sig=${sig}`;

  it('stream the archive to its person with a fresh link', async () => {
    const file = join(work, 'ok.zip');
    const res = await download(job.archive!.url, headers, file);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-footprint-sha256')).toBe(job.archive!.sha256);
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(sha256(Buffer.from(await (await import('node:fs/promises')).readFile(file)))).toBe(job.archive!.sha256);
    expect(Date.parse(job.archive!.linkExpiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(job.archive!.linkExpiresAt)).toBeLessThanOrEqual(Date.parse(job.archive!.expiresAt));
  });

  it('refuse a tampered signature, expiry, job or person with 403', async () => {
    const u = new URL(job.archive!.url);
    const expires = Number(u.searchParams.get('expires'));
    const sig = u.searchParams.get('sig')!;
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    const other = randomUUID();
    for (const [what, href] of [
      ['signature', link(job.id, expires, flipped)],
      ['expiry pushed later', link(job.id, expires + 3600, sig)],
      ['another job', link(other, expires, sig)],
      ['signed for another person', link(job.id, expires, signLink(job.id, expires, '10000001'))],
      ['no signature', `${new URL(url).origin}/exports/${job.id}.zip`],
    ] as const) {
      const res = await fetch(href, { headers });
      expect(res.status, what).toBe(403);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code, what).toBe('FORBIDDEN');
      expect(body.errors[0]!.message, what).toMatch(/not valid/);
    }
  });

  it('refuse an expired link with 410', async () => {
    const expires = Math.floor(Date.now() / 1000) - 5;
    const res = await fetch(link(job.id, expires, signLink(job.id, expires, '10000002')), { headers });
    expect(res.status).toBe(410);
    const body = (await res.json()) as { errors: { message: string; extensions: { reason: string } }[] };
    expect(body.errors[0]!.extensions.reason).toBe('LINK_EXPIRED');
    expect(body.errors[0]!.message).toMatch(/expired at .* ask for a new one/);
  });

  it('need the person’s own token (or an audited operator’s) besides the signature', async () => {
    const href = job.archive!.url;
    expect((await fetch(href)).status).toBe(401);
    const other = await fetch(href, { headers: bearer(await subjectToken('10000001')) });
    expect(other.status).toBe(403);
    const jobToken = await mintJobToken(internalSecret, { id: job.id, person: '10000002' });
    // The download route does not accept job tokens at all: a job reads through GraphQL and never downloads.
    const asJob = await fetch(href, { headers: bearer(jobToken) });
    expect(asJob.status).toBe(401);
    expect(((await asJob.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/Export-job tokens are not accepted here/);
    expect((await fetch(href, { headers: bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'r' }) })).status).toBe(403);
    const actor = `ops-dl-${Date.now()}`;
    const reason = `DSAR ${Math.random().toString(36).slice(2)}`;
    const file = join(work, 'op.zip');
    const ok = await download(href, bearer(await operatorToken(['footprint:export'], actor), { 'x-footprint-reason': reason }), file);
    expect(ok.status).toBe(200);
    const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      const rows = db.prepare('select * from audit_log where actor = ?').all(actor) as Record<string, string>[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ person: '10000002', reason, outcome: 'allowed', actor_type: 'operator' });
      expect(rows[0]!.operation).toContain(`download export ${job.id}`);
    } finally {
      db.close();
    }
  });
});

describe('who may export whom', () => {
  it('a person cannot export, see or cancel another person’s data', async () => {
    const two = bearer(await subjectToken('10000002'));
    const res = await requestExport(url, two, { personId: '10000001' });
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.data ?? null).toBeNull();
    const mine = await gql<{ exportJobs: { id: string; personId: string }[] }>(url, '{ exportJobs { id personId } }', {}, bearer(await subjectToken('10000001')));
    const theirs = mine.data!.exportJobs[0]!;
    expect(theirs.personId).toBe('10000001');
    expect(await getJob(url, two, theirs.id)).toBeNull();
    const listed = await gql(url, '{ exportJobs(personId: "10000001") { id } }', {}, two);
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const cancel = await gql(url, 'mutation($id: ID!) { cancelExport(jobId: $id) { id } }', { id: theirs.id }, two);
    expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('an export job’s own token reads only its person, and only through person(id:)', async () => {
    const t = await mintJobToken(internalSecret, { id: '00000000-0000-4000-8000-000000000001', person: '10000001' });
    const own = await gql(url, '{ person(id: "10000001") { account { profile { totalCount } } } }', {}, bearer(t));
    expect(own.errors).toBeUndefined();
    for (const q of ['{ person(id: "10000002") { id } }', '{ me { id } }', 'mutation { requestExport { id } }', '{ exportJobs { id } }']) {
      const res = await gql(url, q, {}, bearer(t));
      expect(res.errors?.[0]?.extensions?.code, q).toBe('FORBIDDEN');
      expect(res.data ?? null, q).toBeNull();
    }
    const forged = await mintJobToken('z'.repeat(48), { id: '00000000-0000-4000-8000-000000000001', person: '10000001' });
    expect((await gql(url, '{ person(id: "10000001") { id } }', {}, bearer(forged))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('an operator exports with footprint:export and a reason, audited; without them it is refused', async () => {
    const actor = `ops-exp-${Date.now()}`;
    const reason = `written request ${Math.random().toString(36).slice(2)}`;
    const noScope = await requestExport(url, bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': reason }), { personId: '10000099' });
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(noScope.errors?.[0]?.message).toMatch(/footprint:export/);
    const noReason = await requestExport(url, bearer(await operatorToken(['footprint:export'], actor)), { personId: '10000099' });
    expect(noReason.errors?.[0]?.message).toMatch(/X-Footprint-Reason/);
    const noPerson = await requestExport(url, bearer(await operatorToken(['footprint:export'], actor), { 'x-footprint-reason': reason }));
    expect(noPerson.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const headers = bearer(await operatorToken(['footprint:export'], actor), { 'x-footprint-reason': reason });
    const ok = await requestExport(url, headers, { personId: '10000099' });
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    expect(ok.data!.requestExport).toMatchObject({ personId: '10000099', requestedBy: 'OPERATOR' });
    const id = ok.data!.requestExport.id;
    expect((await getJob(url, headers, id))?.id).toBe(id);
    const cancelled = await gql<{ cancelExport: JobView }>(url, `mutation($id: ID!) { cancelExport(jobId: $id) { id state } }`, { id }, headers);
    expect(cancelled.data?.cancelExport.state).toBe('CANCELLED');
    const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      const rows = db.prepare('select operation, outcome, person, reason from audit_log where actor = ? order by id').all(actor) as Record<string, string>[];
      const ops = rows.map((r) => `${r.operation} → ${r.outcome}`);
      expect(ops.some((o) => /requestExport/.test(o) && /refused: .*footprint:export/.test(o)), ops.join('\n')).toBe(true);
      expect(ops.some((o) => /requestExport/.test(o) && o.endsWith('→ allowed')), ops.join('\n')).toBe(true);
      expect(ops.some((o) => o.startsWith(`query exportJob ${id}`) && o.endsWith('allowed')), ops.join('\n')).toBe(true);
      expect(ops.some((o) => o.startsWith(`mutation cancelExport ${id}`)), ops.join('\n')).toBe(true);
      expect(rows.filter((r) => r.outcome === 'allowed').every((r) => r.person === '10000099' && r.reason === reason)).toBe(true);
    } finally {
      db.close();
    }
  });
});

describe('excessive requests (policy §10)', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'footprint-exports-limits-'));
    // No in-process worker: requested jobs stay QUEUED, so "one at a time" is checked without racing a worker.
    gateway = await startGateway(dir, subgraphUrls, { FOOTPRINT_EXPORT_CONCURRENCY: '0', FOOTPRINT_EXPORT_MAX_PER_WINDOW: '3', FOOTPRINT_EXPORT_WINDOW_HOURS: '24' });
  }, 120_000);
  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('allow one export per person at a time and refuse repeats within the window with a clear message', async () => {
    const headers = bearer(await subjectToken('10000001'));
    const first = await requestExport(gateway.url, headers);
    expect(first.data?.requestExport.state).toBe('QUEUED');
    const again = await requestExport(gateway.url, headers);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(again.errors?.[0]?.message).toMatch(/already QUEUED/);
    expect(again.errors?.[0]?.extensions?.jobId).toBe(first.data!.requestExport.id);
    // Another person is not held up by it.
    expect((await requestExport(gateway.url, bearer(await subjectToken('10000002')))).data?.requestExport.state).toBe('QUEUED');
    const cancel = (id: string) => gql(gateway.url, 'mutation($id: ID!) { cancelExport(jobId: $id) { state } }', { id }, headers);
    expect((await cancel(first.data!.requestExport.id)).data).toEqual({ cancelExport: { state: 'CANCELLED' } });
    const second = await requestExport(gateway.url, headers);
    await cancel(second.data!.requestExport.id);
    const third = await requestExport(gateway.url, headers);
    await cancel(third.data!.requestExport.id);
    const fourth = await requestExport(gateway.url, headers);
    expect(fourth.errors?.[0]?.extensions?.code).toBe('TOO_MANY_REQUESTS');
    expect(fourth.errors?.[0]?.message).toMatch(/excessive \(privacy policy §10\).*3 exports of person 10000001.*next can be requested after \d{4}-\d\d-\d\dT/);
    expect(fourth.data ?? null).toBeNull();
    expect(existsSync(join(dir, 'exports'))).toBe(true);
  });
});
