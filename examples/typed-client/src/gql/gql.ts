/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Discovery {\n    me {\n      id\n      discovery {\n        domains {\n          domain\n          kinds {\n            kind\n            title\n            count\n            latest\n          }\n        }\n      }\n    }\n  }\n": typeof types.DiscoveryDocument,
    "\n  query Orders($first: Int!, $after: String) {\n    me {\n      orders {\n        orders(first: $first, after: $after) {\n          totalCount\n          pageInfo {\n            hasNextPage\n            endCursor\n          }\n          nodes {\n            orderNumber\n            total\n            status\n            meta {\n              legalBasis\n              retention\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.OrdersDocument,
};
const documents: Documents = {
    "\n  query Discovery {\n    me {\n      id\n      discovery {\n        domains {\n          domain\n          kinds {\n            kind\n            title\n            count\n            latest\n          }\n        }\n      }\n    }\n  }\n": types.DiscoveryDocument,
    "\n  query Orders($first: Int!, $after: String) {\n    me {\n      orders {\n        orders(first: $first, after: $after) {\n          totalCount\n          pageInfo {\n            hasNextPage\n            endCursor\n          }\n          nodes {\n            orderNumber\n            total\n            status\n            meta {\n              legalBasis\n              retention\n            }\n          }\n        }\n      }\n    }\n  }\n": types.OrdersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Discovery {\n    me {\n      id\n      discovery {\n        domains {\n          domain\n          kinds {\n            kind\n            title\n            count\n            latest\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').DiscoveryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Orders($first: Int!, $after: String) {\n    me {\n      orders {\n        orders(first: $first, after: $after) {\n          totalCount\n          pageInfo {\n            hasNextPage\n            endCursor\n          }\n          nodes {\n            orderNumber\n            total\n            status\n            meta {\n              legalBasis\n              retention\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').OrdersDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
