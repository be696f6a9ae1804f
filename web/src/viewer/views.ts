import { valueAt, type ArchiveData, type Rec, type ViewerKind } from './data.js';
import { h, link } from './dom.js';
import { VirtualList } from './list.js';
import { PlaceMap } from './map.js';
import { metadataPanel, photo } from './record.js';
import { summarise } from './summary.js';
import type { Texts } from './text.js';

/** What a kind view hands back: its element, and what to stop when the person leaves it. */
export interface View {
  el: HTMLElement;
  destroy(): void;
}

type RowRenderer = (r: Rec, i: number, cell: HTMLElement) => void;

/** A virtual list over a kind's records, each row drawn once its page is loaded. */
function recordList(data: ArchiveData, k: ViewerKind, tx: Texts, opts: { rowHeight: number; minItemWidth?: number; className?: string; row: RowRenderer }): VirtualList {
  return new VirtualList({
    count: k.records,
    rowHeight: opts.rowHeight,
    minItemWidth: opts.minItemWidth,
    className: opts.className,
    label: tx.kindTitle(k),
    render: (i, cell) => {
      const { page, at } = data.locate(k.kind, i);
      const draw = (recs: Rec[]) => {
        const r = recs[at];
        if (r) opts.row(r, i, cell);
      };
      const hit = data.cached(k.kind, page);
      if (hit) return draw(hit);
      cell.append(h('span', { class: 'muted' }, tx.t('viewer.loading')));
      return data.page(k.kind, page).then((recs) => {
        cell.replaceChildren();
        draw(recs);
      });
    },
  });
}

/** The generic row: the record's name, date and a few values; the whole row is the link to the record. */
function genericRow(k: ViewerKind, tx: Texts): RowRenderer {
  return (r, i, cell) => {
    const s = summarise(k, r, tx);
    cell.append(link(`/r/${k.kind}/${i}`, h('span', { class: 'primary' }, s.primary), h('span', { class: 'secondary' }, [s.date, ...s.details].filter(Boolean).join(' · '))));
  };
}

function header(k: ViewerKind, tx: Texts, ...extra: (HTMLElement | null)[]): HTMLElement {
  const files = k.files.map((f) => h('a', { href: f.path }, tx.optional(`viewer.format.${f.format}`) ?? f.format));
  const filesLine = files.length ? h('p', { class: 'files' }, tx.t('viewer.kind.files'), ' ', ...files.flatMap((a, i) => (i ? [', ', a] : [a]))) : null;
  return h(
    'div',
    { class: 'kind-head' },
    h('p', { class: 'crumbs' }, link('/', tx.t('viewer.nav.overview')), ' › ', tx.domain(k.domain)),
    h('h2', { id: 'view-title' }, tx.kindTitle(k)),
    h('p', {}, tx.t('viewer.kind.count', { count: k.records })),
    k.status !== 'COMPLETE' ? h('p', { class: 'warn', role: 'alert' }, tx.t('viewer.kind.incomplete')) : null,
    metadataPanel(k, null, tx),
    filesLine,
    ...extra,
  );
}

function listView(k: ViewerKind, tx: Texts, list: VirtualList | null, ...extra: (HTMLElement | null)[]): View {
  const el = h('section', { class: 'kind', 'aria-labelledby': 'view-title' }, header(k, tx, ...extra), k.records === 0 ? h('p', {}, tx.t('viewer.kind.empty')) : list?.el ?? null);
  return { el, destroy: () => list?.destroy() };
}

function ordersView(data: ArchiveData, k: ViewerKind, tx: Texts): View {
  const list = recordList(data, k, tx, {
    rowHeight: 64,
    row: (r, i, cell) => {
      cell.append(
        link(
          `/r/${k.kind}/${i}`,
          h('span', { class: 'primary' }, tx.t('viewer.order.title', { number: String(valueAt(r, 'orderNumber') ?? '') }), ' ', h('span', { class: 'amount' }, tx.money(valueAt(r, 'total'), valueAt(r, 'currency')))),
          h('span', { class: 'secondary' }, [tx.date(valueAt(r, 'placedAt')), tx.enumValue(String(valueAt(r, 'status') ?? '')), tx.t('viewer.order.items', { count: (valueAt(r, 'items') as unknown[] | null)?.length ?? 0 })].join(' · ')),
        ),
      );
    },
  });
  return listView(k, tx, list);
}

function contactsView(data: ArchiveData, k: ViewerKind, tx: Texts): View {
  const list = recordList(data, k, tx, {
    rowHeight: 150,
    minItemWidth: 260,
    className: 'cards',
    row: (r, i, cell) => {
      const phones = ((valueAt(r, 'phones') as { number?: string; value?: string }[] | null) ?? []).map((p) => p.number ?? p.value ?? '').filter(Boolean);
      const emails = ((valueAt(r, 'emails') as { address?: string; value?: string }[] | null) ?? []).map((p) => p.address ?? p.value ?? '').filter(Boolean);
      const org = [valueAt(r, 'jobTitle'), valueAt(r, 'organisation')].filter((x) => typeof x === 'string' && x).join(', ');
      cell.append(
        h(
          'div',
          { class: 'card' },
          link(`/r/${k.kind}/${i}`, h('span', { class: 'primary' }, String(valueAt(r, 'displayName') ?? ''))),
          org ? h('span', { class: 'secondary' }, org) : null,
          phones.length ? h('span', { class: 'secondary' }, phones.slice(0, 2).join(', ')) : null,
          emails.length ? h('span', { class: 'secondary' }, emails.slice(0, 2).join(', ')) : null,
        ),
      );
    },
  });
  return listView(k, tx, list);
}

/** Loads every page of a kind only to keep each record's position (two numbers) for the map; the pages go back to the cache's bound. */
function fillMap(data: ArchiveData, k: ViewerKind, map: PlaceMap, status: HTMLElement, tx: Texts, stopped: () => boolean): void {
  void data
    .scan(
      k.kind,
      (r, i) => {
        const lat = valueAt(r, 'latitude');
        const lon = valueAt(r, 'longitude');
        if (typeof lat === 'number' && typeof lon === 'number') map.add(lon, lat, i);
      },
      stopped,
    )
    .then(() => {
      if (!stopped()) status.textContent = tx.t('viewer.map.shown', { count: map.count });
    });
}

function placesView(data: ArchiveData, k: ViewerKind, tx: Texts, row: RowRenderer, grid: boolean): View {
  let stop = false;
  let list: VirtualList | null = null;
  const map = new PlaceMap(tx.t('viewer.map.label', { title: tx.kindTitle(k) }), (i) => {
    map.select(i);
    list?.scrollTo(i);
    location.hash = `#/r/${k.kind}/${i}`;
  });
  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, tx.t('viewer.loading'));
  list = recordList(data, k, tx, grid ? { rowHeight: 200, minItemWidth: 170, className: 'photos', row } : { rowHeight: 64, row });
  if (k.records > 0) fillMap(data, k, map, status, tx, () => stop);
  const v = listView(k, tx, list, k.records > 0 ? map.el : null, k.records > 0 ? status : null);
  return {
    el: v.el,
    destroy: () => {
      stop = true;
      v.destroy();
    },
  };
}

function locationRow(k: ViewerKind, tx: Texts): RowRenderer {
  return (r, i, cell) => {
    const lat = valueAt(r, 'latitude');
    const lon = valueAt(r, 'longitude');
    const where = typeof lat === 'number' && typeof lon === 'number' ? tx.t('viewer.map.position', { lat: lat.toFixed(4), lon: lon.toFixed(4) }) : '';
    const acc = valueAt(r, 'accuracyMeters');
    cell.append(
      link(
        `/r/${k.kind}/${i}`,
        h('span', { class: 'primary' }, tx.date(valueAt(r, 'at'))),
        h('span', { class: 'secondary' }, [where, tx.enumValue(String(valueAt(r, 'method') ?? '')), typeof acc === 'number' ? tx.t('viewer.map.accuracy', { meters: Math.round(acc) }) : ''].filter(Boolean).join(' · ')),
      ),
    );
  };
}

function photoTile(k: ViewerKind, tx: Texts): RowRenderer {
  return (r, i, cell) => {
    cell.append(link(`/r/${k.kind}/${i}`, photo(r, tx, 'tile'), h('span', { class: 'secondary' }, tx.date(valueAt(r, 'takenAt'), 'date'))));
  };
}

/**
 * Messages as conversations: the conversations (from the conversation kind)
 * link to each conversation's thread.
 */
function conversationsView(data: ArchiveData, k: ViewerKind, tx: Texts): View {
  const conv = data.byKind.get('messaging.conversation');
  if (!conv || conv.records === 0) return listView(k, tx, recordList(data, k, tx, { rowHeight: 64, row: genericRow(k, tx) }));
  const list = recordList(data, conv, tx, {
    rowHeight: 64,
    row: (r, _i, cell) => {
      const id = String(valueAt(r, 'conversationId') ?? '');
      const title = String(valueAt(r, 'title') ?? '') || tx.t('viewer.conversation.untitled');
      cell.append(
        link(
          `/c/${encodeURIComponent(id)}`,
          h('span', { class: 'primary' }, title),
          h('span', { class: 'secondary' }, [tx.t('viewer.conversation.participants', { count: Number(valueAt(r, 'participantCount') ?? 0) }), tx.date(valueAt(r, 'lastMessageAt'))].join(' · ')),
        ),
      );
    },
  });
  return listView(k, tx, list, h('p', {}, tx.t('viewer.conversation.intro', { count: conv.records })));
}

/** One conversation's messages as a thread: sent on the right, received on the left; found by one pass over the message pages. */
export function conversationView(data: ArchiveData, conversationId: string, tx: Texts): View {
  const k = data.byKind.get('messaging.message');
  const el = h('section', { class: 'kind conversation', 'aria-labelledby': 'view-title' });
  if (!k) return { el, destroy: () => undefined };
  let stop = false;
  let list: VirtualList | null = null;
  const status = h('p', { class: 'muted', 'aria-live': 'polite' }, tx.t('viewer.loading'));
  const title = h('h2', { id: 'view-title' }, tx.t('viewer.conversation.title'));
  el.append(h('p', { class: 'crumbs' }, link('/', tx.t('viewer.nav.overview')), ' › ', link(`/k/${k.kind}`, tx.kindTitle(k))), title, status);
  const conv = data.byKind.get('messaging.conversation');
  if (conv) {
    void data.scan(conv.kind, (r) => {
      if (valueAt(r, 'conversationId') !== conversationId) return true;
      const t = valueAt(r, 'title');
      if (typeof t === 'string' && t) title.textContent = t;
      return false;
    });
  }
  // Only the indexes of this conversation's messages are kept, not the messages.
  const indexes: number[] = [];
  void data
    .scan(
      k.kind,
      (r, i) => {
        if (valueAt(r, 'conversationId') === conversationId) indexes.push(i);
      },
      () => stop,
    )
    .then(() => {
      if (stop) return;
      status.textContent = tx.t('viewer.conversation.count', { count: indexes.length });
      list = new VirtualList({
        count: indexes.length,
        rowHeight: 84,
        label: title.textContent ?? '',
        className: 'thread',
        render: (j, cell) => {
          const i = indexes[j]!;
          const drawOne = (r: Rec | undefined) => {
            if (!r) return;
            const sent = valueAt(r, 'direction') === 'SENT' || valueAt(r, 'sender.own') === true;
            const who = sent ? tx.t('viewer.conversation.you') : String(valueAt(r, 'sender.phoneNumber') ?? '');
            cell.replaceChildren(
              h(
                'div',
                { class: `bubble ${sent ? 'sent' : 'received'}` },
                link(`/r/${k.kind}/${i}`, h('span', { class: 'body' }, String(valueAt(r, 'body') ?? '')), h('span', { class: 'secondary' }, [who, tx.date(valueAt(r, 'sentAt'))].filter(Boolean).join(' · '))),
              ),
            );
          };
          const { page, at } = data.locate(k.kind, i);
          const hit = data.cached(k.kind, page);
          if (hit) return drawOne(hit[at]);
          return data.page(k.kind, page).then((recs) => drawOne(recs[at]));
        },
      });
      el.append(list.el);
    });
  return {
    el,
    destroy: () => {
      stop = true;
      list?.destroy();
    },
  };
}

export function kindView(data: ArchiveData, k: ViewerKind, tx: Texts): View {
  switch (k.kind) {
    case 'orders.order':
      return ordersView(data, k, tx);
    case 'messaging.message':
      return conversationsView(data, k, tx);
    case 'cloud.contact':
      return contactsView(data, k, tx);
    case 'cloud.location':
      return placesView(data, k, tx, locationRow(k, tx), false);
    case 'cloud.gallery_item':
      return placesView(data, k, tx, photoTile(k, tx), true);
    default:
      return listView(k, tx, recordList(data, k, tx, { rowHeight: 64, row: genericRow(k, tx) }));
  }
}
