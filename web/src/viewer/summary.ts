import { valueAt, type Rec, type ViewerKind } from './data.js';
import type { Texts } from './text.js';

/**
 * How a record is named in a list: its most telling text field, its date, and
 * two more values — chosen from the kind's fields by what they are, so a kind
 * a domain adds is listed sensibly with no code here.
 */
const PRIMARY = ['title', 'displayName', 'name', 'subject', 'orderNumber', 'body', 'text', 'commentText', 'fileName', 'placeName', 'query', 'nickname', 'segmentName', 'promotionName', 'itemTitle', 'label', 'topic', 'playedTrack.title', 'track.title', 'purpose', 'kind', 'event', 'type', 'provider', 'model', 'value', 'field'];
const SKIP = new Set(['id', 'provenance', 'portable', '__typename']);

export interface Summary {
  primary: string;
  date: string;
  details: string[];
}

export function primaryField(k: ViewerKind): string | null {
  const names = new Set(k.fields.map(([n]) => n));
  return PRIMARY.find((p) => names.has(p)) ?? k.fields.find(([n, t]) => !SKIP.has(n) && !n.startsWith('meta.') && t === 'String')?.[0] ?? null;
}

export function dateField(k: ViewerKind): string | null {
  return k.fields.find(([n, t]) => t === 'DateTime' && !n.startsWith('meta.'))?.[0] ?? null;
}

export function summarise(k: ViewerKind, r: Rec, tx: Texts): Summary {
  const primary = primaryField(k);
  const date = dateField(k);
  const details: string[] = [];
  for (const [n, t] of k.fields) {
    if (details.length >= 3) break;
    if (SKIP.has(n) || n === primary || n === date || n.startsWith('meta.') || t === 'JSON') continue;
    const v = tx.value(r, n, t);
    if (v) details.push(v);
  }
  const p = primary ? tx.value(r, primary, 'String') : '';
  const when = date ? tx.date(valueAt(r, date)) : '';
  // A record with no text of its own (a location, an event) is named by when it happened.
  if (!p && when) return { primary: when, date: '', details };
  return { primary: p || String(valueAt(r, 'id') ?? ''), date: when, details };
}
