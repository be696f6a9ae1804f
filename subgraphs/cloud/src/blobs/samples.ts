import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import piexif from 'piexifjs';
import { Rng } from '@footprint/kit';

/**
 * Small but real content for the seed: JPEG photos with the EXIF a phone
 * writes (camera, time taken, GPS position: personal data too), short
 * Motion-JPEG videos, WAV recordings, JSON app data, gzipped backups and text
 * documents. Each is derived from its record alone (a seeded generator), so
 * every seed writes the same bytes and every record's bytes differ.
 */

export const PHOTO_SIZE = { width: 96, height: 72 } as const;
export const VIDEO_SIZE = { width: 96, height: 54 } as const;

/** An RGB picture: a diagonal gradient between two colours, with a disc and a bar placed by the generator. */
function picture(rng: Rng, width: number, height: number, frame = 0): Buffer {
  const c1 = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
  const c2 = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
  const disc = { x: rng.int(10, width - 10) + frame * 6, y: rng.int(10, height - 10), r: rng.int(6, 18), c: [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)] };
  const bar = { y: rng.int(0, height - 8), h: rng.int(3, 8), c: [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)] };
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const inDisc = (x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2;
      const inBar = y >= bar.y && y < bar.y + bar.h;
      const at = (y * width + x) * 3;
      for (let i = 0; i < 3; i++) data[at + i] = inDisc ? disc.c[i]! : inBar ? bar.c[i]! : Math.round(c1[i]! * (1 - t) + c2[i]! * t);
    }
  }
  return data;
}

/** Encodes an RGB picture as a baseline JPEG (sharp: libvips with mozjpeg, about half a millisecond for one this size). */
const toJpeg = (rgb: Buffer, width: number, height: number, quality: number): Promise<Buffer> =>
  sharp(rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality, mozjpeg: false }).toBuffer();

/** Degrees as EXIF's degrees, minutes, seconds rationals (seconds to 1/10,000: about 3 mm). */
function dms(deg: number): [[number, number], [number, number], [number, number]] {
  const a = Math.abs(deg);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = Math.round(((a - d) * 60 - m) * 60 * 10_000);
  return [
    [d, 1],
    [m, 1],
    [s, 10_000],
  ];
}

/** EXIF's date-time form, "YYYY:MM:DD HH:MM:SS" (the time of day as given: UTC here, as the GPS time stamp beside it). */
export const exifDateTime = (iso: string): string => `${iso.slice(0, 10).replace(/-/g, ':')} ${iso.slice(11, 19)}`;

export interface PhotoFacts {
  /** Seeds the picture: the record's own identity (person and position), so each photo differs. */
  seed: string;
  takenAt: string;
  latitude: number | null;
  longitude: number | null;
  model: string;
  landscape: boolean;
}

/** A JPEG photo with EXIF: camera make and model, DateTimeOriginal (+ offset), and the GPS position when the record has one. */
export async function photoJpeg(f: PhotoFacts): Promise<Buffer> {
  const rng = new Rng(`photo:${f.seed}`);
  const [width, height] = f.landscape ? [PHOTO_SIZE.width, PHOTO_SIZE.height] : [PHOTO_SIZE.height, PHOTO_SIZE.width];
  const encoded = await toJpeg(picture(rng, width, height), width, height, 80);
  const when = exifDateTime(f.takenAt);
  const exif: Parameters<typeof piexif.dump>[0] = {
    '0th': { [piexif.ImageIFD.Make!]: 'Xiaomi', [piexif.ImageIFD.Model!]: f.model, [piexif.ImageIFD.DateTime!]: when, [piexif.ImageIFD.Software!]: 'Footprint seed' },
    Exif: { [piexif.ExifIFD.DateTimeOriginal!]: when, [piexif.ExifIFD.DateTimeDigitized!]: when, [piexif.ExifIFD.PixelXDimension!]: width, [piexif.ExifIFD.PixelYDimension!]: height },
  };
  if (f.latitude !== null && f.longitude !== null) {
    exif.GPS = {
      [piexif.GPSIFD.GPSVersionID!]: [2, 3, 0, 0],
      [piexif.GPSIFD.GPSLatitudeRef!]: f.latitude < 0 ? 'S' : 'N',
      [piexif.GPSIFD.GPSLatitude!]: dms(f.latitude),
      [piexif.GPSIFD.GPSLongitudeRef!]: f.longitude < 0 ? 'W' : 'E',
      [piexif.GPSIFD.GPSLongitude!]: dms(f.longitude),
      // GPS time is UTC by definition: it says which zone DateTimeOriginal is in (piexifjs knows no OffsetTime tag).
      [piexif.GPSIFD.GPSDateStamp!]: f.takenAt.slice(0, 10).replace(/-/g, ':'),
      [piexif.GPSIFD.GPSTimeStamp!]: [
        [Number(f.takenAt.slice(11, 13)), 1],
        [Number(f.takenAt.slice(14, 16)), 1],
        [Number(f.takenAt.slice(17, 19)), 1],
      ],
    };
  }
  return Buffer.from(piexif.insert(piexif.dump(exif), encoded.toString('binary')), 'binary');
}

/** RIFF chunk: id, little-endian length, data, padded to an even length. */
function chunk(id: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
const list = (type: string, parts: Buffer[]) => chunk('LIST', Buffer.concat([Buffer.from(type, 'ascii'), ...parts]));
const u32 = (...ns: number[]) => {
  const b = Buffer.alloc(ns.length * 4);
  for (const [i, n] of ns.entries()) b.writeUInt32LE(n, i * 4);
  return b;
};

/**
 * A short video: an AVI of Motion-JPEG frames (the disc moves), the one video
 * container that can be written without a codec library. Media players play
 * it; browsers do not (they are not asked to: the archive links it).
 */
export async function videoAvi(seed: string, frames = 4, fps = 2): Promise<Buffer> {
  const { width, height } = VIDEO_SIZE;
  const jpegs = await Promise.all(Array.from({ length: frames }, (_, i) => toJpeg(picture(new Rng(`video:${seed}`), width, height, i), width, height, 70)));
  const largest = Math.max(...jpegs.map((j) => j.length));
  const avih = chunk('avih', u32(Math.round(1_000_000 / fps), largest * fps, 0, 0x10, frames, 0, 1, largest, width, height, 0, 0, 0, 0));
  const strh = chunk('strh', Buffer.concat([Buffer.from('vidsMJPG', 'ascii'), u32(0, 0, 0, 1, fps, 0, frames, largest, 0xffffffff, 0), Buffer.alloc(8)]));
  const bih = Buffer.alloc(40);
  bih.writeUInt32LE(40, 0);
  bih.writeInt32LE(width, 4);
  bih.writeInt32LE(height, 8);
  bih.writeUInt16LE(1, 12);
  bih.writeUInt16LE(24, 14);
  bih.write('MJPG', 16, 'ascii');
  bih.writeUInt32LE(width * height * 3, 20);
  const hdrl = list('hdrl', [avih, list('strl', [strh, chunk('strf', bih)])]);
  const frameChunks = jpegs.map((j) => chunk('00dc', j));
  const movi = list('movi', frameChunks);
  // idx1: each frame's offset from the start of the movi list's data ("movi" fourcc), its size, a key frame each.
  let offset = 4;
  const idx = frameChunks.map((c, i) => {
    const entry = Buffer.concat([Buffer.from('00dc', 'ascii'), u32(0x10, offset, jpegs[i]!.length)]);
    offset += c.length;
    return entry;
  });
  const body = Buffer.concat([Buffer.from('AVI ', 'ascii'), hdrl, movi, chunk('idx1', Buffer.concat(idx))]);
  return chunk('RIFF', body);
}

/** A mono 8 kHz 8-bit PCM WAV of `seconds`: a tone that glides between two pitches, different per recording. */
export function recordingWav(seed: string, seconds = 1): Buffer {
  const rng = new Rng(`wav:${seed}`);
  const rate = 8000;
  const n = rate * seconds;
  const [f1, f2] = [rng.int(200, 700), rng.int(300, 900)];
  const pcm = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const f = f1 + ((f2 - f1) * i) / n;
    pcm[i] = 128 + Math.round(90 * Math.sin((2 * Math.PI * f * i) / rate));
  }
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0);
  fmt.writeUInt16LE(1, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate, 8);
  fmt.writeUInt16LE(1, 12);
  fmt.writeUInt16LE(8, 14);
  return chunk('RIFF', Buffer.concat([Buffer.from('WAVE', 'ascii'), chunk('fmt ', fmt), chunk('data', pcm)]));
}

/** An app's synced data as JSON: a few entries, written as the app would. */
export function appDataJson(seed: string, app: string, syncedAt: string): Buffer {
  const rng = new Rng(`app:${seed}`);
  const entries = Array.from({ length: rng.int(2, 6) }, (_, i) => ({ id: i + 1, updatedAt: rng.date('2025-01-01T00:00:00Z', syncedAt), value: rng.hex(rng.int(8, 40)) }));
  return Buffer.from(`${JSON.stringify({ app, syncedAt, entries }, null, 2)}\n`, 'utf8');
}

/** A backup: gzipped JSON of what the phone's settings held. */
export function backupGzip(seed: string, syncedAt: string): Buffer {
  const rng = new Rng(`backup:${seed}`);
  const settings = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`setting_${i}`, rng.bool() ? rng.hex(12) : rng.int(0, 1000)]));
  return gzipSync(Buffer.from(JSON.stringify({ backupOf: 'device settings', at: syncedAt, settings }), 'utf8'));
}

/** A plain-text document (UTF-8). */
export function documentText(seed: string, title: string, body: string): Buffer {
  const rng = new Rng(`doc:${seed}`);
  return Buffer.from(`${title}\n\n${body}\n\n— ${rng.hex(8)}\n`, 'utf8');
}
