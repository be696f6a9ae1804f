import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { gql, session, type DomainConfig, type KindConfig } from '../session.js';
import { $, errorText, h } from '../ui.js';

/** Every record, domain by domain and kind by kind, a page at a time (the domains and kinds come from the supergraph). */

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return tr().number(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function recordView(r: Record<string, unknown>): HTMLElement {
  const dl = h('dl', { class: 'record' });
  for (const [key, v] of Object.entries(r)) {
    if (key === 'meta' && v && typeof v === 'object') {
      const m = v as Record<string, unknown>;
      dl.append(h('dt', { text: t('privacy.browse.meta') }), h('dd', { text: t('privacy.browse.metaText', { category: show(m.category), basis: show(m.legalBasis), retention: show(m.retention), policy: show(m.policySection) }) }));
      if (m.restricted === true) dl.append(h('dt', { text: t('privacy.browse.restricted') }), h('dd', { class: 'error', text: t('privacy.browse.restrictedText', { reason: show((m.restriction as Record<string, unknown> | null)?.reason) }) }));
      continue;
    }
    dl.append(h('dt', { text: key }), h('dd', { text: show(v) }));
  }
  return dl;
}

type Conn = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Record<string, unknown>[] };

function browseKind(d: DomainConfig, k: KindConfig): HTMLElement {
  const list = h('div', { class: 'records' });
  const button = h('button', { type: 'button', text: t('privacy.browse.show', { title: k.title }) });
  let after: string | null = null;
  const wrap = h('section', { class: 'kind', 'aria-label': k.title }, h('h4', { text: k.title }), button, list);
  button.addEventListener('click', () => {
    void (async () => {
      button.disabled = true;
      const q = `query($first: Int, $after: String) { me { ${d.name} { ${k.field}(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${k.selection} } } } } }`;
      const res = await gql<{ me: Record<string, Record<string, Conn> | null> }>(q, { first: 10, after });
      const conn = res.data?.me?.[d.name]?.[k.field];
      if (!conn) {
        list.append(h('p', { class: 'error', text: errorText(res) ?? t('privacy.notAvailable') }));
        button.disabled = false;
        return;
      }
      if (!after) list.append(h('p', { class: 'muted', text: t('common.records.count', { count: conn.totalCount }) }));
      for (const r of conn.nodes) list.append(recordView(r));
      after = conn.pageInfo.endCursor;
      button.textContent = t('privacy.browse.more');
      button.disabled = false;
      button.hidden = !conn.pageInfo.hasNextPage;
    })();
  });
  return wrap;
}

export const browse: Section = {
  id: 'browse',
  title: 'privacy.browse.title',
  render(body) {
    body.append(h('p', { text: t('privacy.browse.intro') }), h('div', { id: 'browse-body' }));
  },
  async load() {
    $('browse-body').replaceChildren(
      ...session.config.domains.map((d) =>
        h('details', { class: 'domain' }, h('summary', {}, h('span', { class: 'domain-name', text: d.name }), d.description ? h('span', { class: 'muted', text: ` — ${d.description}` }) : null), ...d.kinds.map((k) => browseKind(d, k))),
      ),
    );
  },
};
