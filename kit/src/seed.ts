import { sql, type Kysely, type Transaction } from 'kysely';
import type { DataRegion } from '@footprint/schema';

/** mulberry32: a tiny seeded PRNG, so every seed run writes the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number | string) {
    const n = typeof seed === 'number' ? seed : [...seed].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
    this.next = prng(n);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
  /** A date-time between `from` and `to`, ISO-8601 UTC. */
  date(from = '2019-01-01T00:00:00Z', to = '2026-10-31T00:00:00Z'): string {
    const a = Date.parse(from);
    const b = Date.parse(to);
    return new Date(a + Math.floor(this.next() * (b - a))).toISOString();
  }
}

const FIRST = ['Əli', 'Şəbnəm', 'Gülşən', 'Müşfiq', 'Ayşə', 'Tuğrul', 'Nərgiz', 'Çingiz', 'Ülviyyə', 'Söhrab', 'Jürgen', 'Zoë', 'Leyla', 'Oğuz'];
const LAST = ['Məmmədov', 'Ağayeva', 'Hüseynova', 'Qasımov', 'Şükürov', 'Əliyeva', 'Müller', 'Güneş', 'Çələbi', 'Nəsirli', 'Ölməz'];
const STREETS = ['Nizami küç.', 'Füzuli küç.', 'Şəhriyar küç.', 'Üzeyir Hacıbəyov küç.', 'Atatürk pr.', 'Gənclik m.', 'Xətai pr.'];
const CITIES = ['Bakı', 'Gəncə', 'Şəki', 'Lənkəran', 'Sumqayıt', 'Mingəçevir', 'Quba'];
const REGIONS: DataRegion[] = ['NETHERLANDS', 'SINGAPORE', 'INDIA', 'RUSSIA'];

/** The same person everywhere: every domain derives names and contacts from the account ID. */
export interface PersonProfile {
  id: string;
  givenName: string;
  familyName: string;
  fullName: string;
  nickname: string;
  email: string;
  phone: string;
  region: DataRegion;
  street: string;
  city: string;
  postalCode: string;
  registeredAt: string;
}

export function personProfile(id: string): PersonProfile {
  const r = new Rng(`person:${id}`);
  const givenName = r.pick(FIRST);
  const familyName = r.pick(LAST);
  const ascii = (s: string) =>
    s
      .toLowerCase()
      .replace(/[əşğıçöü]/g, (c) => ({ ə: 'e', ş: 's', ğ: 'g', ı: 'i', ç: 'c', ö: 'o', ü: 'u' })[c] ?? c)
      .normalize('NFD')
      .replace(/[^a-z]/g, '') || 'user';
  return {
    id,
    givenName,
    familyName,
    fullName: `${givenName} ${familyName}`,
    nickname: `${givenName}_${r.digits(3)}`,
    email: `${ascii(givenName)}.${ascii(familyName)}${id.slice(-2)}@example.com`,
    phone: `+99450${r.digits(7)}`,
    region: REGIONS[Number(id) % REGIONS.length] ?? 'NETHERLANDS',
    street: `${r.pick(STREETS)} ${r.int(1, 180)}, mənzil ${r.int(1, 90)}`,
    city: r.pick(CITIES),
    postalCode: `AZ${r.int(1000, 6000)}`,
    registeredAt: r.date('2018-01-01T00:00:00Z', '2019-01-01T00:00:00Z'),
  };
}

/** Tricky text for fields people type: commas, quotes, newlines, non-ASCII. */
export const TRICKY_TEXT = ['Salam, "dostum"!\nNecəsən?', 'Çox sağ ol; ən yaxşı xidmət', 'Qiymət: 1,299.00 ₼ — "endirim"', 'Üç gün, iki gecə'];

/** Who to seed: the demo people, a heavy person for benchmarks, and bulk users. */
export interface SeedPlan {
  /** Person ids with their scale: how many records of each many-record kind to write. */
  people: { id: string; scale: number }[];
}

export interface SeedTarget {
  profile: PersonProfile;
  /** Records of each many-record kind; 1 for a light person. */
  scale: number;
  rng: Rng;
}

export const DEMO_PERSON = '10000001';
export const OTHER_PERSON = '10000002';
export const HEAVY_PERSON = '10000099';

/** A row as a seed inserts it: every column, the id optional (the store assigns it). */
export type SeedRow<Row> = Omit<Row, 'id'> & Partial<Pick<Row, Extract<'id', keyof Row>>>;

/**
 * Inserts rows in chunks that stay under SQLite's and PostgreSQL's
 * bound-parameter limits, typed against the domain's tables: every column of
 * the row type must be given, so a misspelt one fails to compile. Written as
 * one parameterised statement per chunk (identifiers go through the store's
 * camelCase plugin like any query's), which needs no cast of the generic table.
 */
export async function insertChunked<DB, T extends keyof DB & string>(db: Kysely<DB> | Transaction<DB>, table: T, rows: NoInfer<SeedRow<DB[T]>>[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const chunk = Math.max(1, Math.floor(30000 / columns.length));
  const cols = sql.join(columns.map((c) => sql.ref(c)));
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows.slice(i, i + chunk).map((r) => {
      const row: Record<string, unknown> = r;
      return sql`(${sql.join(columns.map((c) => row[c] ?? null))})`;
    });
    await sql`insert into ${sql.table(table)} (${cols}) values ${sql.join(values)}`.execute(db);
  }
}

/** The columns every record row has, for one person. */
export function recordBase(t: SeedTarget, collectedAt: string, source: string | null = null) {
  return { personId: t.profile.id, collectedAt, region: t.profile.region, source };
}
