import type { Transaction } from 'kysely';
import { insertChunked, recordBase, TRICKY_TEXT, type Rng, type SeedTarget } from '@footprint/kit';
import { blobStoreFor } from './blobs/config.js';
import { appDataJson, backupGzip, documentText, PHOTO_SIZE, photoJpeg, recordingWav, VIDEO_SIZE, videoAvi } from './blobs/samples.js';
import type { BlobStore } from './blobs/store.js';
import type {
  CloudContactEmailRow,
  CloudContactPhoneRow,
  CloudContactRow,
  CloudDB,
  CloudDeviceRow,
  CloudFileContentRow,
  CloudNoteRow,
  CloudStore,
  CommandStatus,
  CommandType,
  DeviceCommandRow,
  DeviceLocationRow,
  EmailType,
  FileKind,
  GalleryItemRow,
  LocationMethod,
  PhoneType,
  SyncedFileRow,
} from './store.js';

/** A row as inserted: the store assigns `id`. (Mapped types, so insertChunked accepts them.) */
type New<Row> = Omit<Row, 'id'>;
type Plain<Row> = { [K in keyof Row]: Row[K] };

/** Find Device keeps 12 months of history (ROLLING_12_MONTHS); the seed stays inside that window. */
const WINDOW_FROM = '2025-11-01T00:00:00Z';
const WINDOW_TO = '2026-10-31T00:00:00Z';

const CITY_COORDS: Record<string, [number, number]> = {
  Bakı: [40.4093, 49.8671],
  Gəncə: [40.6828, 46.3606],
  Şəki: [41.1919, 47.1706],
  Lənkəran: [38.7529, 48.8475],
  Sumqayıt: [40.5897, 49.6686],
  Mingəçevir: [40.7703, 47.0496],
  Quba: [41.3611, 48.5134],
};
const PLACES: { name: string; lat: number; lon: number }[] = [
  { name: 'Bakı, İçərişəhər', lat: 40.3664, lon: 49.8372 },
  { name: 'Şəki, Xan Sarayı', lat: 41.2089, lon: 47.1956 },
  { name: 'Qəbələ, Tufandağ', lat: 40.9941, lon: 47.8592 },
  { name: 'Quba, Qırmızı Qəsəbə', lat: 41.3657, lon: 48.5263 },
  { name: 'Gəncə, Nizami məqbərəsi', lat: 40.7296, lon: 46.4233 },
  { name: 'Göygöl', lat: 40.4079, lon: 46.3296 },
  { name: 'Lənkəran, Xan evi', lat: 38.7543, lon: 48.8511 },
];
const PHONE_MODELS = ['Xiaomi 14T Pro', 'Redmi Note 13 Pro+ 5G', 'POCO F6 Pro', 'Xiaomi 15'];
const OLD_PHONE_MODELS = ['Redmi Note 9', 'Mi 11 Lite', 'POCO X3 NFC', 'Redmi 9A'];
const TABLET_MODELS = ['Xiaomi Pad 6', 'Redmi Pad SE', 'Xiaomi Pad 7'];
const CONTACT_GIVEN = ['Vüqar', 'Səbinə', 'Rəşad', 'Könül', 'Elçin', 'Aytən', 'Fərid', 'Günay', 'Tural', 'Nigar', 'Şahin', 'Ülkər', 'Orxan', 'Zəhra'];
const CONTACT_FAMILY = ['Abbasov', 'Quliyeva', 'İsmayılov', 'Həsənova', 'Cəfərov', 'Rüstəmova', 'Bağırov', 'Süleymanlı', 'Əhmədov', 'Kərimova'];
const CONTACT_MIDDLE = ['Əli oğlu', 'Rauf qızı', 'Tofiq oğlu', 'Elşən qızı'];
const FULL_CONTACT_NAME: [string, string, string] = ['Gülçöhrə', 'Elşən qızı', 'Bağırova'];
const NICKNAMES = ['Usta', 'Anam', 'Atam', 'Həkim', 'Qonşu'];
const ORGANISATIONS = ['Azərsu ASC', 'Bakı Dövlət Universiteti', 'Kapital Bank', 'Gəncə Tekstil MMC', 'Şəki İpək ASC', 'Müşfiq, Tofiq & Oğulları MMC'];
const JOB_TITLES = ['mühəndis', 'müəllim', 'həkim', 'mühasib', 'sürücü', 'dizayner'];
const MOBILE_PREFIXES = ['50', '51', '55', '70', '77', '99'];
const NOTE_TITLES = ['Alış-veriş siyahısı', 'Görüş qeydləri', 'Səyahət planı: Şəki', 'Kitablar', 'Resept — düşbərə', 'Şifrəsiz xatırlatmalar'];
const NOTE_FOLDERS = ['Şəxsi', 'İş', null];
const ALBUMS = ['Kamera', 'Ekran görüntüləri', 'WhatsApp Images', 'Səyahət 🏔', null];
const ISSUED_FROM = ['i.mi.com Find Device', 'Find Device app on another device', 'Xiaomi Cloud (web)'];

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();
const stamp = (iso: string) => iso.slice(0, 19).replace(/[-:]/g, '').replace('T', '_');

function translit(s: string): string {
  const map: Record<string, string> = { ə: 'e', ş: 's', ğ: 'g', ı: 'i', ç: 'c', ö: 'o', ü: 'u' };
  return s
    .toLowerCase()
    .replace(/[əşğıçöü]/g, (c) => map[c] ?? c)
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
}

/** A 15-digit IMEI with a valid Luhn check digit; only its last 4 digits are ever stored. */
function imei(rng: Rng): string {
  const body = `86${rng.digits(12)}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  let x = rng.float() * items.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![0];
}

const uuid = (rng: Rng) => `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${rng.pick(['8', '9', 'a', 'b'])}${rng.hex(3)}-${rng.hex(12)}`;
const mobile = (rng: Rng) => `+994${rng.pick(MOBILE_PREFIXES)}${rng.digits(7)}`;
const sortedDates = (rng: Rng, n: number, from: string, to: string) => Array.from({ length: n }, () => rng.date(from, to)).sort();

/**
 * Deterministic cloud data for each target: three linked devices (the current
 * phone, a lost phone that was locked and wiped, a Wi-Fi tablet), 6 × scale
 * Find Device locations (the biggest kind), scale gallery items, scale / 2
 * contacts with their phones and e-mails, scale / 4 notes and synced files,
 * scale / 20 remote commands — at least one of each kind for everyone. Gallery
 * items and synced files have real bytes, put into the blob store (src/blobs).
 */
export async function seed(store: CloudStore, targets: SeedTarget[]): Promise<void> {
  // The blob store beside the database (or the configured object store): photos' and files' bytes go there.
  const blobs = blobStoreFor(store.dataDir);
  for (const t of targets) {
    await store.db.transaction().execute((trx) => seedPerson(trx, t, blobs));
  }
}

async function seedPerson(trx: Transaction<CloudDB>, t: SeedTarget, blobs: BlobStore): Promise<void> {
  const { profile: p, rng } = t;
  const raw = trx;
  const home = CITY_COORDS[p.city] ?? CITY_COORDS.Bakı!;

  // Devices: the current phone, a phone lost early in the window, a Wi-Fi tablet (no IMEI).
  const lostAt = rng.date('2025-11-15T00:00:00Z', '2026-01-31T00:00:00Z');
  const phoneModel = rng.pick(PHONE_MODELS);
  const oldModel = rng.pick(OLD_PHONE_MODELS);
  const tabletModel = rng.pick(TABLET_MODELS);
  const serial = () => `${rng.digits(5)}/${rng.pick(['30', '31', '32'])}${rng.pick(['AZ', 'EU', 'RU'])}${rng.digits(5)}`;
  const devices: New<CloudDeviceRow>[] = [
    (() => {
      const activatedAt = rng.date('2024-01-01T00:00:00Z', '2025-06-30T00:00:00Z');
      return { ...recordBase(t, activatedAt), name: `${phoneModel} (${p.givenName})`, model: phoneModel, imeiLast4: imei(rng).slice(-4), imei2Last4: imei(rng).slice(-4), oaid: rng.hex(16), serialNumber: serial(), androidId: rng.hex(16), activatedAt, lastSeenAt: WINDOW_TO, findDeviceEnabled: 1 };
    })(),
    (() => {
      const activatedAt = rng.date('2019-01-01T00:00:00Z', '2021-12-31T00:00:00Z');
      return { ...recordBase(t, activatedAt), name: `${oldModel} (${p.givenName})`, model: oldModel, imeiLast4: imei(rng).slice(-4), imei2Last4: null, oaid: null, serialNumber: serial(), androidId: rng.hex(16), activatedAt, lastSeenAt: lostAt, findDeviceEnabled: 1 };
    })(),
    (() => {
      const activatedAt = rng.date('2022-01-01T00:00:00Z', '2024-12-31T00:00:00Z');
      return { ...recordBase(t, activatedAt), name: `${tabletModel} — ${p.givenName}`, model: tabletModel, imeiLast4: null, imei2Last4: null, oaid: rng.hex(16), serialNumber: serial(), androidId: rng.hex(16), activatedAt, lastSeenAt: rng.date(WINDOW_FROM, WINDOW_TO), findDeviceEnabled: 0 };
    })(),
  ];
  await insertChunked(raw, 'device', devices);
  const deviceIds = new Map<string, number>();
  for (const d of await trx.selectFrom('device').select(['id', 'serialNumber']).where('personId', '=', p.id).orderBy('id').execute()) deviceIds.set(d.serialNumber, Number(d.id));
  const [phoneId, oldPhoneId] = devices.map((d) => deviceIds.get(d.serialNumber)!) as [number, number, number];

  // Find Device location history: a walk around home, the lost phone reporting until it went silent.
  const locations: New<DeviceLocationRow>[] = [];
  let [lat, lon] = home;
  for (const at of sortedDates(rng, 6 * t.scale, WINDOW_FROM, WINDOW_TO)) {
    if (rng.bool(0.1)) [lat, lon] = home;
    lat = Math.min(Math.max(lat + (rng.float() - 0.5) * 0.02, home[0] - 0.15), home[0] + 0.15);
    lon = Math.min(Math.max(lon + (rng.float() - 0.5) * 0.02, home[1] - 0.15), home[1] + 0.15);
    const method = weighted<LocationMethod>(rng, [['GPS', 60], ['WIFI', 25], ['CELL', 15]]);
    const accuracy = method === 'GPS' ? rng.float() * 27 + 3 : method === 'WIFI' ? rng.float() * 65 + 15 : rng.float() * 2350 + 150;
    const deviceId = at < lostAt && rng.bool(0.5) ? oldPhoneId : phoneId;
    locations.push({ ...recordBase(t, at), deviceId, latitude: round(lat, 6), longitude: round(lon, 6), accuracyMeters: round(accuracy, 1), method, at });
  }
  await insertChunked(raw, 'deviceLocation', locations);

  // Remote commands: the lost phone was rung, locked with a passcode and a message, then wiped.
  const passcode = () => `$argon2id$v=19$m=65536,t=3,p=4$${rng.hex(22)}$${rng.hex(43)}`;
  const commands: New<DeviceCommandRow>[] = [];
  const command = (deviceId: number, kind: CommandType, status: CommandStatus, issuedAt: string, extra: Partial<New<DeviceCommandRow>> = {}) => {
    const done = status === 'COMPLETED' || status === 'FAILED';
    commands.push({ ...recordBase(t, issuedAt), deviceId, command: kind, status, issuedAt, completedAt: done ? addMinutes(issuedAt, rng.int(1, 90)) : null, issuedFrom: rng.pick(ISSUED_FROM), lockMessage: null, passcodeHash: null, ...extra });
  };
  command(oldPhoneId, 'RING', 'COMPLETED', addMinutes(lostAt, 20));
  command(oldPhoneId, 'LOCK', 'COMPLETED', addMinutes(lostAt, 45), { lockMessage: `Bu telefon itib. Zəhmət olmasa ${p.phone} nömrəsinə zəng edin, "mükafat" var!`, passcodeHash: passcode() });
  command(oldPhoneId, 'WIPE', 'COMPLETED', addMinutes(lostAt, 60 * 24 * 3));
  for (let i = 3; i < Math.floor(t.scale / 20); i++) {
    const kind = weighted<CommandType>(rng, [['RING', 75], ['LOCK', 25]]);
    const status = weighted<CommandStatus>(rng, [['COMPLETED', 80], ['FAILED', 8], ['CANCELLED', 6], ['DELIVERED', 3], ['PENDING', 3]]);
    const lock = kind === 'LOCK' ? { lockMessage: rng.bool(0.5) ? rng.pick(TRICKY_TEXT) : null, passcodeHash: rng.bool(0.7) ? passcode() : null } : {};
    command(phoneId, kind, status, rng.date(WINDOW_FROM, WINDOW_TO), lock);
  }
  commands.sort((a, b) => a.issuedAt.localeCompare(b.issuedAt));
  await insertChunked(raw, 'deviceCommand', commands);

  // Contacts: structured for vCard 4.0, with their TEL and EMAIL lists.
  const contacts: New<CloudContactRow>[] = [];
  const phones: Omit<CloudContactPhoneRow, 'contactId'>[][] = [];
  const emails: Omit<CloudContactEmailRow, 'contactId'>[][] = [];
  const contactCount = Math.max(2, Math.floor(t.scale / 2));
  for (let i = 0; i < contactCount; i++) {
    const full = i === 0; // the first contact of everyone has every field, for tests and demos
    const nicknameOnly = !full && rng.bool(0.1);
    let given = nicknameOnly ? null : rng.pick(CONTACT_GIVEN);
    let family = nicknameOnly || (!full && rng.bool(0.1)) ? null : rng.pick(CONTACT_FAMILY);
    let middle = full || rng.bool(0.15) ? rng.pick(CONTACT_MIDDLE) : null;
    // The first contact's name holds every Azerbaijani letter outside ASCII (ə ğ ı ö ş ü ç), so each export, vCard
    // and push test meets them all; set after the picks, so every other record stays as it was.
    if (full) [given, middle, family] = FULL_CONTACT_NAME;
    const displayName = nicknameOnly ? rng.pick(NICKNAMES) : [given, family].filter(Boolean).join(' ');
    const organisation = full || rng.bool(0.35) ? rng.pick(ORGANISATIONS) : null;
    const updatedAt = rng.date();
    contacts.push({
      ...recordBase(t, updatedAt),
      uid: uuid(rng),
      displayName,
      givenName: given,
      familyName: family,
      middleName: middle,
      organisation,
      jobTitle: organisation && rng.bool(0.7) ? rng.pick(JOB_TITLES) : null,
      birthday: full || rng.bool(0.3) ? rng.date('1950-01-01T00:00:00Z', '2010-12-31T00:00:00Z').slice(0, 10) : null,
      note: full ? TRICKY_TEXT[0]! : rng.bool(0.2) ? rng.pick(TRICKY_TEXT) : null,
      starred: full || rng.bool(0.1) ? 1 : 0,
      updatedAt,
    });
    const nPhones = full ? 2 : rng.int(1, 3);
    const tel: Omit<CloudContactPhoneRow, 'contactId'>[] = [];
    for (let k = 0; k < nPhones; k++) {
      const type: PhoneType = k === 0 ? 'CELL' : full ? 'WORK' : weighted<PhoneType>(rng, [['CELL', 40], ['HOME', 25], ['WORK', 25], ['FAX', 5], ['OTHER', 5]]);
      tel.push({ position: k, personId: p.id, number: type === 'HOME' || type === 'FAX' ? `+99412${rng.digits(7)}` : mobile(rng), type, preferred: k === 0 ? 1 : 0 });
    }
    phones.push(tel);
    const nEmails = full ? 1 : weighted(rng, [[0, 50], [1, 40], [2, 10]]);
    const mail: Omit<CloudContactEmailRow, 'contactId'>[] = [];
    const local = translit(`${given ?? displayName}.${family ?? rng.digits(3)}`) || `contact${rng.digits(4)}`;
    for (let k = 0; k < nEmails; k++) {
      const type: EmailType = k === 0 ? 'HOME' : 'WORK';
      mail.push({ position: k, personId: p.id, address: type === 'HOME' ? `${local}@mail.az` : `${local}@${rng.pick(['azersu.az', 'bsu.edu.az', 'kapitalbank.az'])}`, type, preferred: k === 0 ? 1 : 0 });
    }
    emails.push(mail);
  }
  await insertChunked(raw, 'contact', contacts);
  const contactIds = new Map<string, number>();
  for (const c of await trx.selectFrom('contact').select(['id', 'uid']).where('personId', '=', p.id).orderBy('id').execute()) contactIds.set(c.uid, Number(c.id));
  const phoneRows: Plain<CloudContactPhoneRow>[] = [];
  const emailRows: Plain<CloudContactEmailRow>[] = [];
  contacts.forEach((c, i) => {
    const contactId = contactIds.get(c.uid)!;
    for (const r of phones[i]!) phoneRows.push({ contactId, ...r });
    for (const r of emails[i]!) emailRows.push({ contactId, ...r });
  });
  await insertChunked(raw, 'contactPhone', phoneRows);
  await insertChunked(raw, 'contactEmail', emailRows);

  // Notes.
  const notes: New<CloudNoteRow>[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(t.scale / 4)); i++) {
    const createdAt = rng.date();
    const updatedAt = rng.bool(0.5) ? addMinutes(createdAt, rng.int(5, 60 * 24 * 30)) : createdAt;
    notes.push({ ...recordBase(t, updatedAt), title: rng.pick(NOTE_TITLES), body: i === 0 ? `${TRICKY_TEXT[0]}\n${TRICKY_TEXT[2]}` : rng.pick(TRICKY_TEXT), folder: rng.pick(NOTE_FOLDERS), createdAt, updatedAt });
  }
  await insertChunked(raw, 'note', notes);

  // Gallery: photos mostly, some videos; a location tag when the camera had one. Each item's bytes are real and
  // small (a 96×72 JPEG with the EXIF the phone writes, a 2-second Motion-JPEG AVI), so sizeBytes is what is stored.
  const gallery: New<GalleryItemRow>[] = [];
  // Encoded while the loop goes on (sharp works on its own threads); awaited all together below.
  const galleryBytes: Promise<Buffer>[] = [];
  for (let i = 0; i < Math.max(2, t.scale); i++) {
    const takenAt = rng.date();
    const video = i === 1 || (i > 1 && rng.bool(0.15));
    const tagged = i === 0 || (i > 1 && rng.bool(0.65));
    const place = rng.pick(PLACES);
    const landscape = rng.bool(0.6);
    const latitude = tagged ? round(place.lat + (rng.float() - 0.5) * 0.01, 6) : null;
    const longitude = tagged ? round(place.lon + (rng.float() - 0.5) * 0.01, 6) : null;
    galleryBytes.push(video ? videoAvi(`${p.id}:${i}`, VIDEO_FRAMES, VIDEO_FPS) : photoJpeg({ seed: `${p.id}:${i}`, takenAt, latitude, longitude, model: phoneModel, landscape }));
    const [w, h] = video ? [VIDEO_SIZE.width, VIDEO_SIZE.height] : landscape ? [PHOTO_SIZE.width, PHOTO_SIZE.height] : [PHOTO_SIZE.height, PHOTO_SIZE.width];
    gallery.push({
      ...recordBase(t, addMinutes(takenAt, rng.int(1, 600))),
      fileName: `${video ? 'VID' : 'IMG'}_${stamp(takenAt)}.${video ? 'avi' : 'jpg'}`,
      mediaType: video ? 'VIDEO' : 'PHOTO',
      mimeType: video ? 'video/x-msvideo' : 'image/jpeg',
      sizeBytes: 0,
      takenAt,
      width: w,
      height: h,
      durationSeconds: video ? VIDEO_FRAMES / VIDEO_FPS : null,
      album: rng.pick(ALBUMS),
      latitude,
      longitude,
      placeName: tagged ? place.name : null,
    });
  }
  const encoded = await Promise.all(galleryBytes);
  // sizeBytes is what is stored: the size of the bytes just made.
  gallery.forEach((g, i) => {
    g.sizeBytes = encoded[i]!.length;
  });
  await insertChunked(raw, 'galleryItem', gallery);
  await storeContent(trx, blobs, 'galleryItem', 'galleryContent', p.id, gallery, encoded);

  // Other synced material: app data, recordings, backups, documents; small real bytes of the type each says.
  const files: New<SyncedFileRow>[] = [];
  const fileBytes: Buffer[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(t.scale / 4)); i++) {
    const syncedAt = rng.date();
    const day = syncedAt.slice(0, 10);
    const kind: FileKind = i === 0 ? 'RECORDING' : weighted<FileKind>(rng, [['APP_DATA', 35], ['RECORDING', 25], ['CALL_RECORDING', 15], ['BACKUP', 15], ['OTHER', 10]]);
    const app = rng.pick(['com.miui.notes', 'com.android.contacts', 'com.miui.gallery', 'com.xiaomi.calendar']);
    const who = rng.pick(NICKNAMES);
    const seed = `${p.id}:${i}`;
    const byKind: Record<FileKind, () => Pick<SyncedFileRow, 'name' | 'mimeType' | 'appPackage'> & { bytes: Buffer }> = {
      APP_DATA: () => ({ name: `${app}.sync.json`, mimeType: 'application/json', appPackage: app, bytes: appDataJson(seed, app, syncedAt) }),
      RECORDING: () => ({ name: `Səs qeydi ${day} ${syncedAt.slice(11, 16).replace(':', '-')}.wav`, mimeType: 'audio/wav', appPackage: null, bytes: recordingWav(seed) }),
      CALL_RECORDING: () => ({ name: `Zəng qeydi — ${who} ${day}.wav`, mimeType: 'audio/wav', appPackage: null, bytes: recordingWav(seed) }),
      BACKUP: () => ({ name: `Ehtiyat nüsxə ${day}.json.gz`, mimeType: 'application/gzip', appPackage: null, bytes: backupGzip(seed, syncedAt) }),
      OTHER: () => ({ name: `Sənəd, "yekun" ${day}.txt`, mimeType: 'text/plain; charset=utf-8', appPackage: null, bytes: documentText(seed, `Sənəd, "yekun" ${day}`, rng.pick(TRICKY_TEXT)) }),
    };
    const { bytes, ...file } = byKind[kind]();
    fileBytes.push(bytes);
    files.push({ ...recordBase(t, syncedAt), kind, ...file, sizeBytes: bytes.length, syncedAt });
  }
  await insertChunked(raw, 'syncedFile', files);
  await storeContent(trx, blobs, 'syncedFile', 'fileContent', p.id, files, fileBytes);
}

/** Blobs put at once while seeding. */
const PUT_LANES = 8;

/** Videos in the seed: 4 frames at 2 frames a second. */
const VIDEO_FRAMES = 4;
const VIDEO_FPS = 2;

/**
 * Puts each record's bytes into the blob store (content-addressed: the same bytes once), registers the blobs and
 * writes the content rows, matching the records by insertion order (ids ascend as inserted, in one transaction).
 */
async function storeContent(
  trx: Transaction<CloudDB>,
  blobs: BlobStore,
  table: 'galleryItem' | 'syncedFile',
  contentTable: 'galleryContent' | 'fileContent',
  person: string,
  records: { mimeType: string | null }[],
  bytes: Buffer[],
): Promise<void> {
  const ids = await trx.selectFrom(table).select('id').where('personId', '=', person).orderBy('id').execute();
  const now = new Date().toISOString();
  const rows: Plain<CloudFileContentRow>[] = [];
  const registry = new Map<string, { sha256: string; bytes: number; createdAt: string; unreferencedAt: null }>();
  // Not flushed one by one (1,000 durable puts took 7.5 s on a busy disk, 1.2 s without): a seed interrupted is run
  // again over a reset store. Several at once, so the writes overlap.
  const infos = new Array<{ sha256: string; bytes: number }>(records.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < records.length; i = next++) infos[i] = await blobs.put([bytes[i]!], { durable: false });
  };
  await Promise.all(Array.from({ length: PUT_LANES }, lane));
  for (let i = 0; i < records.length; i++) {
    const info = infos[i]!;
    registry.set(info.sha256, { sha256: info.sha256, bytes: info.bytes, createdAt: now, unreferencedAt: null });
    rows.push({ recordId: Number(ids[i]!.id), personId: person, sha256: info.sha256, bytes: info.bytes, mimeType: records[i]!.mimeType ?? 'application/octet-stream' });
  }
  await insertChunked(trx, contentTable, rows);
  const all = [...registry.values()];
  for (let at = 0; at < all.length; at += 200) {
    await trx
      .insertInto('blob')
      .values(all.slice(at, at + 200))
      .onConflict((oc) => oc.column('sha256').doUpdateSet({ unreferencedAt: null }))
      .execute();
  }
}
