import { PageLoader, prefetchBy, requirePerson, type PagePrefetch, type Store } from '@footprint/kit';
import type { KindRows, OrderItemRow, OrdersDB, SupportTicketMessageRow } from './store.js';

/**
 * Per-request loaders for the lists nested inside a record. However many
 * orders (or tickets) a page holds, their children are read in ONE statement
 * (`where order_id in (…)`), and only the credential's person's rows are read.
 */
export interface OrdersLoaders {
  /** An order's items by order row id, in listing order. */
  itemsByOrder: PageLoader<number, OrderItemRow[]>;
  /** A ticket's messages by ticket row id, oldest first. */
  messagesByTicket: PageLoader<number, SupportTicketMessageRow[]>;
}

function groupBy<R, K>(keys: readonly K[], rows: R[], key: (r: R) => K): R[][] {
  const groups = new Map<K, R[]>(keys.map((k) => [k, []]));
  for (const r of rows) groups.get(key(r))?.push(r);
  return keys.map((k) => groups.get(k) ?? []);
}

export function createLoaders(store: Store<OrdersDB>, person: string | null): OrdersLoaders {
  return {
    itemsByOrder: new PageLoader(async (orderIds) => {
      const rows = await store.db
        .selectFrom('orderItem')
        .selectAll()
        .where('orderId', 'in', [...orderIds])
        .where('personId', '=', requirePerson({ person }))
        .orderBy('orderId')
        .orderBy('position')
        .execute();
      return groupBy(orderIds, rows, (r) => r.orderId);
    }),
    messagesByTicket: new PageLoader(async (ticketIds) => {
      const rows = await store.db
        .selectFrom('supportMessage')
        .selectAll()
        .where('ticketId', 'in', [...ticketIds])
        .where('personId', '=', requirePerson({ person }))
        .orderBy('ticketId')
        .orderBy('sentAt')
        .orderBy('id')
        .execute();
      return groupBy(ticketIds, rows, (r) => r.ticketId);
    }),
  };
}

/** A page of orders or tickets loads their items and messages in one statement, before their fields resolve. */
export const prefetch: Partial<Record<keyof KindRows, PagePrefetch<OrdersLoaders>[]>> = {
  Order: [prefetchBy(['items'], (l: OrdersLoaders) => l.itemsByOrder, (r: KindRows['Order']) => r.id)],
  SupportTicket: [prefetchBy(['messages'], (l: OrdersLoaders) => l.messagesByTicket, (r: KindRows['SupportTicket']) => r.id)],
};
