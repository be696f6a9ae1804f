import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { gql } from '../session.js';
import { $, errorText, h } from '../ui.js';

/** The person's corrections, newest first, with whom each was passed on to (Art. 19). */

interface Entry {
  correctedAt: string;
  domain: string;
  fieldLabel: string;
  newValue: string | null;
  actorType: string;
  notices: { recipient: string; state: string }[];
}

export const history: Section = {
  id: 'history',
  title: 'privacy.history.title',
  render(body) {
    body.append(h('div', { id: 'history-body' }, h('p', { class: 'muted', text: t('privacy.loading') })));
  },
  async load() {
    const res = await gql<{ me: { corrections: { history: { totalCount: number; nodes: Entry[] } } | null } }>(
      '{ me { corrections { history(first: 100) { totalCount nodes { correctedAt domain fieldLabel newValue actorType notices { recipient state } } } } } }',
    );
    const list = res.data?.me?.corrections?.history;
    const body = $('history-body');
    if (!list) {
      body.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.notAvailable') }));
      return;
    }
    if (list.totalCount === 0) {
      body.replaceChildren(h('p', { class: 'muted', text: t('privacy.history.none') }));
      return;
    }
    const tbody = h('tbody');
    for (const e of [...list.nodes].reverse()) {
      tbody.append(
        h(
          'tr',
          {},
          h('td', {}, h('time', { datetime: e.correctedAt, text: tr().date(e.correctedAt, 'dateTime') })),
          h('td', { text: t('privacy.history.what', { field: e.fieldLabel, domain: e.domain }) }),
          h('td', { text: e.newValue ?? '—' }),
          h('td', { text: t('privacy.history.by', { actor: e.actorType }) }),
          h('td', { text: e.notices.length ? e.notices.map((n) => t('privacy.history.notice', { recipient: t('privacy.recipient', { recipient: n.recipient }), state: n.state })).join(', ') : '—' }),
        ),
      );
    }
    const cols = ['privacy.history.col.when', 'privacy.history.col.what', 'privacy.history.col.value', 'privacy.history.col.by', 'privacy.history.col.told'] as const;
    body.replaceChildren(h('table', {}, h('caption', { text: t('privacy.history.caption', { count: list.totalCount }) }), h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', text: t(c) })))), tbody));
  },
};
