/**
 * The privacy taxonomy: the one typed place where categories, sources,
 * purposes, legal bases, retention rules and regions are defined. The shared
 * SDL enums are generated from these lists (see contract.ts), and the data map
 * reads their descriptions, so a value added here appears everywhere.
 */

function taxonomy<const K extends string>(entries: Record<K, string>) {
  // Every taxonomy lists at least one value: typed as a non-empty tuple, z.enum takes the values as they are.
  return { values: Object.keys(entries) as [K, ...K[]], describe: entries };
}

export const DataCategory = taxonomy({
  IDENTITY: 'Who the person is: account ID, name, nickname, gender, photo',
  CONTACT: 'How to reach the person: e-mail, phone, postal address',
  SECURITY: 'Credentials and security settings (shown as existing, never the secret)',
  FINANCIAL: 'Payment instruments and bank details (stored and shown masked)',
  TRANSACTION: 'Purchases, orders, invoices and after-sales history',
  DEVICE: 'Device and SIM identifiers, models, activation data',
  LOCATION: 'Precise or approximate location',
  USAGE: 'Service usage, logs, browsing and interaction history',
  CONTENT: 'Content the person created or synced: posts, notes, photos, messages',
  COMMUNICATION: 'Communications with or between people, and their routing identifiers',
  PREFERENCE: 'Choices, consents and settings the person made',
  PROFILING: 'Inferences and segments derived about the person',
  ADVERTISING: 'Advertising identifiers and ad-related data',
});

export const DataSource = taxonomy({
  PROVIDED: 'Provided by the person (§3.1.1)',
  COLLECTED: 'Collected while the person used the service (§3.1.2)',
  THIRD_PARTY: 'Received from a third party (§3.1.3)',
  INFERRED: 'Derived by us from other data about the person (§3.2)',
});

export const Purpose = taxonomy({
  SERVICE_DELIVERY: 'Providing the service: delivery, activation, verification, after-sales, support (§3.2)',
  SECURITY: 'Security, fraud prevention and identity verification (§3.2)',
  COMMUNICATION: 'Answering requests and sending service notices (§3.2)',
  MARKETING: 'Marketing and promotions, with consent and opt-out (§3.2, §8)',
  ANALYTICS: 'Internal analytics and model training on de-identified data (§3.2)',
  DEVICE_PERFORMANCE: 'Improving device performance (§3.2)',
  LEGAL_COMPLIANCE: 'Business operations and legal obligations (§3.2, §5)',
  PERSONALISATION: 'Personalised content and ads; the person may object to profiling (§3.2)',
});

export const LegalBasis = taxonomy({
  CONTRACT: 'Necessary to perform the contract with the person (§5)',
  CONSENT: 'The person consented and may withdraw at any time (§5, §8)',
  LEGAL_OBLIGATION: 'Required by a law we are subject to: tax and accounting law for invoices, and the duty to show how data-protection requests and consents were handled (§5)',
  LEGITIMATE_INTEREST: 'Our legitimate interest, balanced against the person’s rights (§5)',
});

export const RetentionRule = taxonomy({
  ACCOUNT_LIFETIME: 'Kept while the account exists, deleted or anonymised after it is closed (§7)',
  LEGAL_PERIOD: 'Kept for the statutory period (tax, consumer law), then deleted (§7)',
  EVIDENCE_PERIOD: 'Kept as evidence of how a request or consent was handled, for 3 years after the account is erased (until claims are time-barred), then deleted (§7, §10)',
  SERVICE_PERIOD: 'Kept while the service needs it, then deleted (§7)',
  ROLLING_12_MONTHS: 'Kept for 12 months, then deleted or anonymised (§7)',
  ROLLING_90_DAYS: 'Kept for 90 days, then deleted (§7)',
  UNTIL_WITHDRAWN: 'Kept until consent is withdrawn or the person objects (§7, §8)',
});

export const DataRegion = taxonomy({
  INDIA: 'Stored in India (§11)',
  NETHERLANDS: 'Stored in the Netherlands (§11)',
  RUSSIA: 'Stored in Russia (§11)',
  SINGAPORE: 'Stored in Singapore (§11)',
});

/** Who data of a kind is shared with (§4); corrections are notified to them (Art. 19). */
export const Recipient = taxonomy({
  DELIVERY_PARTNER: 'Logistics partners that deliver orders (§4)',
  PAYMENT_PROVIDER: 'Payment processors and banks (§4)',
  PUSH_PROVIDER: 'Push notification providers such as FCM (§4)',
  AD_PARTNER: 'Advertising and measurement partners (§4, with consent)',
  SERVICE_PROVIDER: 'Processors acting on our behalf (cloud, support) (§4)',
  AFFILIATE: 'Companies of the group (§4)',
});

export type DataCategory = (typeof DataCategory.values)[number];
export type DataSource = (typeof DataSource.values)[number];
export type Purpose = (typeof Purpose.values)[number];
export type LegalBasis = (typeof LegalBasis.values)[number];
export type RetentionRule = (typeof RetentionRule.values)[number];
export type DataRegion = (typeof DataRegion.values)[number];
export type Recipient = (typeof Recipient.values)[number];

/** Every enum of the shared contract, by its SDL name. */
export const TAXONOMY = {
  DataCategory,
  DataSource,
  Purpose,
  LegalBasis,
  RetentionRule,
  DataRegion,
  Recipient,
} as const;
