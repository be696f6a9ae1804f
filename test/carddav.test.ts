import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGatewayStore } from '@footprint/gateway/auth/audit';
import { freePort, launchFederation, serviceLogs, type Federation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { isolateStores, TEST_ENGINE } from './support/engine.js';
import { download, readZip, requestExport, waitForJob } from './support/exports.js';
import { startRadicale, type Radicale } from './support/radicale.js';
import { requires } from './support/requires.js';

/**
 * Pushing a person's contacts to a real CardDAV server (Radicale, started here
 * as its own process): every card arrives as the archive's vCard says, names
 * with ə ğ ı ö ş ü ç intact; a wrong password, a server that goes away
 * mid-push (then resumed with the password: every card there once), a cancel,
 * URLs that are refused or lead nowhere; nobody else sees the push; and the
 * app password is nowhere afterwards — not in the gateway's store, its logs,
 * the audit log or the archive. A federation of its own (fresh stores), with
 * the heavy person seeded small: 20 contacts.
 */

const radicale = await requires('radicale');

const PERSON = '10000099';
const OTHER = '10000001';
const USER = 'gulchohre';
// Unique to this run, so finding it anywhere means this test leaked it.
const PASSWORD = `app-pw-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const WRONG = `wrong-pw-${Math.random().toString(36).slice(2)}`;
const LETTERS = ['ə', 'ğ', 'ı', 'ö', 'ş', 'ü', 'ç'];

const PUSH_FIELDS = `id state protocol kinds recipientHost serverUrl username addressBookUrl runs resumable createdAt startedAt finishedAt
  progress { cardsTotal cardsSent cardsVerified cardsSkipped cardsFailed } error { code message } failedCards { recordId uid message }
  meta { kind domain legalBasis erasure { action } }`;

interface PushView {
  id: string;
  state: string;
  recipientHost: string;
  username: string;
  addressBookUrl: string | null;
  runs: number;
  resumable: boolean;
  progress: { cardsTotal: number | null; cardsSent: number; cardsVerified: number; cardsSkipped: number; cardsFailed: number };
  error: { code: string; message: string } | null;
  failedCards: { recordId: string; uid: string | null; message: string }[];
  meta: { kind: string; domain: string };
}

let dataDir: string;
let federation: Federation;
let url: string;
let server: Radicale;
let me: Record<string, string>;
let dropStores: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (radicale.skip) return;
  dataDir = mkdtempSync(join(tmpdir(), 'footprint-carddav-'));
  dropStores = await isolateStores('carddav');
  await seedAll({ dataDir, heavy: true, heavyScale: 40 });
  federation = await launchFederation({ dataDir, stdio: 'ignore', env: { LOG_LEVEL: 'info', FOOTPRINT_PUSH_TIMEOUT_MS: '5000' } });
  url = federation.gatewayUrl;
  me = bearer(await subjectToken(PERSON));
  server = await startRadicale({ [USER]: PASSWORD });
}, 240_000);

afterAll(async () => {
  await federation?.stop();
  await server?.close();
  await dropStores();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function transfer(input: Record<string, unknown>, headers = me) {
  return gql<{ transferContacts: PushView }>(url, `mutation T($input: ContactTransferInput!) { transferContacts(input: $input) { ${PUSH_FIELDS} } }`, { input }, headers);
}

async function getPush(id: string, headers = me): Promise<PushView | null> {
  const res = await gql<{ serverPush: PushView | null }>(url, `query P($id: ID!) { serverPush(pushId: $id) { ${PUSH_FIELDS} } }`, { id }, headers);
  if (res.errors?.length) throw new Error(`serverPush failed: ${res.errors[0]!.message}`);
  return res.data!.serverPush;
}

async function finished(id: string, timeoutMs = 90_000): Promise<PushView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await getPush(id);
    if (p && !['QUEUED', 'RUNNING'].includes(p.state)) return p;
    if (Date.now() > deadline) throw new Error(`push ${id} still ${p?.state} after ${timeoutMs} ms: ${JSON.stringify(p?.progress)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function started(input: Record<string, unknown>): Promise<PushView> {
  const res = await transfer(input);
  expect(res.errors).toBeUndefined();
  return res.data!.transferContacts;
}

const unescapeXml = (s: string) =>
  s.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(Number.parseInt(n, 16))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Every card of an address book, read by an independent client: one plain REPORT (addressbook-query, RFC 6352 §8.6) with Basic auth. */
async function readBook(bookUrl: string): Promise<{ href: string; text: string }[]> {
  const res = await fetch(bookUrl, {
    method: 'REPORT',
    headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`, depth: '1', 'content-type': 'application/xml; charset=utf-8' },
    body: '<?xml version="1.0" encoding="utf-8"?><C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop></C:addressbook-query>',
  });
  expect(res.status).toBe(207);
  const xml = await res.text();
  const out: { href: string; text: string }[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?response>([\s\S]*?)<\/(?:\w+:)?response>/g)) {
    const href = /<(?:\w+:)?href>([^<]*)<\/(?:\w+:)?href>/.exec(m[1]!)?.[1];
    const data = /<(?:\w+:)?address-data[^>]*>([\s\S]*?)<\/(?:\w+:)?address-data>/.exec(m[1]!)?.[1];
    if (href && data) out.push({ href, text: unescapeXml(data) });
  }
  return out;
}

/** A vCard as ical.js (RFC 6350) reads it: its UID and its properties as comparable strings, server-added PRODID left out. */
function card(text: string): { uid: string; fn: string; n: string; props: string[] } {
  const c = new ICAL.Component(ICAL.parse(text) as ConstructorParameters<typeof ICAL.Component>[0]);
  const props = c
    .getAllProperties()
    .filter((p) => p.name !== 'prodid')
    .map((p) => {
      const [name, params, type, ...values] = p.toJSON() as [string, Record<string, unknown>, string, ...unknown[]];
      const ps = Object.entries(params).map(([k, v]) => `${k.toLowerCase()}=${String(v).toLowerCase()}`).sort();
      return JSON.stringify([name, ps, type, values.map(String)]);
    })
    .sort();
  return { uid: String(c.getFirstPropertyValue('uid')), fn: String(c.getFirstPropertyValue('fn')), n: JSON.stringify(c.getFirstPropertyValue('n')), props };
}

/** The gateway.server_push records of an archive (its JSON file of that kind). */
function pushRecords(zip: Map<string, Buffer>): { id: string; recipientHost: string; state: string; username: string }[] {
  const file = [...zip.keys()].find((k) => k.endsWith('server_push.json'));
  expect(file, 'the archive has a file of gateway.server_push').toBeDefined();
  return (JSON.parse(zip.get(file!)!.toString('utf8')) as { records: { id: string; recipientHost: string; state: string; username: string }[] }).records;
}

let archiveCards: Map<string, ReturnType<typeof card>>;
let firstPush: PushView;

describe.skipIf(radicale.skip)('contacts pushed to a CardDAV server (Radicale)', () => {
  it('sends every contact as the archive writes it; each card read back by another client equals the archive’s, ə ğ ı ö ş ü ç intact', async () => {
    const push = await started({ serverUrl: server.url, username: USER, appPassword: PASSWORD });
    expect(push.state).toBe('RUNNING');
    expect(push.recipientHost).toBe(`127.0.0.1:${server.port}`);
    const done = await finished(push.id);
    expect(done.error).toBeNull();
    expect(done.state).toBe('SUCCEEDED');
    expect(done.progress.cardsTotal).toBe(20);
    expect(done.progress).toMatchObject({ cardsSent: 20, cardsVerified: 20, cardsSkipped: 0, cardsFailed: 0 });
    expect(done.meta).toMatchObject({ kind: 'gateway.server_push', domain: 'gateway' });
    // No address book was named and the account had none: one named Footprint was created in the home set.
    expect(done.addressBookUrl).toBe(`${server.url}${USER}/footprint/`);
    firstPush = done;

    // The archive of the same person: its cloud/contact.vcf is what the cards must say.
    const job = await requestExport(url, me);
    expect(job.errors).toBeUndefined();
    const exported = await waitForJob(url, me, job.data!.requestExport.id);
    expect(exported.state).toBe('SUCCEEDED');
    const zipFile = join(dataDir, 'carddav-export.zip');
    expect((await download(exported.archive!.url, me, zipFile)).status).toBe(200);
    const zip = await readZip(zipFile);
    const vcf = zip.get('cloud/contact.vcf')!.toString('utf8');
    archiveCards = new Map(vcf.split(/(?=BEGIN:VCARD\r\n)/).map((t) => card(t)).map((c) => [c.uid, c]));
    expect(archiveCards.size).toBe(20);

    const remote = await readBook(done.addressBookUrl!);
    expect(remote).toHaveLength(20);
    for (const r of remote) {
      const got = card(r.text);
      const want = archiveCards.get(got.uid);
      expect(want, `a card on the server with UID ${got.uid} that the archive does not hold`).toBeDefined();
      expect(got.props).toEqual(want!.props);
      // Named by its UID: the same card always lands under the same name.
      expect(r.href).toBe(`/${USER}/footprint/${got.uid.replace(/^urn:uuid:/, '')}.vcf`);
    }
    // The first contact's name holds every Azerbaijani letter outside ASCII; the server kept it byte for byte.
    const full = remote.map((r) => card(r.text)).find((c) => c.fn === 'Gülçöhrə Bağırova');
    expect(full, 'the contact named Gülçöhrə Bağırova on the server').toBeDefined();
    expect(JSON.parse(full!.n)).toEqual(['Bağırova', 'Gülçöhrə', 'Elşən qızı', '', '']);
    for (const letter of LETTERS) expect(`${full!.fn} ${full!.n}`).toContain(letter);

    // The archive, asked after the push, holds it as a record of who received the person's data.
    const pushes = pushRecords(zip);
    expect(pushes.find((p) => p.id === done.id)).toMatchObject({ recipientHost: `127.0.0.1:${server.port}`, state: 'SUCCEEDED', username: USER });
  }, 180_000);

  it('appears in the person’s footprint (who received my data) and in their next archive, without the password', async () => {
    const res = await gql<{ me: { serverPushes: { pushes: { totalCount: number; nodes: PushView[] } } } }>(
      url,
      `{ me { serverPushes { pushes(first: 10) { totalCount nodes { ${PUSH_FIELDS} } } } } }`,
      {},
      me,
    );
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.me.serverPushes.pushes.nodes;
    expect(nodes.map((n) => n.id)).toContain(firstPush.id);
    const rec = nodes.find((n) => n.id === firstPush.id)!;
    expect(rec).toMatchObject({ recipientHost: `127.0.0.1:${server.port}`, username: USER, state: 'SUCCEEDED', meta: { kind: 'gateway.server_push' } });
    expect(JSON.stringify(res.data)).not.toContain(PASSWORD);
  });

  it('a wrong app password fails the push with REMOTE_UNAUTHORIZED; nothing is sent or counted as done', async () => {
    const push = await started({ serverUrl: server.url, username: USER, appPassword: WRONG, addressBook: 'Yanlış' });
    const done = await finished(push.id);
    expect(done.state).toBe('FAILED');
    expect(done.error?.code).toBe('REMOTE_UNAUTHORIZED');
    expect(done.error?.message).toContain('401');
    expect(done.error?.message).not.toContain(WRONG);
    expect(done.progress).toMatchObject({ cardsSent: 0, cardsVerified: 0 });
    expect(done.resumable).toBe(true);
  });

  it('a server that goes away mid-push fails it with what arrived; resumed with the password, every card is there once and verified cards are not sent again', async () => {
    const book = 'Kəsilmiş köçürmə';
    let created = 0;
    server.onLog = (line) => {
      // The fifth card stored: the server dies at once (SIGKILL), as a crashed host would.
      if (/PUT response status for '[^']*'.*: 201/.test(line) && ++created === 5) void server.stop('SIGKILL');
    };
    const push = await started({ serverUrl: server.url, username: USER, appPassword: PASSWORD, addressBook: book });
    const broken = await finished(push.id);
    server.onLog = null;
    expect(broken.state).toBe('FAILED');
    expect(broken.error?.code).toBe('REMOTE_UNREACHABLE');
    expect(broken.resumable).toBe(true);
    expect(broken.progress.cardsVerified).toBeGreaterThanOrEqual(3);
    expect(broken.progress.cardsVerified).toBeLessThan(20);
    expect(broken.error?.message).toContain(`${broken.progress.cardsVerified} of 20 cards`);

    // Resuming without the password is refused by the schema; with another person's token the push is not found.
    const other = await gql(url, 'mutation R($id: ID!) { resumeServerPush(pushId: $id, appPassword: "x") { id } }', { id: push.id }, bearer(await subjectToken(OTHER)));
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    await server.start();
    const resumed = await gql<{ resumeServerPush: PushView }>(url, `mutation R($id: ID!, $pw: String!) { resumeServerPush(pushId: $id, appPassword: $pw) { ${PUSH_FIELDS} } }`, { id: push.id, pw: PASSWORD }, me);
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data!.resumeServerPush.runs).toBe(2);
    const done = await finished(push.id);
    expect(done.error).toBeNull();
    expect(done.state).toBe('SUCCEEDED');
    expect(done.progress.cardsVerified).toBe(20);
    expect(done.progress.cardsSkipped).toBe(broken.progress.cardsVerified);
    // Sent over both runs: each card once (one killed in flight may have been stored without the push hearing so; it is found there, not sent again).
    expect(done.progress.cardsSent).toBeGreaterThanOrEqual(19);
    expect(done.progress.cardsSent).toBeLessThanOrEqual(20);

    // Every card there once, each equal to the archive's.
    const remote = await readBook(done.addressBookUrl!);
    expect(remote).toHaveLength(20);
    expect(new Set(remote.map((r) => card(r.text).uid)).size).toBe(20);
    for (const r of remote) expect(card(r.text).props).toEqual(archiveCards.get(card(r.text).uid)!.props);
    // Radicale's own log: no card of this book was stored twice (at most one 2xx PUT per card, over both runs).
    // Radicale logs paths decoded: the book's name is Azerbaijani.
    const path = decodeURIComponent(new URL(done.addressBookUrl!).pathname);
    expect(path).toBe(`/${USER}/kəsilmiş-köçürmə/`);
    const puts = [...server.puts()].filter(([p]) => p.startsWith(path));
    expect(puts.length).toBe(20);
    for (const [p, statuses] of puts) expect(statuses.filter((s) => s >= 200 && s < 300), p).toHaveLength(1);
  }, 180_000);

  it('cancel stops a running push: CANCELLED, nothing sent after it, what arrived counted', async () => {
    // Cancelled once three cards are stored, so it stops a push under way.
    let stored = 0;
    const third = new Promise<void>((resolve) => {
      server.onLog = (line) => {
        if (/PUT response status for '[^']*\/ləğv\/[^']*'.*: 201/.test(line) && ++stored === 3) resolve();
      };
    });
    const push = await started({ serverUrl: server.url, username: USER, appPassword: PASSWORD, addressBook: 'Ləğv' });
    await third;
    server.onLog = null;
    const res = await gql<{ cancelServerPush: PushView }>(url, `mutation C($id: ID!) { cancelServerPush(pushId: $id) { ${PUSH_FIELDS} } }`, { id: push.id }, me);
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelServerPush.state).toBe('CANCELLED');
    const putsAtCancel = [...server.puts()].filter(([p]) => p.includes('/ləğv/')).length;
    await new Promise((r) => setTimeout(r, 1500));
    const after = (await getPush(push.id))!;
    expect(after.state).toBe('CANCELLED');
    expect(after.resumable).toBe(true);
    const putsLater = [...server.puts()].filter(([p]) => p.includes('/ləğv/')).length;
    // At most the card already in flight when it was cancelled.
    expect(putsLater).toBeLessThanOrEqual(putsAtCancel + 1);
    expect(after.progress.cardsVerified).toBeGreaterThanOrEqual(2);
    expect(after.progress.cardsVerified).toBeLessThan(20);
    // What arrived is what it says arrived (the card in flight at the cancel, at most, beyond it).
    const there = (await readBook(after.addressBookUrl!)).length;
    expect(there).toBeGreaterThanOrEqual(after.progress.cardsVerified);
    expect(there).toBeLessThanOrEqual(after.progress.cardsVerified + 1);
    // A cancelled push is not cancelled twice.
    const again = await gql(url, 'mutation C($id: ID!) { cancelServerPush(pushId: $id) { id } }', { id: push.id }, me);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('a card whose name already holds a different card is not overwritten: that card fails by name, the rest arrive', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
    const bookUrl = `${server.url}${USER}/basqa/`;
    const mk = await fetch(bookUrl, {
      method: 'MKCOL',
      headers: { ...auth, 'content-type': 'application/xml; charset=utf-8' },
      body: '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype><D:displayname>Başqa</D:displayname></D:prop></D:set></D:mkcol>',
    });
    expect(mk.status).toBe(201);
    // Someone else's card under the name one of the person's contacts would take.
    const uid = [...archiveCards.keys()][3]!.replace(/^urn:uuid:/, '');
    const foreign = `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:${uid}\r\nFN:Başqa Adam\r\nN:Adam;Başqa;;;\r\nEND:VCARD\r\n`;
    expect((await fetch(`${bookUrl}${uid}.vcf`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/vcard; charset=utf-8' }, body: foreign })).status).toBe(201);

    const done = await finished((await started({ serverUrl: server.url, username: USER, appPassword: PASSWORD, addressBook: 'Başqa' })).id);
    expect(done.state).toBe('FAILED');
    expect(done.error?.code).toBe('CARDS_NOT_VERIFIED');
    expect(done.progress).toMatchObject({ cardsTotal: 20, cardsVerified: 19, cardsFailed: 1 });
    expect(done.failedCards).toEqual([{ recordId: expect.stringMatching(/^cloud\.contact:/), uid, message: expect.stringContaining('A different card with the UID') }]);
    const remote = await readBook(bookUrl);
    expect(remote).toHaveLength(20);
    expect(card(remote.find((r) => r.href.endsWith(`${uid}.vcf`))!.text).fn).toBe('Başqa Adam');
  });

  it('refuses a URL that is not http(s) or holds credentials, and names a server that cannot be reached or is not CardDAV', async () => {
    for (const [serverUrl, reason] of [
      ['ftp://127.0.0.1/', 'INVALID_URL'],
      ['not a url', 'INVALID_URL'],
      [`http://${USER}:x@127.0.0.1:${server.port}/`, 'INVALID_URL'],
      ['http://127.0.0.1:6000/', 'INVALID_URL'],
    ] as const) {
      const res = await transfer({ serverUrl, username: USER, appPassword: PASSWORD });
      expect(res.errors?.[0]?.extensions, serverUrl).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serverUrl', reason });
      expect(res.errors?.[0]?.message).not.toContain(PASSWORD);
    }
    const closed = await freePort();
    const unreachable = await finished((await started({ serverUrl: `http://127.0.0.1:${closed}/`, username: USER, appPassword: PASSWORD })).id);
    expect(unreachable.state).toBe('FAILED');
    expect(unreachable.error?.code).toBe('REMOTE_UNREACHABLE');
    // The gateway's own health route answers HTTP, but no WebDAV.
    const notDav = await finished((await started({ serverUrl: new URL('/health', url).href, username: USER, appPassword: PASSWORD })).id);
    expect(notDav.state).toBe('FAILED');
    expect(notDav.error?.code).toBe('NOT_CARDDAV');
  });

  it('only the person sees or acts on their push: another person finds nothing, an operator cannot start one', async () => {
    const otherPerson = bearer(await subjectToken(OTHER));
    expect(await getPush(firstPush.id, otherPerson)).toBeNull();
    const cancel = await gql(url, 'mutation C($id: ID!) { cancelServerPush(pushId: $id) { id } }', { id: firstPush.id }, otherPerson);
    expect(cancel.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const op = bearer(await operatorToken(['footprint:read', 'footprint:export']), { 'x-footprint-reason': 'DSAR ticket 27' });
    const res = await transfer({ serverUrl: server.url, username: USER, appPassword: PASSWORD }, op);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The footprint of the other person holds no push of this one.
    const theirs = await gql<{ me: { serverPushes: { pushes: { totalCount: number } } } }>(url, '{ me { serverPushes { pushes { totalCount } } } }', {}, otherPerson);
    expect(theirs.data?.me.serverPushes.pushes.totalCount).toBe(0);
  });

  it('every push is audited from its start to its end (success, failure, cancel); an operator’s attempt too', async () => {
    const store = openGatewayStore(dataDir);
    try {
      const rows = await store.db.selectFrom('auditLog').select(['actor', 'actorType', 'person', 'operation', 'outcome', 'reason']).where('operation', 'like', 'push %').orderBy('id').execute();
      const of = (id: string) => rows.filter((r) => r.operation.endsWith(`[${id}]`)).map((r) => r.outcome);
      expect(of(firstPush.id)).toEqual(['started', 'succeeded: 20 of 20 cards verified (20 sent)']);
      expect(rows.every((r) => r.actor === PERSON && r.actorType === 'subject' && r.person === PERSON && r.operation.startsWith('push cloud.contact to '))).toBe(true);
      expect(rows.some((r) => r.outcome.startsWith('failed: REMOTE_UNAUTHORIZED'))).toBe(true);
      expect(rows.some((r) => r.outcome.startsWith('failed: REMOTE_UNREACHABLE'))).toBe(true);
      expect(rows.some((r) => r.outcome.startsWith('resumed (run 2)'))).toBe(true);
      expect(rows.some((r) => r.outcome.startsWith('cancelled: '))).toBe(true);
      const refused = await store.db.selectFrom('auditLog').select(['outcome', 'reason']).where('operation', '=', 'mutation transferContacts').execute();
      expect(refused).toEqual([{ outcome: expect.stringMatching(/^refused: Only the person/), reason: 'DSAR ticket 27' }]);
    } finally {
      await store.close();
    }
  });

  it('the app password is nowhere afterwards: not in the gateway store, the audit log, the services’ logs or the archive', async () => {
    const job = await requestExport(url, me);
    const exported = await waitForJob(url, me, job.data!.requestExport.id);
    expect(exported.state).toBe('SUCCEEDED');
    const zipFile = join(dataDir, 'carddav-export-2.zip');
    await download(exported.archive!.url, me, zipFile);
    const zip = await readZip(zipFile);
    const records = pushRecords(zip);
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.map((r) => r.recipientHost)).toContain(`127.0.0.1:${server.port}`);
    for (const [name, bytes] of zip) for (const pw of [PASSWORD, WRONG]) expect(bytes.includes(pw), `${pw} in ${name}`).toBe(false);

    const logs = serviceLogs();
    expect(logs.length).toBeGreaterThan(0);
    for (const pw of [PASSWORD, WRONG]) expect(logs.includes(pw)).toBe(false);
    if (TEST_ENGINE === 'sqlite') {
      for (const file of ['gateway.db', 'gateway.db-wal']) {
        const path = join(dataDir, file);
        if (!existsSync(path)) continue;
        const bytes = readFileSync(path);
        for (const pw of [PASSWORD, WRONG]) expect(bytes.includes(pw), `${pw} in ${file}`).toBe(false);
        expect(bytes.includes(`push cloud.contact to 127.0.0.1:${server.port}`), `the audit log in ${file} records the pushes`).toBe(true);
      }
    }
  }, 120_000);
});
