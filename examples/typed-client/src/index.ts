import type { OrdersQuery } from './gql/graphql.js';
import { graphql } from './gql/index.js';
import { request } from './request.js';

/**
 * A typed client of the Footprint API. Every document below is checked against
 * gateway/api/schema.graphql by `npm run codegen` and its result is fully
 * typed: a field that the API does not have, or a wrong variable, is a
 * compile error here, not a runtime surprise.
 *
 *   FOOTPRINT_TOKEN=$(npm run -s token -- --sub 10000001) npm start -w @footprint/example-typed-client
 */

const Discovery = graphql(`
  query Discovery {
    me {
      id
      discovery {
        domains {
          domain
          kinds {
            kind
            title
            count
            latest
          }
        }
      }
    }
  }
`);

const Orders = graphql(`
  query Orders($first: Int!, $after: String) {
    me {
      orders {
        orders(first: $first, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          nodes {
            orderNumber
            total
            status
            meta {
              legalBasis
              retention
            }
          }
        }
      }
    }
  }
`);

const url = process.env.FOOTPRINT_GATEWAY_URL ?? 'http://localhost:4000/graphql';
const token = process.env.FOOTPRINT_TOKEN;
if (!token) {
  console.error('Set FOOTPRINT_TOKEN to a person token: FOOTPRINT_TOKEN=$(npm run -s token -- --sub 10000001)');
  process.exit(2);
}

const discovery = await request(url, token, Discovery, {});
const me = discovery.me;
if (!me) throw new Error('The gateway returned no person for this token');
console.log(`Person ${me.id}`);
for (const d of me.discovery.domains) {
  if (!d) continue;
  const records = d.kinds.reduce((n, k) => n + k.count, 0);
  console.log(`  ${d.domain}: ${records} records in ${d.kinds.length} kinds`);
}

// Every order, page by page: the cursor and the node fields are typed.
let after: string | null = null;
let orders = 0;
for (;;) {
  const page: OrdersQuery = await request(url, token, Orders, { first: 50, after });
  const connection = page.me?.orders?.orders;
  if (!connection) break;
  for (const o of connection.nodes) {
    orders += 1;
    if (orders <= 3) console.log(`  order ${o.orderNumber}: ${o.total} (${o.status}; kept: ${o.meta.retention})`);
  }
  if (!connection.pageInfo.hasNextPage) break;
  after = connection.pageInfo.endCursor ?? null;
}
console.log(`orders read: ${orders}`);
