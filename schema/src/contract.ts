import { TAXONOMY } from './taxonomy.js';

/** The @link URL of Footprint's own directives; composition keeps @personalData through it. */
export const PERSONAL_DATA_SPEC = 'https://footprint.dev/personal-data/v1.0';
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.7';

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
`;
