import { createAccount, createVCard, fetchAddressBooks, propfind, updateVCard, type DAVAccount, type DAVAddressBook } from 'tsdav';
import { describeNetworkError } from '@footprint/kit/network-error.js';
import { guardedFetch, ResponseTooLarge, TargetRefused, type TargetPolicy } from './target.js';

/**
 * The CardDAV side of a push (RFC 6352), over tsdav: finding the address book
 * (the URL given, when it is one; else current-user-principal →
 * addressbook-home-set → an address book, created when the person named one
 * that is missing or has none), uploading a card under a stable name with
 * If-None-Match / If-Match, and reading it back. Every request goes through
 * the guarded fetch (target.ts) with the app password in its Authorization
 * header only; no error message here ever quotes a header.
 */

/** Why a push stops; the code is what the API shows (ServerPushError.code). */
export type PushErrorCode = 'REMOTE_UNAUTHORIZED' | 'REMOTE_UNREACHABLE' | 'NOT_CARDDAV' | 'NO_ADDRESS_BOOK' | 'REMOTE_REFUSED' | 'TARGET_REFUSED';

export class CardDavError extends Error {
  override name = 'CardDavError';
  constructor(
    readonly code: PushErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AddressBook {
  url: string;
  displayName: string;
}

export interface CardDavOptions {
  serverUrl: URL;
  username: string;
  password: string;
  policy: TargetPolicy;
  timeoutMs: number;
  signal: AbortSignal;
}

/** A card as the server holds it. */
export interface RemoteCard {
  status: number;
  text: string;
  etag: string | null;
}

const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

export class CardDavClient {
  private readonly fetch: typeof globalThis.fetch;
  private readonly closeAgent: () => Promise<void>;
  private readonly headers: Record<string, string>;
  private readonly host: string;
  /** What the server last said or did, to name why tsdav gave up (it throws plain Errors). */
  private seen = { unauthorized: false, networkError: null as string | null, tooLarge: null as string | null, refused: null as string | null };

  constructor(private readonly o: CardDavOptions) {
    const g = guardedFetch(o.policy, { timeoutMs: o.timeoutMs, signal: o.signal });
    this.closeAgent = g.close;
    this.fetch = async (input, init) => {
      try {
        const res = await g.fetch(input, init);
        if (res.status === 401) this.seen.unauthorized = true;
        return res;
      } catch (err) {
        if (err instanceof ResponseTooLarge) this.seen.tooLarge = err.message;
        else if (err instanceof TargetRefused) this.seen.refused = `The server pointed to a place data may not be sent to: ${err.message}`;
        else if (!o.signal.aborted) this.seen.networkError = describeNetworkError(err);
        throw err;
      }
    };
    // RFC 7617 with UTF-8: a password outside Latin-1 is sent as its UTF-8 bytes.
    this.headers = { authorization: `Basic ${Buffer.from(`${o.username}:${o.password}`, 'utf8').toString('base64')}` };
    this.host = o.serverUrl.host;
  }

  close(): Promise<void> {
    return this.closeAgent();
  }

  /** The error of a failed step, from what the server did (never from tsdav's message, which may quote a URL with anything in it). */
  private failure(what: string): CardDavError {
    if (this.seen.unauthorized) return new CardDavError('REMOTE_UNAUTHORIZED', `The server at ${this.host} refused the user name or app password (401 Unauthorized)`);
    if (this.seen.refused) return new CardDavError('TARGET_REFUSED', this.seen.refused);
    if (this.seen.tooLarge) return new CardDavError('REMOTE_REFUSED', this.seen.tooLarge);
    if (this.seen.networkError) return new CardDavError('REMOTE_UNREACHABLE', `The server at ${this.host} could not be reached (${this.seen.networkError})`);
    return new CardDavError('NOT_CARDDAV', `No CardDAV service was found at ${this.o.serverUrl.href}: ${what}`);
  }

  private async step<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.seen = { unauthorized: false, networkError: null, tooLarge: null, refused: null };
    try {
      return await fn();
    } catch (err) {
      if (this.o.signal.aborted) throw err;
      if (err instanceof CardDavError) throw err;
      throw this.failure(what);
    }
  }

  /** Whether `url` is itself an address book collection (PROPFIND Depth 0). */
  private async isAddressBook(url: string): Promise<boolean> {
    const [res] = await propfind({ url, props: { 'd:resourcetype': {}, 'd:displayname': {} }, depth: '0', headers: this.headers, fetch: this.fetch });
    if (res?.status === 401) throw this.failure('');
    return Boolean(res?.ok && Object.keys(res.props?.resourcetype ?? {}).includes('addressbook'));
  }

  /** Finds (or creates) the address book the cards go to. */
  async addressBook(name: string | null): Promise<AddressBook> {
    const given = this.o.serverUrl.href;
    if (await this.step('the URL did not answer PROPFIND', () => this.isAddressBook(given))) return { url: slash(given), displayName: name ?? given };
    const account: DAVAccount = await this.step('no current-user-principal and addressbook-home-set were found (RFC 6352 §7)', () =>
      createAccount({ account: { accountType: 'carddav', serverUrl: given }, headers: this.headers, fetch: this.fetch }),
    );
    const home = account.homeUrl;
    if (!home) throw this.failure('no addressbook-home-set');
    const books: DAVAddressBook[] = await this.step('the address book home could not be listed', () => fetchAddressBooks({ account, headers: this.headers, fetch: this.fetch }));
    const display = (b: DAVAddressBook) => (typeof b.displayName === 'string' && b.displayName ? b.displayName : decodeURIComponent(new URL(b.url).pathname.split('/').filter(Boolean).at(-1) ?? ''));
    if (name) {
      const wanted = name.trim();
      const found = books.find((b) => display(b) === wanted || slash(b.url) === slash(new URL(wanted, home).href));
      if (found) return { url: slash(found.url), displayName: display(found) };
      return this.create(home, wanted);
    }
    const first = books[0];
    return first ? { url: slash(first.url), displayName: display(first) } : this.create(home, 'Footprint');
  }

  /** Creates an address book in the home set (extended MKCOL, RFC 5689 / RFC 6352 §6.3.1). */
  private async create(home: string, displayName: string): Promise<AddressBook> {
    const segment = encodeURIComponent(displayName.normalize('NFC').toLowerCase().replace(/[\s/\\]+/g, '-')).slice(0, 120) || 'footprint';
    const url = new URL(`${segment}/`, slash(home)).href;
    const escaped = displayName.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const body = `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype><D:displayname>${escaped}</D:displayname></D:prop></D:set></D:mkcol>`;
    const res = await this.step('the address book could not be created', () => this.fetch(url, { method: 'MKCOL', headers: { ...this.headers, 'content-type': 'application/xml; charset=utf-8' }, body }));
    if (res.status === 401) throw this.failure('');
    if (res.status !== 201) throw new CardDavError('NO_ADDRESS_BOOK', `The server at ${this.host} has no address book "${displayName}" and did not create one (MKCOL answered ${res.status} ${res.statusText})`);
    return { url, displayName };
  }

  cardUrl(book: AddressBook, name: string): string {
    return new URL(name, slash(book.url)).href;
  }

  /** PUT a new card (If-None-Match: *), or replace the one with `etag` (If-Match). Returns the status and the new ETag if any. */
  async put(book: AddressBook, name: string, vcard: string, etag: string | null): Promise<{ status: number; etag: string | null }> {
    const res = await this.step('the card could not be uploaded', () =>
      etag
        ? updateVCard({ vCard: { url: this.cardUrl(book, name), data: vcard, etag }, headers: this.headers, fetch: this.fetch })
        : createVCard({ addressBook: { url: book.url }, vCardString: vcard, filename: name, headers: this.headers, fetch: this.fetch }),
    );
    if (res.status === 401) throw this.failure('');
    return { status: res.status, etag: res.headers.get('etag') };
  }

  /** GET one card. */
  async get(book: AddressBook, name: string): Promise<RemoteCard> {
    const res = await this.step('the card could not be read back', () => this.fetch(this.cardUrl(book, name), { method: 'GET', headers: { ...this.headers, accept: 'text/vcard' } }));
    if (res.status === 401) throw this.failure('');
    return { status: res.status, text: res.ok ? await res.text() : '', etag: res.headers.get('etag') };
  }
}
