import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { gql, session } from '../session.js';
import { $, h } from '../ui.js';

/** What each domain holds (the discovery summary: counts, never records), and whether a kind's processing is restricted. */

interface Restriction {
  kind: string;
  recordId: string | null;
  ground: string;
  until: string | null;
}

function restrictionCell(r: Restriction | undefined): HTMLElement {
  if (!r) return h('td', { text: t('privacy.summary.inUse') });
  const until = r.until ? tr().date(r.until, 'date') : null;
  const text = r.ground === 'LEGAL_HOLD' ? t('privacy.summary.legalHold', { until: until ?? 'none' }) : t('privacy.summary.restricted', { ground: r.ground, until: until ?? 'none' });
  return h('td', { class: 'error', text });
}

export const summary: Section = {
  id: 'summary',
  title: 'privacy.summary.title',
  nav: 'privacy.summary.nav',
  render(body) {
    body.append(h('div', { id: 'summary-body' }, h('p', { class: 'muted', text: t('privacy.loading') })));
  },
  async load() {
    const res = await gql<{
      me: {
        discovery: { domains: ({ domain: string; kinds: { kind: string; title: string; count: number; earliest: string | null; latest: string | null }[] } | null)[] };
        processing: { restrictions: Restriction[] } | null;
      };
    }>('{ me { discovery { domains { domain kinds { kind title count earliest latest } } } processing { restrictions { kind recordId ground until } } } }');
    const domains = res.data?.me?.discovery?.domains ?? [];
    const restricted = new Map((res.data?.me?.processing?.restrictions ?? []).filter((r) => !r.recordId).map((r) => [r.kind, r]));
    session.held = new Map(domains.flatMap((d) => (d ? d.kinds.map((k) => [k.kind, k.count] as [string, number]) : [])));
    const total = [...session.held.values()].reduce((n, c) => n + c, 0);
    const tbody = h('tbody');
    for (const d of domains) {
      if (!d) continue;
      d.kinds.forEach((k, i) => {
        tbody.append(
          h(
            'tr',
            {},
            i === 0 ? h('th', { scope: 'row', rowspan: String(d.kinds.length), text: d.domain }) : null,
            h('td', { text: k.title }),
            h('td', { class: 'num', text: tr().number(k.count) }),
            h('td', { text: k.earliest ? t('privacy.summary.span', { from: tr().date(k.earliest, 'date'), to: tr().date(k.latest ?? k.earliest, 'date') }) : '—' }),
            restrictionCell(restricted.get(k.kind)),
          ),
        );
      });
    }
    const cols = ['privacy.summary.col.domain', 'privacy.summary.col.kind', 'privacy.summary.col.records', 'privacy.summary.col.span', 'privacy.summary.col.processing'] as const;
    const table = h('table', {}, h('caption', { text: t('privacy.summary.caption') }), h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', text: t(c) })))), tbody);
    const failed = (res.errors ?? []).map((e) => e.extensions?.domain).filter((d): d is string => Boolean(d));
    $('summary-body').replaceChildren(
      h('p', { id: 'summary-total', text: t('privacy.summary.total', { records: total, kinds: session.held.size }) }),
      table,
      failed.length ? h('p', { class: 'error', text: t('privacy.unavailable', { domains: failed.join(', ') }) }) : '',
    );
  },
};
