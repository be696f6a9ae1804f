import type { DataRegion, Recipient } from './taxonomy.js';

/**
 * Who answers for a person's data, and where they complain, by where the
 * person lives (privacy policy §10–§11), and where each data region is and who
 * processes data stored there (§4, §11). The one typed copy of those facts:
 * the archive, the privacy centre and the data map read them from here.
 */

/** The three groups of people the policy names a controller for (§10). */
export const JURISDICTIONS = ['EEA_UK_CH', 'INDIA', 'OTHER'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** ISO 3166-1 alpha-2 codes of the EEA (EU 27 with Iceland, Liechtenstein, Norway), the United Kingdom and Switzerland. */
export const EEA_UK_CH_COUNTRIES: readonly string[] = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO', 'GB', 'CH',
];

/** Where a person's complaint goes when our answer does not satisfy them (§10). */
export type ComplaintRoute =
  | { kind: 'SUPERVISORY_AUTHORITY'; url: string }
  | { kind: 'GRIEVANCE_OFFICER'; name: string; phone: string; hours: string; email: string }
  | { kind: 'SUPPORT_SITE'; url: string };

export interface Controller {
  jurisdiction: Jurisdiction;
  name: string;
  address: string;
  /** Where every request and question goes first (§10). */
  contact: string;
  complaint: ComplaintRoute;
  /** Whether EU Standard Contractual Clauses protect transfers out of the jurisdiction (§11: only said for the EEA, UK and CH). */
  standardContractualClauses: boolean;
}

export const PRIVACY_SUPPORT_URL = 'https://privacy.mi.com/support';

export const CONTROLLERS: Readonly<Record<Jurisdiction, Controller>> = {
  EEA_UK_CH: {
    jurisdiction: 'EEA_UK_CH',
    name: 'Xiaomi Technology Netherlands B.V.',
    address: 'Prinses Margrietplantsoen 39, 2595 AM, The Hague, The Netherlands',
    contact: PRIVACY_SUPPORT_URL,
    // §10 points to "the list of the main EEA/UK/Swiss authorities"; the EDPB keeps that list.
    complaint: { kind: 'SUPERVISORY_AUTHORITY', url: 'https://edpb.europa.eu/about-edpb/about-edpb/members_en' },
    standardContractualClauses: true,
  },
  INDIA: {
    jurisdiction: 'INDIA',
    name: 'Xiaomi Technology India Private Limited',
    address: 'Building Orchid, Block E, Embassy Tech Village, Outer Ring Road, Devarabisanahalli, Bengaluru, Karnataka - 560103, India',
    contact: PRIVACY_SUPPORT_URL,
    complaint: { kind: 'GRIEVANCE_OFFICER', name: 'Vishwanath C', phone: '080 6885 6286', hours: 'Mon–Sat 09:00–18:00', email: 'grievance.officer@xiaomi.com' },
    standardContractualClauses: false,
  },
  OTHER: {
    jurisdiction: 'OTHER',
    name: 'Xiaomi Technologies Singapore Pte. Ltd.',
    address: '1 Fusionopolis Link #04-02/03 Nexus@one-north, Singapore 138542',
    contact: PRIVACY_SUPPORT_URL,
    complaint: { kind: 'SUPPORT_SITE', url: PRIVACY_SUPPORT_URL },
    standardContractualClauses: false,
  },
};

/**
 * Where Footprint knows where a person lives: the country of their account's
 * data-region record (`account.data_region`, field `country`, ISO 3166-1
 * alpha-2), set from the country the account was registered in.
 */
export const RESIDENCE_SOURCE = { kind: 'account.data_region', field: 'country' } as const;

/** The jurisdiction of a country code; an unknown or missing country is OTHER (the policy's catch-all). */
export function jurisdictionOf(country: string | null | undefined): Jurisdiction {
  const c = (country ?? '').trim().toUpperCase();
  if (EEA_UK_CH_COUNTRIES.includes(c)) return 'EEA_UK_CH';
  if (c === 'IN') return 'INDIA';
  return 'OTHER';
}

export function controllerFor(country: string | null | undefined): Controller {
  return CONTROLLERS[jurisdictionOf(country)];
}

/** One data region: its country, and who processes the data stored there (§4, §11). */
export interface RegionPlace {
  /** ISO 3166-1 alpha-2 of the country the data centre is in. */
  country: string;
  /**
   * Who handles every record stored there, whatever its kind: the group
   * company that runs the data centre (§11: "Xiaomi's data centres in India,
   * the Netherlands, Russia and Singapore") and the third-party service
   * providers (cloud, hosting) that process data on our behalf (§4, §11).
   */
  processors: Recipient[];
  /** Group companies there the policy names; empty when the policy names none (reason in `groupCompaniesNote`). */
  groupCompanies: string[];
  groupCompaniesNote: 'POLICY_NAMES_NONE' | null;
}

export const REGION_PLACES: Readonly<Record<DataRegion, RegionPlace>> = {
  NETHERLANDS: { country: 'NL', processors: ['AFFILIATE', 'SERVICE_PROVIDER'], groupCompanies: ['Xiaomi Technology Netherlands B.V.'], groupCompaniesNote: null },
  INDIA: { country: 'IN', processors: ['AFFILIATE', 'SERVICE_PROVIDER'], groupCompanies: ['Xiaomi Technology India Private Limited'], groupCompaniesNote: null },
  // §11 says data from the Russian operations stays in Russian data centres, but names no group company there.
  RUSSIA: { country: 'RU', processors: ['AFFILIATE', 'SERVICE_PROVIDER'], groupCompanies: [], groupCompaniesNote: 'POLICY_NAMES_NONE' },
  // §11: for the EEA, UK and CH, Xiaomi Technologies Singapore Pte. Ltd. is responsible for processing some data.
  SINGAPORE: { country: 'SG', processors: ['AFFILIATE', 'SERVICE_PROVIDER'], groupCompanies: ['Xiaomi Technologies Singapore Pte. Ltd.'], groupCompaniesNote: null },
};

/** Whether data stored in `region` is outside the jurisdiction of a person living in `country`: a transfer (Art. 15(2), §11). */
export function isTransfer(region: DataRegion, country: string | null | undefined): boolean {
  const where = REGION_PLACES[region].country;
  const j = jurisdictionOf(country);
  if (j === 'EEA_UK_CH') return !EEA_UK_CH_COUNTRIES.includes(where);
  if (j === 'INDIA') return where !== 'IN';
  return where !== (country ?? '').trim().toUpperCase();
}

/**
 * Where records of a kind no domain stores are kept: the gateway's own kinds
 * (corrections log, privacy requests) live in the gateway's store, in the region
 * FOOTPRINT_GATEWAY_REGION names (default the Netherlands).
 */
export const GATEWAY_KIND_PREFIX = 'gateway.';
