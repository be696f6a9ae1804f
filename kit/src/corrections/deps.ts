import type { Kysely } from 'kysely';
import type { AnyDB, Dialect } from '../store.js';
import type { CorrectionDeliveryConfig } from './delivery.js';
import type { CorrectionKinds } from './kinds.js';
import type { CorrectionSigner } from './signer.js';

/** What each part of the correction engine (view, request, confirm, history) is given; built once per domain. */
export interface CorrectionDeps extends CorrectionKinds {
  dialect: Dialect;
  /** The domain's store: its own tables and the kit's correction and rights tables. */
  db: Kysely<AnyDB>;
  /** Null for a domain that takes no corrections. */
  delivery: CorrectionDeliveryConfig | null;
  signer: CorrectionSigner;
  /** A correction committed: its notices are due. */
  noticesDue(): void;
}
