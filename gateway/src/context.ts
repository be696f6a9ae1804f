import type { Logger } from '@footprint/kit';
import type { Principal } from './auth/principal.js';

/** Per-request context of the gateway; `person` is set once the operation is authorised. */
export interface GatewayContext {
  requestId: string;
  principal: Principal;
  /** The one person this request may read, decided by the authorization plugin. */
  person: string | null;
  log: Logger;
}
