import { CREDENTIAL_TTL_SECONDS, signCredential, type InternalCredential } from '@footprint/kit/credential.js';

/** Re-sign this long before a cached credential expires, so it never expires on its way to the domain. */
const RESIGN_MARGIN_MS = 15_000;

interface Signed {
  token: Promise<string>;
  expiresAt: number;
}

/**
 * Signs the internal credential once per request rather than once per
 * subgraph call (a footprint request makes a dozen calls; signing each was a
 * large share of the gateway's CPU). Tokens are cached on the request object
 * (a WeakMap, so they go with it) per claim set — actor, person, scopes,
 * request id — and re-signed when the cached one is near its expiry (a request
 * can outlive a 60 s credential: an export page, a long erasure).
 */
export class CredentialSigner {
  private readonly byRequest = new WeakMap<object, Map<string, Signed>>();

  constructor(
    private readonly secret: string,
    private readonly ttlSeconds = CREDENTIAL_TTL_SECONDS,
    private readonly now: () => number = Date.now,
    /** The signing itself (a test counts it). */
    private readonly signWith: typeof signCredential = signCredential,
  ) {}

  /** The signed credential for `c`; reused within `request` (when given) until it nears its expiry. */
  sign(c: InternalCredential, request?: object): Promise<string> {
    if (!request) return this.fresh(c).token;
    let cache = this.byRequest.get(request);
    if (!cache) {
      cache = new Map();
      this.byRequest.set(request, cache);
    }
    const key = JSON.stringify([c.actor, c.actorType, c.person, c.scopes, c.requestId]);
    const hit = cache.get(key);
    if (hit && this.now() < hit.expiresAt - RESIGN_MARGIN_MS) return hit.token;
    const signed = this.fresh(c);
    cache.set(key, signed);
    // A failed signing (it should not fail) must not be served to the request's next call.
    signed.token.catch(() => cache.delete(key));
    return signed.token;
  }

  private fresh(c: InternalCredential): Signed {
    // exp is whole seconds after iat, which jose takes from the same clock; floor it so the cache never outlives the token.
    const expiresAt = (Math.floor(this.now() / 1000) + this.ttlSeconds) * 1000;
    return { token: this.signWith(c, this.secret, this.ttlSeconds), expiresAt };
  }
}
