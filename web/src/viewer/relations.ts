import type { MessageKey } from '@footprint/i18n';
import { valueAt, type ArchiveData, type Rec } from './data.js';

/**
 * Records that refer to each other: a field of one kind holds the key of
 * another kind's record (an order's number on its deliveries, a location's
 * device, a comment's post). Found by scanning the other kind page by page,
 * bounded by MAX_MATCHES.
 */
export interface Relation {
  from: string;
  field: string;
  to: string;
  toField: string;
  label: MessageKey;
}

export const RELATIONS: Relation[] = [
  { from: 'orders.order', field: 'orderNumber', to: 'orders.delivery', toField: 'orderNumber', label: 'viewer.rel.deliveries' },
  { from: 'orders.delivery', field: 'orderNumber', to: 'orders.order', toField: 'orderNumber', label: 'viewer.rel.order' },
  { from: 'orders.support_ticket', field: 'orderNumber', to: 'orders.order', toField: 'orderNumber', label: 'viewer.rel.order' },
  { from: 'cloud.location', field: 'device.id', to: 'cloud.device', toField: 'id', label: 'viewer.rel.device' },
  { from: 'cloud.device_command', field: 'deviceId', to: 'cloud.device', toField: 'id', label: 'viewer.rel.device' },
  { from: 'community.comment', field: 'postId', to: 'community.post', toField: 'postId', label: 'viewer.rel.post' },
  { from: 'community.post', field: 'postId', to: 'community.comment', toField: 'postId', label: 'viewer.rel.comments' },
  { from: 'messaging.message', field: 'conversationId', to: 'messaging.conversation', toField: 'conversationId', label: 'viewer.rel.conversation' },
];

const MAX_MATCHES = 50;

export async function related(data: ArchiveData, kind: string, r: Rec): Promise<{ relation: Relation; matches: { index: number; record: Rec }[] }[]> {
  const out: { relation: Relation; matches: { index: number; record: Rec }[] }[] = [];
  for (const relation of RELATIONS.filter((x) => x.from === kind && data.byKind.get(x.to)?.records)) {
    const key = valueAt(r, relation.field);
    if (key === null || key === '') continue;
    const matches: { index: number; record: Rec }[] = [];
    await data.scan(relation.to, (rec, index) => {
      if (valueAt(rec, relation.toField) === key) matches.push({ index, record: rec });
      return matches.length < MAX_MATCHES;
    });
    out.push({ relation, matches });
  }
  return out;
}
