import type { Translator } from '@footprint/i18n';
import { isTransfer, REGION_PLACES, type Controller, type DataRegion } from '@footprint/schema';
import { countryName } from './texts.js';

/**
 * Transfers (GDPR Art. 15(2), policy §11), seen from the controller that
 * applies to this person (by where they live, §10): where each data region is,
 * whether data stored there has left the person's jurisdiction, the safeguard
 * the policy names for that, and who processes data stored there. The facts
 * are schema/src/controllers.ts (REGION_PLACES); the words are the catalogue's.
 */
export interface TransferSafeguard {
  code: 'EU_SCC' | 'APPLICABLE_LAW';
  description: string;
}

export function transferSafeguard(tr: Translator, controller: Controller): TransferSafeguard {
  return controller.standardContractualClauses
    ? { code: 'EU_SCC', description: tr.t('archive.transfers.safeguard.EU_SCC') }
    : { code: 'APPLICABLE_LAW', description: tr.t('archive.transfers.safeguard.APPLICABLE_LAW') };
}

export interface RegionFacts {
  country: string;
  /** Outside the person's jurisdiction (the EEA, UK and CH; India; otherwise their own country). */
  thirdCountry: boolean;
  groupCompanies: string[];
  /** Why groupCompanies is empty, when it is. */
  groupCompaniesNote: string | null;
}

export function regionFacts(tr: Translator, region: DataRegion, residence: string | null): RegionFacts {
  const place = REGION_PLACES[region];
  return {
    country: countryName(tr, place.country),
    thirdCountry: isTransfer(region, residence),
    groupCompanies: place.groupCompanies,
    groupCompaniesNote: place.groupCompaniesNote ? tr.t('archive.transfers.groupCompanies.POLICY_NAMES_NONE') : null,
  };
}
