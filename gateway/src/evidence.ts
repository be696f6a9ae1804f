import type { EvidenceTable } from '@footprint/kit/evidence-chain.js';
import { PURGE_EVIDENCE } from '@footprint/kit/evidence-purge.js';
import { AUDIT_EVIDENCE } from './auth/audit.js';
import { EVENT_EVIDENCE } from './requests/store.js';
import { ERASED_EVIDENCE, RECEIPT_EVIDENCE } from './rights/store.js';

/** The gateway's hash-chained evidence tables, for npm run verify-evidence (each is chained where its rows are inserted). */
export const GATEWAY_EVIDENCE: readonly EvidenceTable[] = [AUDIT_EVIDENCE, RECEIPT_EVIDENCE, ERASED_EVIDENCE, EVENT_EVIDENCE, PURGE_EVIDENCE];
