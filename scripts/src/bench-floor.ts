import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  getNamedType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { readKindMeta, recordMetaFactory, type KindMeta, type RestrictionView } from '@footprint/schema';
import { sqlNames } from '@footprint/kit/sql-names.js';
import type { FootprintPlan } from '@footprint/gateway/footprint';

/**
 * The footprint's floor (issue 24 §7): the same answer as the gateway's — the
 * same JSON, metadata included — built straight from the SQLite files in one
 * process. Each kind's rows and the rows its records carry (a location's
 * device, a message's senders and recipients, an order's items …) are read
 * with one statement per table; the metadata comes from the kit's
 * recordMetaFactory over the supergraph's @personalData (the objects the
 * subgraphs build); the records are shaped by the footprint plan's
 * selection (worked out once per kind), and the whole answer is serialised once. The bench checks that
 * this JSON equals what the gateway answered: a floor that answers
 * something else is not a floor.
 */

type Row = Record<string, unknown>;

/**
 * The rows a kind's records carry, read for the whole footprint in one statement each and grouped by `key`
 * (`many`: a list per key, in the statement's order, as the subgraphs' loaders group them).
 */
interface CarriedSpec {
  sql: string;
  key: string;
  many: boolean;
}

const CARRIED: Record<string, Record<string, CarriedSpec>> = {
  cloud: {
    phones: { sql: 'select * from contact_phone where person_id = @person order by contact_id, position', key: 'contactId', many: true },
    emails: { sql: 'select * from contact_email where person_id = @person order by contact_id, position', key: 'contactId', many: true },
    devices: { sql: 'select * from device where person_id = @person', key: 'id', many: false },
  },
  community: {
    badges: { sql: 'select * from badge where person_id = @person order by awarded_at, id', key: 'profileId', many: true },
    posts: {
      sql: 'select id, board, title from forum_post where id in (select post_id from comment where person_id = @person union select thread_id from browsing where person_id = @person)',
      key: 'id',
      many: false,
    },
  },
  messaging: {
    parties: {
      sql: `select mp.message_id, mp.role, c.phone_masked from message_party mp join correspondent c on c.id = mp.correspondent_id
            where mp.person_id = @person and c.person_id = @person order by mp.id`,
      key: 'messageId',
      many: true,
    },
    members: {
      sql: `select m.conversation_id, c.phone_masked from conversation_member m join correspondent c on c.id = m.correspondent_id
            where m.person_id = @person and c.person_id = @person order by m.id`,
      key: 'conversationId',
      many: true,
    },
  },
  music: {
    tracks: {
      sql: 'select * from track where id in (select track_id from playback where person_id = @person union select played_track_id from search_query where person_id = @person)',
      key: 'id',
      many: false,
    },
  },
  orders: {
    items: { sql: 'select * from order_item where person_id = @person order by order_id, position', key: 'orderId', many: true },
    messages: { sql: 'select * from support_message where person_id = @person order by ticket_id, sent_at, id', key: 'ticketId', many: true },
  },
  push: {
    registrations: { sql: 'select * from registration where person_id = @person', key: 'id', many: false },
  },
  themes: {
    weights: { sql: 'select * from recommendation_weight where person_id = @person order by profile_id, facet, rank', key: 'profileId', many: true },
  },
};

type Carried = Map<string, Map<unknown, unknown>>;

const one = (c: Carried, name: string, key: unknown): unknown => c.get(name)?.get(key) ?? null;
const many = (c: Carried, name: string, key: unknown): unknown[] => (c.get(name)?.get(key) as unknown[] | undefined) ?? [];

/** Minor units as a decimal amount with `digits` places, exact (the domains' formatMinor). */
const decimal = (minor: number, digits = 2): string => {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  if (digits === 0) return `${sign}${abs}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
};
const last4 = (s: string) => s.replace(/\D/g, '').slice(-4);
const maskImei = (tail: unknown) => (typeof tail === 'string' && tail !== '' ? `${'*'.repeat(11)}${tail}` : null);
const own = (phoneNumber: unknown) => ({ own: true, phoneNumber });
const party = (p: Row) => ({ own: false, phoneNumber: p.phoneMasked });
const present = (v: unknown) => v !== null && v !== '';

/**
 * Where a record's field is not its column as stored: the value the domain's resolver gives it (masking, units,
 * JSON columns, carried rows). The result is shaped like any other value, by the field's type and selection.
 */
const DERIVED: Record<string, (row: Row, c: Carried) => unknown> = {
  'SecuritySetting.secretPresent': (r) => present(r.secretHash),
  'EnvironmentValue.derivedFrom': (r) => JSON.parse(String(r.derivedFrom)),
  'CloudContact.phones': (r, c) => many(c, 'phones', r.id),
  'CloudContact.emails': (r, c) => many(c, 'emails', r.id),
  'DeviceLocation.deviceId': (r) => `cloud.device:${r.deviceId}`,
  'DeviceLocation.device': (r, c) => one(c, 'devices', r.deviceId),
  'DeviceCommand.deviceId': (r) => `cloud.device:${r.deviceId}`,
  'DeviceCommand.device': (r, c) => one(c, 'devices', r.deviceId),
  'DeviceCommand.passcodeSet': (r) => present(r.passcodeHash),
  'CloudDevice.imei': (r) => maskImei(r.imeiLast4),
  'CloudDevice.imei2': (r) => maskImei(r.imei2Last4),
  'CommunityProfile.badges': (r, c) => many(c, 'badges', r.id),
  'CommunityComment.postTitle': (r, c) => (one(c, 'posts', r.postId) as Row | null)?.title ?? null,
  'CommunityBrowsingEvent.threadTitle': (r, c) => (r.threadId === null ? null : ((one(c, 'posts', r.threadId) as Row | null)?.title ?? null)),
  'PromotionEntry.shipping': (r) =>
    r.shippingName !== null && r.shippingAddress !== null && r.shippingPhone !== null ? { name: r.shippingName, address: r.shippingAddress, phone: r.shippingPhone } : null,
  'MessagingConversation.title': (r, c) => r.title || (many(c, 'members', r.conversationId) as Row[]).map((m) => m.phoneMasked).join(', ') || r.ownNumber,
  'MessagingConversation.participants': (r, c) => [own(r.ownNumber), ...(many(c, 'members', r.conversationId) as Row[]).map(party)],
  'MessagingMessage.sender': (r, c) => (r.direction === 'SENT' ? own(r.ownNumber) : party((many(c, 'parties', r.messageId) as Row[]).find((p) => p.role === 'SENDER') ?? {})),
  'MessagingMessage.recipients': (r, c) => {
    const to = (many(c, 'parties', r.messageId) as Row[]).filter((p) => p.role === 'RECIPIENT').map(party);
    return r.direction === 'RECEIVED' ? [own(r.ownNumber), ...to] : to;
  },
  'RoutingIdentifier.active': (r) => r.deactivatedAt === null,
  'MusicPlayback.track': (r, c) => one(c, 'tracks', r.trackId),
  'MusicSearchQuery.playedTrack': (r, c) => (r.playedTrackId === null ? null : one(c, 'tracks', r.playedTrackId)),
  'Order.subtotal': (r) => decimal(Number(r.subtotalMinor)),
  'Order.shippingFee': (r) => decimal(Number(r.shippingFeeMinor)),
  'Order.discount': (r) => decimal(Number(r.discountMinor)),
  'Order.total': (r) => decimal(Number(r.totalMinor)),
  'Order.items': (r, c) => many(c, 'items', r.id),
  'Order.invoice': (r) =>
    r.invoiceNumber && r.invoiceIssuedAt && r.invoiceType && r.invoiceTitle
      ? { number: r.invoiceNumber, issuedAt: r.invoiceIssuedAt, type: r.invoiceType, title: r.invoiceTitle, taxId: r.invoiceTaxId, email: r.invoiceEmail }
      : null,
  'OrderItem.unitPrice': (r) => decimal(Number(r.unitPriceMinor)),
  'OrderItem.lineTotal': (r) => decimal(Number(r.unitPriceMinor) * Number(r.quantity)),
  'PaymentMethod.maskedNumber': (r) => `•••• ${last4(String(r.numberLast4))}`,
  'SupportTicket.messages': (r, c) => many(c, 'messages', r.id),
  'GiftAddress.senderFirstName': (r) => String(r.senderName).trim().split(/\s+/)[0] ?? '',
  'PushRegistration.fcmTokenMasked': (r) => (r.fcmTokenTail ? `••••••${String(r.fcmTokenTail).slice(-6)}` : null),
  'PushNotification.registration': (r, c) => (r.registrationId === null ? null : one(c, 'registrations', r.registrationId)),
  'CarouselSubscription.categories': (r) => JSON.parse(String(r.categories)),
  'RecommendationProfile.topStyles': (r, c) => (many(c, 'weights', r.id) as Row[]).filter((w) => w.facet === 'STYLE'),
  'RecommendationProfile.topTags': (r, c) => (many(c, 'weights', r.id) as Row[]).filter((w) => w.facet === 'TAG'),
  'ThemePurchase.price': (r) => decimal(Number(r.priceMinor), r.currency === 'JPY' ? 0 : 2),
  'ThemePurchase.maskedCard': (r) => (r.cardLast4 === null ? null : last4(String(r.cardLast4)).length === 4 ? `•••• ${last4(String(r.cardLast4))}` : '••••'),
};

/**
 * Kinds the gateway answers from stores of its own (a person's privacy requests, server pushes, portability grants and language preference in gateway.db, the corrections
 * history merged from every domain's correction_history): the floor counts the person's rows where they are kept and
 * answers an empty list, and refuses to measure a person who has any (their shaping is the gateway's, not a row's).
 */
const GATEWAY_KINDS: Record<string, { file: 'gateway' | 'domains'; table: string }> = {
  'privacyRequests.requests': { file: 'gateway', table: 'privacy_request' },
  'serverPushes.pushes': { file: 'gateway', table: 'server_push' },
  'portability.grants': { file: 'gateway', table: 'portability_grant' },
  'preferences.records': { file: 'gateway', table: 'person_preference' },
  'corrections.history': { file: 'domains', table: 'correction_history' },
};

/** Which restriction a record shows when several apply (the kit's order: the strongest ground first). */
const GROUND_PRIORITY: Record<string, number> = { LEGAL_HOLD: 0, CONTESTED_ACCURACY: 1, OBJECTION: 2, PERSON_REQUEST: 3 };

interface KindRead {
  domain: string;
  field: string;
  shape: Shaper;
  rows: Database.Statement;
}

interface GatewayKindRead {
  domain: string;
  field: string;
  counts: Database.Statement[];
}

interface DomainRead {
  db: Database.Database;
  carried: [string, CarriedSpec, Database.Statement][];
  restrictions: Database.Statement | null;
}

/** Aliases every column of `sql`'s result to the camelCase name the stores' Kysely gives it, so rows are keyed as the subgraphs see them. */
function camelStatement(db: Database.Database, sql: string): Database.Statement {
  const cols = db.prepare(sql).columns().map((c) => `"${c.name}" as "${sqlNames.toCamel(c.name)}"`);
  return db.prepare(`select ${cols.join(', ')} from (${sql})`);
}

interface ReadState {
  carried: Carried;
  restrictionOf(kind: string, record: unknown): RestrictionView | null;
}
type Shaper = (row: Row, s: ReadState) => Row;
type Converter = (v: unknown, s: ReadState) => unknown;
interface ShapeFacts {
  metaOf: Map<string, { kind: string; of: ReturnType<typeof recordMetaFactory> }>;
}

/**
 * A record's shape, worked out once from the plan's selection (not per record): for each selected field, where
 * its value comes from (its column, the record id, the metadata, a derivation) and how it is written (its type).
 */
function compileObject(type: GraphQLObjectType, selection: SelectionSetNode, facts: ShapeFacts): Shaper {
  const meta = facts.metaOf.get(type.name);
  const fields: { name: string; get: (row: Row, s: ReadState) => unknown; write: Converter }[] = [];
  for (const node of selection.selections) {
    if (node.kind !== Kind.FIELD) throw new Error(`floor: ${type.name}: only plain fields are planned`);
    const name = node.name.value;
    if (name === '__typename') {
      fields.push({ name, get: () => type.name, write: (v) => v });
      continue;
    }
    const field = type.getFields()[name];
    if (!field) throw new Error(`floor: ${type.name} has no field ${name}`);
    const derived = DERIVED[`${type.name}.${name}`];
    let get: (row: Row, s: ReadState) => unknown;
    if (derived) get = (r, s) => derived(r, s.carried);
    else if (meta && name === 'id') {
      const prefix = `${meta.kind}:`;
      get = (r) => prefix + String(r.id);
    } else if (meta && name === 'meta') get = (r, s) => meta.of(r as Parameters<typeof meta.of>[0], s.restrictionOf(meta.kind, r.id));
    else
      get = (r) => {
        const v = r[name];
        if (v === undefined) throw new Error(`floor: no column or derivation for ${type.name}.${name}`);
        return v;
      };
    fields.push({ name, get, write: compileValue(field.type, node.selectionSet, facts) });
  }
  return (row, s) => {
    const out: Row = {};
    for (const f of fields) out[f.name] = f.write(f.get(row, s), s);
    return out;
  };
}

/** How a value of type `t` is written: lists element by element, objects by their selection, scalars as GraphQL serialises them. */
function compileValue(t: GraphQLOutputType, selection: SelectionSetNode | undefined, facts: ShapeFacts): Converter {
  const inner = isNonNullType(t) ? t.ofType : t;
  if (isListType(inner)) {
    const each = compileValue(inner.ofType, selection, facts);
    return (v, s) => (v === null || v === undefined ? null : (v as unknown[]).map((x) => each(x, s)));
  }
  const named = getNamedType(t);
  if (isObjectType(named) && selection) {
    const object = compileObject(named, selection, facts);
    return (v, s) => (v === null || v === undefined ? null : object(v as Row, s));
  }
  // SQLite keeps booleans as 0/1 and may hand a bigint column back as a string.
  if (isScalarType(named) && named.name === 'Boolean') return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v === 1 : v);
  if (isScalarType(named) && (named.name === 'Int' || named.name === 'Float')) return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v));
  if (isScalarType(named) || isEnumType(named)) return (v) => v ?? null;
  throw new Error(`floor: cannot shape a ${named.name}`);
}

export interface FootprintFloor {
  /** The whole answer, `{ <domain>: { <field>: [records] } }` in plan order, serialised; and how many records it holds. */
  read(person: string): { json: string; records: number };
  close(): void;
}

/**
 * Opens the SQLite files and prepares every statement once (as the subgraphs do when they start); `read` is
 * the timed part: every statement run, the metadata attached, the answer shaped and serialised.
 */
export async function openFootprintFloor(dataDir: string, schema: GraphQLSchema, supergraphSdl: string, plan: FootprintPlan): Promise<FootprintFloor> {
  const kindMeta = new Map<string, KindMeta>(readKindMeta(parse(supergraphSdl)).map((k) => [k.typename, k]));
  const domains = new Map<string, DomainRead>();
  const kinds: (KindRead | GatewayKindRead)[] = [];
  // Every record type, nested ones too (a location's device), is shaped with its own kind's id and metadata.
  const metaOf = new Map([...kindMeta].map(([typename, meta]) => [typename, { kind: meta.kind, of: recordMetaFactory(meta, meta.kind.split('.')[0]!) }]));
  const shapes = { metaOf };
  const opened: Database.Database[] = [];
  const open = (name: string) => {
    const db = new Database(join(dataDir, `${name}.db`), { readonly: true, fileMustExist: true });
    opened.push(db);
    return db;
  };
  const hasTable = (db: Database.Database, table: string) => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
  try {
    const subgraphKinds = plan.kinds.filter((k) => !GATEWAY_KINDS[`${k.domain}.${k.field}`]);
    for (const k of subgraphKinds) {
      let d = domains.get(k.domain);
      if (!d) {
        const db = open(k.domain);
        d = {
          db,
          carried: Object.entries(CARRIED[k.domain] ?? {}).map(([name, spec]) => [name, spec, camelStatement(db, spec.sql)]),
          restrictions: hasTable(db, 'processing_restriction')
            ? camelStatement(db, 'select kind, record_number, ground, reason, since, until from processing_restriction where person_id = ? and lifted_at is null')
            : null,
        };
        domains.set(k.domain, d);
      }
    }
    for (const k of plan.kinds) {
      const gatewayKind = GATEWAY_KINDS[`${k.domain}.${k.field}`];
      if (gatewayKind) {
        const dbs = gatewayKind.file === 'gateway' ? [open('gateway')] : [...domains.values()].map((d) => d.db);
        const counts = dbs.filter((db) => hasTable(db, gatewayKind.table)).map((db) => db.prepare(`select count(*) as n from "${gatewayKind.table}" where person_id = ?`));
        kinds.push({ domain: k.domain, field: k.field, counts });
        continue;
      }
      const d = domains.get(k.domain)!;
      // The table that holds a record type, from the domain's own table declaration (record type → table).
      const mod = (await import(`@footprint/subgraph-${k.domain}/store`)) as { tables?: { kinds?: Record<string, string> } };
      const table = mod.tables?.kinds?.[k.typename];
      if (!table) throw new Error(`floor: the ${k.domain} store declares no table for ${k.typename}`);
      const type = schema.getType(k.typename);
      if (!isObjectType(type)) throw new Error(`floor: ${k.typename} is not an object type`);
      const meta = kindMeta.get(k.typename);
      if (!meta) throw new Error(`floor: ${k.typename} has no @personalData in the supergraph`);
      const selection = parse(`{ ${k.selection} }`).definitions[0];
      if (selection?.kind !== Kind.OPERATION_DEFINITION) throw new Error('floor: the plan selection did not parse');
      kinds.push({ domain: k.domain, field: k.field, shape: compileObject(type, selection.selectionSet, shapes), rows: camelStatement(d.db, `select * from "${sqlNames.toSnake(table)}" where person_id = ? order by id`) });
    }
  } catch (err) {
    for (const db of opened) db.close();
    throw err;
  }

  const read = (person: string) => {
    const now = new Date().toISOString();
    const carried: Carried = new Map();
    const restrictions = new Map<string, Row[]>();
    for (const d of domains.values()) {
      for (const [name, spec, stmt] of d.carried) {
        const by = new Map<unknown, unknown>();
        for (const row of stmt.all({ person }) as Row[]) {
          const key = row[spec.key];
          if (!spec.many) by.set(key, row);
          else {
            const list = by.get(key) as Row[] | undefined;
            if (list) list.push(row);
            else by.set(key, [row]);
          }
        }
        carried.set(name, by);
      }
      for (const r of (d.restrictions?.all(person) ?? []) as Row[]) {
        if (r.until !== null && String(r.until) <= now) continue;
        const list = restrictions.get(String(r.kind));
        if (list) list.push(r);
        else restrictions.set(String(r.kind), [r]);
      }
    }
    const restrictionOf = (kind: string, record: unknown): RestrictionView | null => {
      const held = restrictions.get(kind);
      if (!held) return null;
      const list = held.filter((r) => r.recordNumber === null || r.recordNumber === record);
      const r = list.sort((a, b) => (GROUND_PRIORITY[String(a.ground)] ?? 9) - (GROUND_PRIORITY[String(b.ground)] ?? 9))[0];
      return r ? { since: String(r.since), reason: String(r.reason), until: r.until === null ? null : String(r.until), ground: String(r.ground) } : null;
    };

    const state: ReadState = { carried, restrictionOf };

    let records = 0;
    const answer = byKind(kinds, (k) => {
      if (!('rows' in k)) {
        const held = k.counts.reduce((n, c) => n + Number((c.get(person) as { n: number }).n), 0);
        if (held) throw new Error(`floor: the person has ${held} ${k.domain}.${k.field} records, which the gateway shapes from its own stores; the floor answers only people without any`);
        return [];
      }
      const rows = k.rows.all(person) as Row[];
      records += rows.length;
      return rows.map((r) => k.shape(r, state));
    });
    return { json: JSON.stringify(answer), records };
  };
  return {
    read,
    close: () => {
      for (const db of opened) db.close();
    },
  };
}

/** `{ <domain>: { <field>: records } }` in plan order: the shape both sides of the comparison are written in. */
export function byKind<K extends { domain: string; field: string }, T>(kinds: readonly K[], recordsOf: (k: K) => T[]): Record<string, Record<string, T[]>> {
  const answer: Record<string, Record<string, T[]>> = {};
  for (const k of kinds) {
    const domain = answer[k.domain] ?? {};
    domain[k.field] = recordsOf(k);
    answer[k.domain] = domain;
  }
  return answer;
}

/** The first place two answers differ (`<domain>.<field>[i]` and both records, cut short), or null when they are the same. */
export function firstDifference(a: string, b: string): string | null {
  if (a === b) return null;
  const x = JSON.parse(a) as Record<string, Record<string, unknown[]>>;
  const y = JSON.parse(b) as Record<string, Record<string, unknown[]>>;
  for (const d of new Set([...Object.keys(x), ...Object.keys(y)])) {
    for (const f of new Set([...Object.keys(x[d] ?? {}), ...Object.keys(y[d] ?? {})])) {
      const xs = x[d]?.[f] ?? [];
      const ys = y[d]?.[f] ?? [];
      for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
        const p = JSON.stringify(xs[i] ?? null);
        const q = JSON.stringify(ys[i] ?? null);
        if (p !== q) return `${d}.${f}[${i}] of ${xs.length}/${ys.length}: ${p.slice(0, 400)} ≠ ${q.slice(0, 400)}`;
      }
    }
  }
  return 'the same records, in another key order';
}
