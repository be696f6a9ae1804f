/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type LegalBasis =
  /** The person consented and may withdraw at any time (§5, §8) */
  | 'CONSENT'
  /** Necessary to perform the contract with the person (§5) */
  | 'CONTRACT'
  /** Required by a law we are subject to: tax and accounting law for invoices, and the duty to show how data-protection requests and consents were handled (§5) */
  | 'LEGAL_OBLIGATION'
  /** Our legitimate interest, balanced against the person’s rights (§5) */
  | 'LEGITIMATE_INTEREST';

export type OrderStatus =
  | 'CANCELLED'
  | 'DELIVERED'
  | 'PAID'
  | 'PENDING_PAYMENT'
  | 'RETURNED'
  | 'SHIPPED';

export type RetentionRule =
  /** Kept while the account exists, deleted or anonymised after it is closed (§7) */
  | 'ACCOUNT_LIFETIME'
  /** Kept as evidence of how a request or consent was handled, for 3 years after the account is erased (until claims are time-barred), then deleted (§7, §10) */
  | 'EVIDENCE_PERIOD'
  /** Kept for the statutory period (tax, consumer law), then deleted (§7) */
  | 'LEGAL_PERIOD'
  /** Kept for 12 months, then deleted or anonymised (§7) */
  | 'ROLLING_12_MONTHS'
  /** Kept for 90 days, then deleted (§7) */
  | 'ROLLING_90_DAYS'
  /** Kept while the service needs it, then deleted (§7) */
  | 'SERVICE_PERIOD'
  /** Kept until consent is withdrawn or the person objects (§7, §8) */
  | 'UNTIL_WITHDRAWN';

export type DiscoveryQueryVariables = Exact<{ [key: string]: never; }>;


export type DiscoveryQuery = { me: { id: string, discovery: { domains: Array<{ domain: string, kinds: Array<{ kind: string, title: string, count: number, latest: string | null }> } | null> } } | null };

export type OrdersQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type OrdersQuery = { me: { orders: { orders: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ orderNumber: string, total: string, status: OrderStatus, meta: { legalBasis: LegalBasis, retention: RetentionRule } }> } } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const DiscoveryDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<DiscoveryQuery, DiscoveryQueryVariables>;
export const OrdersDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<OrdersQuery, OrdersQueryVariables>;