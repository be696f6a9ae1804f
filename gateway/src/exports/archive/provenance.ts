import type { DataSource, LegalBasis } from '@footprint/schema';
import type { ProvenanceCounts } from '../store.js';

/**
 * Where a record comes from, in the terms of the Art. 29 Working Party's
 * portability guidelines (WP242): data the person provided, data observed
 * about them while they used the service, data we inferred, and — beyond those
 * three — data we received about them from someone else (§3.1.3).
 */
export type Provenance = keyof ProvenanceCounts;

const BY_SOURCE: Record<DataSource, Provenance> = {
  PROVIDED: 'provided',
  COLLECTED: 'observed',
  INFERRED: 'inferred',
  THIRD_PARTY: 'received',
};

export function provenanceOf(source: string | null | undefined): Provenance {
  return BY_SOURCE[source as DataSource] ?? 'received';
}

/**
 * Art. 20(1): the right to portability covers data the person provided —
 * including what was observed of their use (WP242) — processed by automated
 * means on the basis of consent or a contract. Inferred data, data received
 * from others, and data held under a legal obligation or a legitimate interest
 * are in the archive (Art. 15) but not in the portable subset.
 */
const PORTABLE_BASES: ReadonlySet<string> = new Set<LegalBasis>(['CONSENT', 'CONTRACT']);

export function isPortable(provenance: Provenance, legalBasis: string | null | undefined): boolean {
  return (provenance === 'provided' || provenance === 'observed') && PORTABLE_BASES.has(legalBasis ?? '');
}

export const PORTABILITY_RULE =
  'A record is portable (GDPR Art. 20) when the person provided it or it was observed from their use of the service, and it is processed on the basis of consent or a contract. Inferred records, records received from third parties, and records kept under a legal obligation or a legitimate interest are in the archive (Art. 15) but not portable.';

export const emptyProvenance = (): ProvenanceCounts => ({ provided: 0, observed: 0, inferred: 0, received: 0 });
