import { valueAt, type ArchiveData, type Rec, type ViewerKind } from './data.js';
import { h, link } from './dom.js';
import { related } from './relations.js';
import { summarise } from './summary.js';
import type { Texts } from './text.js';

const HIDDEN = new Set(['provenance', 'portable']);

/** An order's items with their amounts, and its totals, in the order's currency. */
function orderItems(r: Rec, tx: Texts): HTMLElement | null {
  const items = valueAt(r, 'items');
  if (!Array.isArray(items)) return null;
  const cur = valueAt(r, 'currency');
  const rows = items.map((x) => {
    const it = (x ?? {}) as Record<string, unknown>;
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, String(it.name ?? '')),
      h('td', { class: 'n' }, typeof it.quantity === 'number' ? tx.number(it.quantity) : ''),
      h('td', { class: 'n' }, tx.money(it.unitPrice, cur)),
      h('td', { class: 'n' }, tx.money(it.lineTotal, cur)),
    );
  });
  const total = (key: 'subtotal' | 'shippingFee' | 'discount' | 'total') =>
    h('tr', { class: key === 'total' ? 'total' : undefined }, h('th', { scope: 'row', colspan: 3 }, tx.label(key)), h('td', { class: 'n' }, tx.money(valueAt(r, key), cur)));
  return h(
    'table',
    { class: 'items' },
    h('caption', {}, tx.label('items')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, tx.label('items.name')), h('th', { scope: 'col' }, tx.label('items.quantity')), h('th', { scope: 'col' }, tx.label('items.unitPrice')), h('th', { scope: 'col' }, tx.label('items.lineTotal')))),
    h('tbody', {}, ...rows),
    h('tfoot', {}, total('subtotal'), total('shippingFee'), total('discount'), total('total')),
  );
}

const MONEY = new Set(['subtotal', 'shippingFee', 'discount', 'total', 'price']);

/** The record's own fields, labelled, as a description list (wraps at any width, unlike a table). */
export function fieldList(k: ViewerKind, r: Rec, tx: Texts, skip: (name: string) => boolean = () => false): HTMLElement {
  const dl = h('dl', { class: 'fields' });
  for (const [name, type] of k.fields) {
    if (HIDDEN.has(name) || skip(name)) continue;
    const v = MONEY.has(name) && valueAt(r, 'currency') ? tx.money(valueAt(r, name), valueAt(r, 'currency')) : tx.value(r, name, type);
    if (!v) continue;
    dl.append(h('div', {}, h('dt', {}, tx.label(name)), h('dd', {}, v)));
  }
  return dl;
}

/** P6Y → "6 years" in the person's language. */
function duration(iso: string | null, tx: Texts): string {
  const m = iso ? /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(iso) : null;
  if (!m) return iso ?? '';
  const parts = [
    m[1] ? tx.t('viewer.duration.years', { count: Number(m[1]) }) : '',
    m[2] ? tx.t('viewer.duration.months', { count: Number(m[2]) }) : '',
    m[3] ? tx.t('viewer.duration.days', { count: Number(m[3]) }) : '',
  ].filter(Boolean);
  return parts.join(' ');
}

/** Why the record is held, until when, what erasure does to it, and its own metadata: one click (a <details>) away. */
export function metadataPanel(k: ViewerKind, r: Rec | null, tx: Texts, open = false): HTMLElement {
  const p = k.processing;
  // The data map's words (datamap.*) in the reader's language; processing.json's text only for a code no catalogue has.
  const coded = (ns: string, c: { code: string; description: string }) => tx.optional(`datamap.${ns}.${c.code}`) ?? c.description;
  const erasure = tx.optional(`datamap.erasure.${p.erasure.action}`) ?? p.erasure.action;
  const erasureMore: string[] = [];
  if (p.erasure.action === 'ANONYMIZE' && p.erasure.fields.length) erasureMore.push(tx.t('viewer.erasure.fields', { fields: p.erasure.fields.map((f) => tx.label(f)).join(', ') }));
  if (p.erasure.action === 'RETAIN' && p.erasure.retainFor) erasureMore.push(tx.t('viewer.erasure.keptFor', { duration: duration(p.erasure.retainFor, tx) }));
  if (p.erasure.note) erasureMore.push(tx.optional(`datamap.kind.${k.kind}.erasureNote`) ?? p.erasure.note);
  const correctionNote = p.correctionNote ? (tx.optional(`datamap.kind.${k.kind}.reason`) ?? p.correctionNote) : '';
  const row = (label: string, ...value: (string | HTMLElement)[]) => h('div', {}, h('dt', {}, label), h('dd', {}, ...value));
  const list = (ns: string, xs: { code: string; description: string }[]) => (xs.length ? h('ul', {}, ...xs.map((x) => h('li', {}, coded(ns, x)))) : '—');
  const dl = h(
    'dl',
    { class: 'fields' },
    row(tx.t('viewer.meta.purposes'), list('purpose', p.purposes)),
    row(tx.t('viewer.meta.legalBasis'), coded('basis', p.legalBasis)),
    row(tx.t('viewer.meta.retention'), coded('retention', p.retention)),
    row(tx.t('viewer.meta.erasure'), h('strong', {}, erasure), ...erasureMore.map((x) => h('p', {}, x))),
    row(tx.t('viewer.meta.category'), coded('category', p.category)),
    row(tx.t('viewer.meta.recipients'), p.recipients.length ? list('recipient', p.recipients) : tx.t('viewer.meta.notShared')),
    row(tx.t('viewer.meta.correctable'), p.correctable ? tx.t('viewer.yes') : tx.t('viewer.meta.notCorrectable', { reason: correctionNote })),
    row(tx.t('viewer.meta.policy'), p.policySection),
  );
  if (r) {
    for (const [name, type] of k.fields.filter(([n]) => n.startsWith('meta.') && n !== 'meta.kind')) {
      const v = tx.value(r, name, type);
      if (v) dl.append(row(tx.label(name), v));
    }
    const prov = valueAt(r, 'provenance');
    if (typeof prov === 'string') dl.append(row(tx.label('provenance'), tx.optional(`fields.value.${prov}`) ?? prov));
  }
  return h('details', { class: 'meta', open }, h('summary', {}, tx.t('viewer.meta.why')), dl);
}

/** One record: its fields in the person's words, its metadata, the records it refers to, and where it is in the machine files. */
export function recordView(data: ArchiveData, k: ViewerKind, index: number, tx: Texts): HTMLElement {
  const box = h('article', { class: 'record', 'aria-busy': 'true' }, h('p', {}, tx.t('viewer.loading')));
  void data.record(k.kind, index).then(async (r) => {
    if (!r) {
      box.replaceChildren(h('p', {}, tx.t('viewer.notFound')));
      return;
    }
    const s = summarise(k, r, tx);
    const isOrder = k.kind === 'orders.order';
    box.replaceChildren(
      ...[
      h('p', { class: 'crumbs' }, link('/', tx.t('viewer.nav.overview')), ' › ', link(`/k/${k.kind}`, tx.kindTitle(k))),
      h('h2', {}, s.primary),
      s.date ? h('p', { class: 'muted' }, s.date) : null,
      k.kind === 'cloud.gallery_item' ? photo(r, tx, 'large') : null,
      isOrder ? orderItems(r, tx) : null,
      fieldList(k, r, tx, (n) => n.startsWith('meta.') || (isOrder && (n === 'items' || MONEY.has(n)))),
      metadataPanel(k, r, tx),
      k.kind === 'messaging.message' || k.kind === 'messaging.conversation'
        ? h('p', {}, link(`/c/${encodeURIComponent(String(valueAt(r, 'conversationId') ?? ''))}`, tx.t('viewer.rel.openConversation')))
        : null,
      ].filter((x): x is HTMLElement => x !== null),
    );
    const rel = h('section', { class: 'related', 'aria-live': 'polite' });
    box.append(rel);
    for (const { relation, matches } of await related(data, k.kind, r)) {
      const to = data.byKind.get(relation.to)!;
      rel.append(
        h('h3', {}, tx.t(relation.label)),
        matches.length
          ? h('ul', {}, ...matches.map((m) => h('li', {}, link(`/r/${to.kind}/${m.index}`, summarise(to, m.record, tx).primary), ' ', h('span', { class: 'muted' }, summarise(to, m.record, tx).date))))
          : h('p', { class: 'muted' }, tx.t('viewer.rel.none')),
      );
    }
    box.removeAttribute('aria-busy');
  });
  return box;
}

/** A photo from the archive (cloud/files/<sha256>.<ext>, once the export carries the bytes), or a placeholder naming it. */
export function photo(r: Rec, tx: Texts, size: 'tile' | 'large'): HTMLElement {
  const path = valueAt(r, 'path');
  const content = valueAt(r, 'content');
  const name = String(valueAt(r, 'fileName') ?? '');
  const alt = tx.t('viewer.photo.alt', { name, date: tx.date(valueAt(r, 'takenAt')) });
  if (typeof path === 'string' && content) {
    const img = h('img', { src: path, alt, loading: 'lazy', decoding: 'async', class: `photo ${size}` });
    img.addEventListener('error', () => img.replaceWith(placeholder(name, tx, size)));
    return img;
  }
  return placeholder(name, tx, size);
}

function placeholder(name: string, tx: Texts, size: string): HTMLElement {
  return h('div', { class: `photo placeholder ${size}` }, h('span', {}, tx.t('viewer.photo.notInArchive')), h('span', { class: 'muted' }, name));
}
