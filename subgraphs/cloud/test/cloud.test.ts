import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVENTORY } from '@footprint/schema';
import { startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { createLoaders } from '../src/loaders.js';
import { maskImei } from '../src/resolvers/records.js';
import { subgraph } from '../src/subgraph.js';
import { seed } from '../src/seed.js';
import { tables, type CloudDB } from '../src/store.js';

const DEMO = '10000001';
const OTHER = '10000002';
/** A medium person: enough contacts, locations and gallery items for batching and paging. */
const MEDIUM = '10000003';
const HEAVY = '10000099';

interface Conn<T> {
  totalCount: number;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
interface Meta {
  kind: string;
  domain: string;
  category: string;
  source: string;
  legalBasis: string;
  retention: string;
  correctable: boolean;
  correctionNote: string | null;
  recipients: string[];
  policySection: string;
}
interface Device {
  id: string;
  model: string;
  imei: string | null;
  imei2: string | null;
  serialNumber: string;
  androidId: string;
  oaid: string | null;
  findDeviceEnabled: boolean;
}
type Cloud = Record<string, Conn<Record<string, unknown>>> & {
  discovery: { domain: string; kinds: { kind: string; count: number }[] };
};

let sg: TestSubgraph<CloudDB>;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph.createServer, seed, [
    { id: DEMO, scale: 1 },
    { id: OTHER, scale: 1 },
    { id: MEDIUM, scale: 40 },
  ]);
});
afterAll(() => sg.close());

/** `Person.cloud` of `person` with `selection`, asserting the call succeeded. */
async function cloud<T = Cloud>(person: string, selection: string): Promise<T> {
  const res = await sg.entities<{ cloud: T }>(person, `cloud { ${selection} }`);
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0]!.cloud;
}

/** Statements the store ran for one query. */
async function statementsFor(person: string, selection: string): Promise<number> {
  const before = sg.store.statements;
  await cloud(person, selection);
  return sg.store.statements - before;
}

const FIELDS = Object.keys(tables.kinds).length;
const CONNECTIONS: Record<string, string> = {
  contacts: 'cloud.contact',
  notes: 'cloud.note',
  gallery: 'cloud.gallery_item',
  syncedFiles: 'cloud.synced_file',
  locations: 'cloud.location',
  deviceCommands: 'cloud.device_command',
  devices: 'cloud.device',
};

describe('cloud subgraph', () => {
  it('serves every cloud inventory kind, with its policy metadata, for a demo person', async () => {
    const metaSel = 'meta { kind domain category source legalBasis retention correctable correctionNote recipients policySection }';
    const c = await cloud(DEMO, `${Object.keys(CONNECTIONS).map((f) => `${f}(first: 1) { totalCount nodes { id ${metaSel} } }`).join(' ')} discovery { domain kinds { kind count } }`);
    const inventoryKinds = INVENTORY.filter((i) => i.domain === 'cloud').flatMap((i) => i.kinds).sort();
    expect(Object.values(CONNECTIONS).sort()).toEqual(inventoryKinds);
    expect(Object.keys(CONNECTIONS)).toHaveLength(FIELDS);

    for (const [field, kind] of Object.entries(CONNECTIONS)) {
      const conn = c[field]!;
      expect(conn.totalCount, field).toBeGreaterThanOrEqual(1);
      const node = conn.nodes[0] as { id: string; meta: Meta };
      expect(node.id.startsWith(`${kind}:`), field).toBe(true);
      expect(node.meta.kind).toBe(kind);
      expect(node.meta.domain).toBe('cloud');
      expect(node.meta.policySection).toMatch(/^§3/);
      if (!node.meta.correctable) expect(node.meta.correctionNote, field).toBeTruthy();
      else expect(node.meta.correctionNote, field).toBeNull();
    }
    const meta = (f: string) => (c[f]!.nodes[0] as { meta: Meta }).meta;
    expect(meta('contacts')).toMatchObject({ category: 'CONTENT', source: 'PROVIDED', correctable: true, recipients: ['SERVICE_PROVIDER'] });
    expect(meta('locations')).toMatchObject({ category: 'LOCATION', source: 'COLLECTED', legalBasis: 'CONSENT', retention: 'ROLLING_12_MONTHS', correctable: false });
    expect(meta('devices')).toMatchObject({ category: 'DEVICE', source: 'COLLECTED', correctable: false });

    expect(c.discovery.domain).toBe('cloud');
    expect(c.discovery.kinds.map((k) => k.kind).sort()).toEqual(inventoryKinds);
    for (const [field, kind] of Object.entries(CONNECTIONS)) {
      expect(c.discovery.kinds.find((k) => k.kind === kind)!.count, kind).toBe(c[field]!.totalCount);
    }
  });

  it('masks every IMEI to its last 4 digits, and the store holds no full IMEI', async () => {
    const c = await cloud<{ devices: Conn<Device> }>(DEMO, 'devices { nodes { id model imei imei2 serialNumber androidId oaid findDeviceEnabled } }');
    const devices = c.devices.nodes;
    const stored = await sg.store.db.selectFrom('device').selectAll().where('personId', '=', DEMO).orderBy('id').execute();
    expect(devices).toHaveLength(stored.length);
    expect(devices.filter((d) => d.imei !== null).length).toBeGreaterThanOrEqual(2);
    for (const [i, d] of devices.entries()) {
      const row = stored[i]!;
      expect(d.id).toBe(`cloud.device:${row.id}`);
      if (row.imeiLast4 === null) expect(d.imei).toBeNull();
      else expect(d.imei).toBe(`***********${row.imeiLast4}`);
      if (row.imei2Last4 === null) expect(d.imei2).toBeNull();
      else expect(d.imei2).toBe(`***********${row.imei2Last4}`);
      for (const v of [d.imei, d.imei2]) if (v !== null) expect(v.replace(/\D/g, '')).toHaveLength(4);
    }
    // The Wi-Fi tablet has no modem, so no IMEI at all.
    expect(devices.some((d) => d.imei === null && d.imei2 === null)).toBe(true);
    // Nothing in the device table looks like an IMEI (15 digits).
    for (const row of stored) for (const v of Object.values(row)) expect(String(v)).not.toMatch(/\d{15}/);
  });

  it('refuses to show an IMEI tail that is not exactly 4 digits', () => {
    expect(maskImei('1234')).toBe('***********1234');
    expect(maskImei(null)).toBeNull();
    expect(() => maskImei('861234567890123')).toThrow();
    expect(() => maskImei('12a4')).toThrow();
  });

  it('never returns a lock passcode, only that one was set', async () => {
    const res = await sg.entities(MEDIUM, 'cloud { deviceCommands(first: 100) { nodes { id command lockMessage passcodeSet } } }');
    expect(res.errors).toBeUndefined();
    const body = JSON.stringify(res.data);
    const stored = await sg.store.db.selectFrom('deviceCommand').select(['id', 'command', 'passcodeHash']).where('personId', '=', MEDIUM).execute();
    const withPasscode = stored.filter((r) => r.passcodeHash);
    expect(withPasscode.length).toBeGreaterThanOrEqual(1);
    for (const r of withPasscode) {
      expect(body).not.toContain(r.passcodeHash!);
      expect(body).not.toContain(r.passcodeHash!.split('$').pop()!);
    }
    const nodes = (res.data!._entities[0] as { cloud: { deviceCommands: { nodes: { id: string; command: string; passcodeSet: boolean }[] } } }).cloud.deviceCommands.nodes;
    for (const r of stored) expect(nodes.find((n) => n.id === `cloud.device_command:${r.id}`)!.passcodeSet).toBe(Boolean(r.passcodeHash));
    expect(nodes.some((n) => n.command === 'RING' && !n.passcodeSet)).toBe(true);
  });

  it("loaders read only the requesting person's rows, even given another person's ids", async () => {
    const otherContact = await sg.store.db.selectFrom('contact').select('id').where('personId', '=', OTHER).executeTakeFirstOrThrow();
    const otherDevice = await sg.store.db.selectFrom('device').select('id').where('personId', '=', OTHER).executeTakeFirstOrThrow();
    const asDemo = createLoaders(sg.store, DEMO);
    expect(await asDemo.phonesByContact.load(otherContact.id)).toEqual([]);
    expect(await asDemo.emailsByContact.load(otherContact.id)).toEqual([]);
    expect(await asDemo.deviceById.load(otherDevice.id)).toBeNull();
    const asOther = createLoaders(sg.store, OTHER);
    expect((await asOther.phonesByContact.load(otherContact.id)).length).toBeGreaterThanOrEqual(1);
    expect((await asOther.deviceById.load(otherDevice.id))?.personId).toBe(OTHER);
  });

  it('batches contact phones and e-mails into one statement each, however many contacts', async () => {
    const sel = (n: number) => `contacts(first: ${n}) { nodes { id phones { number type preferred } emails { address type } } }`;
    const total = (await cloud(MEDIUM, 'contacts { totalCount }')).contacts!.totalCount;
    expect(total).toBeGreaterThanOrEqual(20);
    const one = await statementsFor(MEDIUM, sel(1));
    const all = await statementsFor(MEDIUM, sel(total));
    expect(one).toBeGreaterThan(0);
    expect(all).toBe(one);
    expect(all).toBeLessThanOrEqual(3); // the page, the phones, the e-mails
    // And the batched lists are each contact's own, in address-book order.
    const c = await cloud(MEDIUM, sel(total));
    const phones = await sg.store.db.selectFrom('contactPhone').selectAll().where('personId', '=', MEDIUM).orderBy('contactId').orderBy('position').execute();
    for (const node of c.contacts!.nodes as { id: string; phones: { number: string }[] }[]) {
      const id = Number(node.id.split(':')[1]);
      expect(node.phones.map((p) => p.number)).toEqual(phones.filter((p) => p.contactId === id).map((p) => p.number));
    }
  });

  it('batches the device of locations and commands into one statement, however many rows', async () => {
    const sel = (n: number) => `locations(first: ${n}) { nodes { deviceId device { id model } } } deviceCommands(first: ${n}) { nodes { device { id } } }`;
    const one = await statementsFor(MEDIUM, sel(1));
    const many = await statementsFor(MEDIUM, sel(200));
    expect(many).toBe(one);
    expect(many).toBeLessThanOrEqual(3); // two pages, one device lookup shared by both lists
    const c = await cloud(MEDIUM, sel(200));
    const locations = c.locations!.nodes as { deviceId: string; device: { id: string; model: string } | null }[];
    expect(locations).toHaveLength(200);
    for (const l of locations) expect(l.device?.id).toBe(l.deviceId);
  });

  it('rejects a cursor it did not issue', async () => {
    const res = await sg.entities(MEDIUM, 'cloud { locations(first: 2, after: "bm90LWEtY3Vyc29y") { nodes { id } } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps contacts structured for vCard 4.0: separate names, typed and preferred phones and e-mails, free text intact', async () => {
    const c = await cloud(DEMO, 'contacts(first: 1) { nodes { uid displayName givenName familyName middleName organisation jobTitle birthday note starred updatedAt phones { number type preferred } emails { address type preferred } } }');
    const contact = c.contacts!.nodes[0] as {
      uid: string;
      displayName: string;
      givenName: string;
      familyName: string;
      middleName: string;
      organisation: string;
      birthday: string;
      note: string;
      starred: boolean;
      phones: { number: string; type: string; preferred: boolean }[];
      emails: { address: string; type: string; preferred: boolean }[];
    };
    expect(contact.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(contact.givenName).toBeTruthy();
    expect(contact.familyName).toBeTruthy();
    expect(contact.displayName).toBe(`${contact.givenName} ${contact.familyName}`);
    expect(`${contact.displayName} ${contact.middleName} ${contact.organisation}`).toMatch(/[^\p{ASCII}]/u);
    expect(contact.birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(contact.starred).toBe(true);
    expect(contact.phones.map((p) => [p.type, p.preferred])).toEqual([
      ['CELL', true],
      ['WORK', false],
    ]);
    for (const p of contact.phones) expect(p.number).toMatch(/^\+994\d{9}$/);
    expect(contact.emails).toEqual([{ address: expect.stringMatching(/^[a-z.]+@mail\.az$/), type: 'HOME', preferred: true }]);
    const stored = await sg.store.db.selectFrom('contact').select('note').where('personId', '=', DEMO).orderBy('id').executeTakeFirstOrThrow();
    expect(contact.note).toBe(stored.note);
    expect(contact.note).toContain('\n');
    expect(contact.note).toContain('"');
    expect(contact.note).toContain(',');
  });

  it('returns gallery location tags as a pair or not at all, and sizes that are the stored content\'s', async () => {
    const c = await cloud(MEDIUM, 'gallery(first: 40) { nodes { fileName mediaType mimeType sizeBytes takenAt latitude longitude placeName durationSeconds content { sha256 bytes mimeType } } }');
    const items = c.gallery!.nodes as {
      fileName: string;
      mediaType: string;
      mimeType: string;
      sizeBytes: number;
      latitude: number | null;
      longitude: number | null;
      placeName: string | null;
      durationSeconds: number | null;
      content: { sha256: string; bytes: number; mimeType: string } | null;
    }[];
    expect(items).toHaveLength(40);
    for (const g of items) {
      expect(g.latitude === null).toBe(g.longitude === null);
      expect(g.latitude === null).toBe(g.placeName === null);
      if (g.latitude !== null) {
        expect(g.latitude).toBeGreaterThan(38);
        expect(g.latitude).toBeLessThan(42);
        expect(g.longitude!).toBeGreaterThan(44);
        expect(g.longitude!).toBeLessThan(51);
      }
      expect(g.mimeType.startsWith(g.mediaType === 'VIDEO' ? 'video/' : 'image/')).toBe(true);
      expect(g.durationSeconds === null).toBe(g.mediaType === 'PHOTO');
      expect(g.content).not.toBeNull();
      expect(g.content!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(g.sizeBytes).toBe(g.content!.bytes);
      expect(g.content!.mimeType).toBe(g.mimeType);
    }
    expect(items.some((g) => g.latitude !== null)).toBe(true);
    expect(items.some((g) => g.latitude === null)).toBe(true);
    expect(items.some((g) => g.mediaType === 'VIDEO')).toBe(true);
    // Every photo's bytes differ: content addressing does not fold two records into one blob.
    expect(new Set(items.map((g) => g.content!.sha256)).size).toBe(items.length);
  });

  it('reports locations with their device, method and a plausible accuracy', async () => {
    const c = await cloud(MEDIUM, 'locations(first: 240) { nodes { deviceId latitude longitude accuracyMeters method at meta { collectedAt } } } devices { nodes { id findDeviceEnabled } }');
    const devices = c.devices!.nodes as { id: string; findDeviceEnabled: boolean }[];
    const tracked = new Set(devices.filter((d) => d.findDeviceEnabled).map((d) => d.id));
    const locations = c.locations!.nodes as { deviceId: string; latitude: number; longitude: number; accuracyMeters: number; method: string; at: string; meta: { collectedAt: string } }[];
    expect(new Set(locations.map((l) => l.method))).toEqual(new Set(['GPS', 'CELL', 'WIFI']));
    for (const l of locations) {
      expect(tracked.has(l.deviceId)).toBe(true);
      expect(l.latitude).toBeGreaterThan(38);
      expect(l.latitude).toBeLessThan(42);
      expect(l.longitude).toBeGreaterThan(44);
      expect(l.longitude).toBeLessThan(51);
      expect(l.accuracyMeters).toBeGreaterThan(0);
      if (l.method === 'CELL') expect(l.accuracyMeters).toBeGreaterThanOrEqual(150);
      if (l.method === 'GPS') expect(l.accuracyMeters).toBeLessThanOrEqual(30);
      expect(l.meta.collectedAt).toBe(l.at);
      // Inside the 12-month retention window the kind declares.
      expect(l.at >= '2025-11-01' && l.at < '2026-10-31').toBe(true);
    }
  });

  it('gives a completion time exactly to commands the device finished, never before they were issued', async () => {
    const c = await cloud(MEDIUM, 'deviceCommands(first: 100) { nodes { command status issuedAt completedAt } }');
    const commands = c.deviceCommands!.nodes as { command: string; status: string; issuedAt: string; completedAt: string | null }[];
    expect(new Set(commands.map((x) => x.command))).toEqual(new Set(['LOCK', 'WIPE', 'RING']));
    for (const x of commands) {
      expect(x.completedAt !== null).toBe(x.status === 'COMPLETED' || x.status === 'FAILED');
      if (x.completedAt) expect(Date.parse(x.completedAt)).toBeGreaterThan(Date.parse(x.issuedAt));
    }
  });
});

describe('cloud seed', () => {
  let heavy: TestSubgraph<CloudDB>;
  beforeAll(async () => {
    heavy = await startTestSubgraph(subgraph.createServer, seed, [
      { id: DEMO, scale: 1 },
      { id: HEAVY, scale: 1000 },
    ]);
  });
  afterAll(() => heavy?.close());

  it('writes at least 8 × scale records for the heavy person, location history the biggest kind', async () => {
    const res = await heavy.entities<{ cloud: Cloud }>(HEAVY, 'cloud { discovery { kinds { kind count } } }');
    expect(res.errors).toBeUndefined();
    const kinds = res.data!._entities[0]!.cloud.discovery.kinds;
    expect(kinds.reduce((s, k) => s + k.count, 0)).toBeGreaterThanOrEqual(8 * 1000);
    const biggest = [...kinds].sort((a, b) => b.count - a.count)[0]!;
    expect(biggest.kind).toBe('cloud.location');
    for (const k of kinds) expect(k.count, k.kind).toBeGreaterThanOrEqual(1);
  });

  it('is deterministic: the same person gets the same rows in another store', async () => {
    for (const table of ['device', 'deviceLocation', 'contact', 'contactPhone', 'galleryItem', 'deviceCommand'] as const) {
      const a = await sg.store.db.selectFrom(table).selectAll().where('personId', '=', DEMO).execute();
      const b = await heavy.store.db.selectFrom(table).selectAll().where('personId', '=', DEMO).execute();
      expect(b, table).toEqual(a);
      expect(a.length, table).toBeGreaterThan(0);
    }
  });
});
