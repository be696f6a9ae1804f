import type { DataRegion } from '@footprint/schema';

/**
 * Transfers to third countries (GDPR Art. 15(2), policy §11), seen from the
 * controller for the EEA, the United Kingdom and Switzerland (Xiaomi
 * Technology Netherlands B.V.): where each data region is, whether that is a
 * third country, the safeguard the policy names for transfers there, and who
 * else is there besides the data centre.
 */
export interface RegionPlace {
  country: string;
  /** Outside the EEA, the UK and Switzerland, with no adequacy decision. */
  thirdCountry: boolean;
  /** Group companies there that process the data, as the policy names them. */
  groupCompanies: string[];
}

export const REGION_PLACES: Record<DataRegion, RegionPlace> = {
  NETHERLANDS: { country: 'the Netherlands', thirdCountry: false, groupCompanies: ['Xiaomi Technology Netherlands B.V. (the controller)'] },
  INDIA: { country: 'India', thirdCountry: true, groupCompanies: [] },
  RUSSIA: { country: 'Russia', thirdCountry: true, groupCompanies: [] },
  SINGAPORE: { country: 'Singapore', thirdCountry: true, groupCompanies: ['Xiaomi Technologies Singapore Pte. Ltd. (processes some of your data, §11)'] },
};

/** The one safeguard policy §11 names for transfers out of the EEA, the UK and Switzerland. */
export const TRANSFER_SAFEGUARD = {
  code: 'EU_SCC',
  description:
    'EU Standard Contractual Clauses (GDPR Art. 46(2)(c)), or another safeguard provided by the GDPR or UK/Swiss law, so that your data is protected to European standards (policy §11)',
} as const;

export const SAFEGUARDS_COPY = 'Ask for a copy of the safeguards at https://privacy.mi.com/support (policy §11).';
