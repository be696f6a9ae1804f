import { TAXONOMY } from './taxonomy.js';

/** The @link URL of Footprint's own directives; composition keeps @personalData through it. */
export const PERSONAL_DATA_SPEC = 'https://footprint.dev/personal-data/v1.0';
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.7';

/**
 * Corrections (GDPR Art. 16 and 19; policy §9): the value types every domain
 * answers with, and the root fields the kit resolves in every subgraph. The
 * gateway calls those fields on the owning subgraph directly, with its signed
 * credential, so they are @inaccessible: not part of the API, yet composition
 * still checks that every domain speaks the same shapes. The public entry
 * points are the gateway's (gateway/schema/corrections.graphql).
 */
const correctionTypeDefs = `
"The shape of a correctable value."
enum CorrectionValueType {
  STRING
  BOOLEAN
  ENUM
}

"How a new e-mail address or phone number is confirmed before it takes effect."
enum ConfirmationChannel {
  EMAIL
  PHONE
}

enum CorrectionStatus {
  "The correction took effect."
  APPLIED
  "A one-time code was sent to the new address; the correction takes effect once it is confirmed."
  PENDING_CONFIRMATION
}

enum CorrectionNoticeState {
  "Recorded; not yet delivered (or no endpoint for the recipient is configured yet)."
  PENDING
  DELIVERED
  "Delivery was given up after repeated failures."
  FAILED
}

"""
The validation rule of one correctable field, generated from the zod schema the
owning domain validates with: the same rule, never a second copy.
"""
type CorrectionRule @shareable {
  type: CorrectionValueType!
  "A well-known format of a STRING value (email, phone, date, country)."
  format: String
  "False when the value may be cleared (sent as null)."
  required: Boolean!
  minLength: Int
  maxLength: Int
  "An ECMAScript regular expression (Unicode mode) the whole value must match."
  pattern: String
  "The only values allowed (ENUM; BOOLEAN: true and false)."
  allowedValues: [String!]
  "The rule in words, for people."
  description: String
  "The same rule as a JSON Schema (2020-12) document."
  jsonSchema: String!
}

type CorrectableField @shareable {
  "The field name to send in CorrectionInput.field."
  name: String!
  label: String!
  rule: CorrectionRule!
  "Set when a new value takes effect only after a one-time code sent to it is confirmed."
  confirmation: ConfirmationChannel
  "Whether current values are shown masked."
  masked: Boolean!
  "Who is told of a correction of this field (GDPR Art. 19, policy §4)."
  recipients: [Recipient!]!
}

"The current value of one field of one record."
type CorrectableValue @shareable {
  field: String!
  "As text (booleans true or false, enums by name); masked when the field is; null when empty."
  value: String
  "Send it back as expectedVersion: a correction of a value that changed since is refused."
  version: String!
}

type CorrectableRecord @shareable {
  "The record's PersonalData id (<kind>:<number>)."
  recordId: ID!
  "A short description that tells the record from others of its kind."
  label: String!
  values: [CorrectableValue!]!
}

"A correctable kind of data: its fields with their rules, and the person's records of it."
type CorrectableKind @shareable {
  kind: String!
  domain: String!
  title: String!
  policySection: String!
  fields: [CorrectableField!]!
  "What erasure does to this kind."
  erasure: KindErasurePolicy!
  "Which of the person's records are offered, when not all are (e.g. deliveries not yet delivered)."
  scope: String
  totalCount: Int!
  records: [CorrectableRecord!]!
  pageInfo: PageInfo!
}

"A kind of data that cannot be corrected, and why."
type NonCorrectableKind @shareable {
  kind: String!
  domain: String!
  title: String!
  reason: String!
  policySection: String!
  "What erasure does to this kind."
  erasure: KindErasurePolicy!
}

"An Art. 19 notice: one recipient that had received the corrected data, told of the correction."
type CorrectionNotice @shareable {
  recipient: Recipient!
  state: CorrectionNoticeState!
  attempts: Int!
  createdAt: DateTime!
  deliveredAt: DateTime
  "Why the last delivery attempt failed, or why none was made yet."
  lastError: String
}

"A correction waiting for the one-time code sent to the new address."
type PendingConfirmation @shareable {
  id: ID!
  channel: ConfirmationChannel!
  "Where the code was sent, masked."
  sentTo: String!
  expiresAt: DateTime!
  attemptsLeft: Int!
}

input CorrectionInput {
  "The record's PersonalData id, as the correction view lists it (<kind>:<number>)."
  recordId: ID!
  field: String!
  "The new value as text (booleans true or false, enums by name); null clears an optional field."
  value: String
  "The version the correction view gave for the current value: a value changed since is not overwritten."
  expectedVersion: String!
  "Why the data is corrected (a person may leave it out; an operator's X-Footprint-Reason is kept as well)."
  reason: String
  "Restrict processing of the record while the correction is pending (the person contests its accuracy, Art. 18(1)(a))."
  restrictUntilResolved: Boolean
}

"Internal: what one domain lets the credential's person correct."
type DomainCorrectionView @shareable @inaccessible {
  domain: String!
  correctable: [CorrectableKind!]!
  nonCorrectable: [NonCorrectableKind!]!
}

"Internal: one applied correction as the owning domain keeps it (append-only)."
type DomainCorrectionEntry @shareable @inaccessible {
  "Sequence number within the domain."
  number: Int!
  domain: String!
  kind: String!
  recordId: ID!
  field: String!
  fieldLabel: String!
  "HMAC-SHA-256 of the value before the correction: it proves what the value was without keeping it."
  oldValueHash: String!
  newValue: String
  correctedAt: DateTime!
  actor: String!
  actorType: String!
  reason: String
  confirmedWith: ConfirmationChannel
  region: DataRegion!
  notices: [CorrectionNotice!]!
}

type DomainCorrectionHistory @shareable @inaccessible {
  entries: [DomainCorrectionEntry!]!
  hasMore: Boolean!
  totalCount: Int!
}

type DomainCorrectionOutcome @shareable @inaccessible {
  status: CorrectionStatus!
  entry: DomainCorrectionEntry
  confirmation: PendingConfirmation
}

extend type Query {
  "Internal (the gateway's correction view): what this domain lets the credential's person correct."
  _correctionView(kinds: [String!], first: Int, after: String): DomainCorrectionView! @shareable @inaccessible
  "Internal: this domain's corrections of the credential's person, oldest first, after (afterAt, afterNumber)."
  _correctionHistory(first: Int!, afterAt: String, afterNumber: Int): DomainCorrectionHistory! @shareable @inaccessible
}

extend type Mutation {
  "Internal: validates and applies (or, for e-mail and phone, starts confirming) one correction, atomically."
  _requestCorrection(input: CorrectionInput!): DomainCorrectionOutcome! @shareable @inaccessible
  "Internal: applies a pending correction once its one-time code is confirmed."
  _confirmCorrection(confirmationId: ID!, code: String!): DomainCorrectionOutcome! @shareable @inaccessible
}
`;


/**
 * Erasure, restriction, objection and consent withdrawal (GDPR Art. 17, 18, 21,
 * 7(3); policy §7, §9): the value types every domain answers with and the
 * internal root fields the kit resolves in every subgraph. Like corrections,
 * only the gateway calls them (with a credential naming the one person and
 * carrying rights:erase or rights:restrict), so they are @inaccessible.
 */
const rightsTypeDefs = `
"What erasure (Art. 17) does to the records of a kind."
enum ErasureAction {
  "The records are deleted, with their child rows, correction history and outbox entries."
  DELETE
  "The fields named in erasureFields are cleared or generalised; the rest is kept for the reason given."
  ANONYMIZE
  "Kept under a legal hold (isolated, not processed further) until the retention rule ends, then deleted."
  RETAIN
}

"From when the retention period of a RETAIN kind runs."
enum RetentionStart {
  "From when each record was collected (e.g. an invoice from its date)."
  COLLECTED
  "From the erasure request (e.g. proof of consent after the account is closed)."
  ERASURE
}

"What a person may object to (Art. 21, policy §3.2): absolute, no balancing."
enum RightsPurpose {
  "Profiling for personalised ads: ad segments are erased and no new ones are made."
  AD_PROFILING
  "Direct marketing: marketing notices and promotions stop."
  DIRECT_MARKETING
}

"Why processing of a record is restricted (Art. 18; §7)."
enum RestrictionGround {
  "The person asked for it (e.g. processing is unlawful but they do not want erasure)."
  PERSON_REQUEST
  "The person contests the accuracy of the data, until it is resolved (Art. 18(1)(a))."
  CONTESTED_ACCURACY
  "Kept only because the law requires it, after an erasure (§7): isolated, not processed further."
  LEGAL_HOLD
  "The person objected, pending the check of grounds (Art. 18(1)(d))."
  OBJECTION
}

"A restriction of processing in force on a record."
type Restriction @shareable {
  since: DateTime!
  reason: String!
  "When it ends by itself (a legal hold's end); null until lifted."
  until: DateTime
  ground: RestrictionGround!
}

"What erasure does to one kind, as the kind declares it (the erasure arguments of its metadata directive)."
type KindErasurePolicy @shareable {
  action: ErasureAction!
  "ANONYMIZE: the fields cleared or generalised."
  fields: [String!]!
  "Why the rest is kept (ANONYMIZE) or the legal ground of the hold (RETAIN)."
  note: String
  "RETAIN: how long, as an ISO-8601 duration (P10Y)."
  retainFor: String
  "RETAIN: from when the period runs."
  retainFrom: RetentionStart
}

"Internal: what erasure did to one kind of one person."
type KindErasureReceipt @shareable @inaccessible {
  kind: String!
  action: ErasureAction!
  deleted: Int!
  anonymized: Int!
  retained: Int!
  "ANONYMIZE: the fields cleared; otherwise empty."
  fields: [String!]!
  "Why kept / the legal ground (RETAIN, ANONYMIZE)."
  ground: String
  "RETAIN: when the hold ends."
  retainedUntil: DateTime
  "Art. 19 notices put in the domain's outbox for this kind's recipients."
  noticesRecorded: Int!
}

"Internal: one domain's receipt for one erasure request (kept append-only in the domain)."
type DomainErasureReceipt @shareable @inaccessible {
  domain: String!
  requestId: ID!
  erasedAt: DateTime!
  kinds: [KindErasureReceipt!]!
  "True when this requestId had already been carried out: the same receipts, nothing changed."
  replayed: Boolean!
}

"Internal: a restriction in force on a kind (recordId null) or on one record."
type KindRestriction @shareable @inaccessible {
  kind: String!
  "Set when only one record is restricted (a contested correction)."
  recordId: ID
  since: DateTime!
  reason: String!
  until: DateTime
  ground: String!
}

"Internal: what processing of the person this domain has stopped."
type DomainProcessingState @shareable @inaccessible {
  domain: String!
  restrictions: [KindRestriction!]!
  "RightsPurpose values objected to."
  objections: [String!]!
  "Purpose values whose consent was withdrawn."
  withdrawnConsents: [String!]!
}

extend type Query {
  "Internal: the restrictions, objections and withdrawn consents of the credential's person in this domain."
  _processingState: DomainProcessingState! @shareable @inaccessible
}

extend type Mutation {
  "Internal: erases the credential's person's kinds of this domain (null: every kind). Idempotent per requestId."
  _erase(requestId: ID!, kinds: [String!], reason: String): DomainErasureReceipt! @shareable @inaccessible
  "Internal: restricts processing of kinds of this domain (ground: a RestrictionGround, default PERSON_REQUEST)."
  _restrict(kinds: [String!]!, reason: String!, until: DateTime, ground: String): DomainProcessingState! @shareable @inaccessible
  "Internal: lifts the restrictions the person may lift (not a legal hold) on kinds of this domain."
  _liftRestriction(kinds: [String!]!): DomainProcessingState! @shareable @inaccessible
  "Internal: AD_PROFILING erases ad segments and stops new ones; DIRECT_MARKETING stops marketing notices and promotions."
  _object(purpose: RightsPurpose!, reason: String): DomainProcessingState! @shareable @inaccessible
  "Internal: stops processing every CONSENT-based kind for the purpose, erasing those kept only until withdrawal."
  _withdrawConsent(purpose: Purpose!, reason: String): DomainProcessingState! @shareable @inaccessible
}
`;

const enums = Object.entries(TAXONOMY)
  .map(([name, t]) => `enum ${name} {\n${t.values.map((v) => `  "${t.describe[v as keyof typeof t.describe]}"\n  ${v}`).join('\n')}\n}`)
  .join('\n\n');

/**
 * The SDL every subgraph is built with, in front of its own schema.graphql:
 * the federation links, the @personalData directive, the taxonomy enums, the
 * PersonalData interface and the Person entity. Generated from the taxonomy
 * so the enums cannot drift from it.
 */
export const contractTypeDefs = `
extend schema
  @link(url: "${FEDERATION_SPEC}", import: ["@key", "@shareable", "@composeDirective", "@external", "@requires", "@inaccessible"])
  @link(url: "${PERSONAL_DATA_SPEC}", import: ["@personalData"])
  @composeDirective(name: "@personalData")

"""
Static metadata of a PersonalData record type: which inventory kind it is and how
the privacy policy treats it. Kept in the supergraph, where the data map reads it.
"""
directive @personalData(
  kind: String!
  title: String!
  category: DataCategory!
  source: DataSource!
  purposes: [Purpose!]!
  legalBasis: LegalBasis!
  retention: RetentionRule!
  correctable: Boolean!
  policy: String!
  recipients: [Recipient!]! = []
  sensitive: Boolean! = false
  reason: String
  "For data that may come from someone other than the person: the field of a record that names where it came from (the social network of a linked account, the partner that placed a segment); a dot path reaches into an object field (sender.phoneNumber). GDPR Art. 15(1)(g)."
  origin: String
  "What erasure does to the kind (Art. 17); the coverage gate fails without it."
  erasure: ErasureAction
  "ANONYMIZE: the fields of the type that are cleared or generalised."
  erasureFields: [String!]
  "ANONYMIZE: why the rest is kept; RETAIN: the legal ground of the hold."
  erasureNote: String
  "RETAIN: how long the hold lasts, an ISO-8601 duration (P6Y, P18M)."
  retainFor: String
  "RETAIN: from when the period runs."
  retainFrom: RetentionStart
  "A format the export archive also writes the kind in, beside JSON and CSV, for the person's own tools (Art. 20): VCARD (an address book). A string, not an enum: an enum only directives use would join the public API."
  format: String
) on OBJECT

"An ISO-8601 date-time in UTC."
scalar DateTime

${enums}

"How one record is processed, as the privacy policy describes it."
type RecordMeta @shareable {
  "Inventory kind, domain-qualified (e.g. orders.order)."
  kind: String!
  domain: String!
  category: DataCategory!
  source: DataSource!
  purposes: [Purpose!]!
  legalBasis: LegalBasis!
  retention: RetentionRule!
  region: DataRegion!
  collectedAt: DateTime!
  correctable: Boolean!
  "Why the person cannot correct it, when they cannot."
  correctionNote: String
  recipients: [Recipient!]!
  "The section of the privacy policy this record comes from."
  policySection: String!
  "What erasure does to it (Art. 17)."
  erasure: KindErasurePolicy!
  "True while processing of the record is restricted (Art. 18, or a legal hold after erasure): stored, not processed."
  restricted: Boolean!
  "The restriction in force, when restricted."
  restriction: Restriction
}

"Every record of personal data, in every domain."
interface PersonalData {
  "Stable across requests: <kind>:<record number>."
  id: ID!
  meta: RecordMeta!
}

type PageInfo @shareable {
  hasNextPage: Boolean!
  endCursor: String
}

"What one domain holds about a person, counted from indexes, without the records."
type DomainDiscovery @shareable {
  domain: String!
  kinds: [KindDiscovery!]!
}

type KindDiscovery @shareable {
  kind: String!
  title: String!
  count: Int!
  earliest: DateTime
  latest: DateTime
  regions: [DataRegion!]!
  sources: [DataSource!]!
}

"A person, keyed by their account ID. Each domain adds one field named after itself."
type Person @key(fields: "id") {
  id: ID!
}
${correctionTypeDefs}
${rightsTypeDefs}`;
