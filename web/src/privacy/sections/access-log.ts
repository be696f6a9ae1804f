import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { gql } from '../session.js';
import { $, errorText, h } from '../ui.js';

/**
 * "Who accessed your data": the person's access log (me { accessLog }) — each
 * time the privacy team read, exported, corrected or erased their data, with the
 * reason recorded, and their own requests, exports and erasures — newest first,
 * older entries a page at a time. Texts from the `archive` catalogue.
 */

interface Entry {
  id: string;
  at: string;
  actor: 'YOU' | 'PRIVACY_TEAM' | 'SYSTEM';
  action: 'READ' | 'CORRECTION' | 'ERASURE' | 'RESTRICTION' | 'OBJECTION' | 'CONSENT' | 'EXPORT' | 'DOWNLOAD' | 'REQUEST' | 'CHANGE';
  what: string;
  reason: string | null;
  state: string | null;
}
interface Page {
  entries: Entry[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const PAGE = 20;
const QUERY = 'query AccessLog($first: Int, $after: String) { me { accessLog(first: $first, after: $after) { entries { id at actor action what reason state } pageInfo { hasNextPage endCursor } } } }';
const COLUMNS = ['when', 'who', 'what', 'why', 'state'] as const;

function row(e: Entry): HTMLElement {
  return h(
    'tr',
    {},
    h('td', {}, h('time', { datetime: e.at, text: tr().date(e.at, 'dateTime') })),
    h('td', { text: t(`archive.access.actor.${e.actor}`) }),
    h('td', {}, t(`archive.access.action.${e.action}`), h('br'), h('small', { text: e.what })),
    h('td', { text: e.reason ?? t('archive.access.noReason') }),
    h('td', { text: e.state ?? '' }),
  );
}

let after: string | null = null;

async function next(): Promise<void> {
  const more = $('access-log-more') as HTMLButtonElement;
  more.disabled = true;
  const res = await gql<{ me: { accessLog: Page } }>(QUERY, { first: PAGE, after });
  const page = res.data?.me?.accessLog;
  const body = $('access-log-body');
  if (!page) {
    body.replaceChildren(h('p', { class: 'error', text: t('archive.access.loadError', { message: errorText(res) ?? '' }) }));
    more.hidden = true;
    return;
  }
  if (after === null) {
    body.replaceChildren(
      page.entries.length
        ? h('table', { id: 'access-log-table' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col', text: t(`archive.access.col.${c}`) })))), h('tbody'))
        : h('p', { class: 'muted', text: t('archive.access.empty') }),
    );
  }
  const tbody = body.querySelector('tbody');
  for (const e of page.entries) tbody?.append(row(e));
  after = page.pageInfo.endCursor;
  more.hidden = !page.pageInfo.hasNextPage;
  more.disabled = false;
}

export const accessLog: Section = {
  id: 'access-log',
  title: 'archive.access.heading',
  render(body) {
    const more = h('button', { id: 'access-log-more', type: 'button', class: 'secondary', hidden: true, text: t('archive.access.more') });
    more.addEventListener('click', () => void next());
    body.append(h('p', { text: t('archive.access.about') }), h('div', { id: 'access-log-body' }, h('p', { class: 'muted', text: t('privacy.loading') })), h('div', { class: 'actions' }, more));
  },
  async load() {
    after = null;
    await next();
  },
};
