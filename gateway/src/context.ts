import type { Logger, RequestLifetime } from '@footprint/kit';
import type { Principal } from './auth/principal.js';

/** Per-request context of the gateway; `person` is set once the operation is authorised. */
export interface GatewayContext {
  requestId: string;
  principal: Principal;
  /** The one person this request may read, decided by the authorization plugin. */
  person: string | null;
  log: Logger;
  /**
   * This HTTP request's identity: Apollo Server executes on a copy of the
   * context, so what the executor leaves for the HTTP layer (fastpath/raw.ts)
   * is kept by this object, which the copies share.
   */
  exchange: object;
  /** The HTTP request's life (absent outside one): aborted when its client went away, and told when it is over. */
  lifetime?: RequestLifetime;
  /**
   * Aborts the request's domain calls when its client goes away: the lifetime's signal for a query; none for a
   * mutation, which runs to its end (a domain may have done what the gateway must then record). Set once the
   * operation is known (plugins/admission.ts).
   */
  signal?: AbortSignal;
  /** The request's Accept-Language header, for texts answered in the caller's language. */
  acceptLanguage?: string;
}
