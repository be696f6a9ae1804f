import { createTranslator, negotiateLanguage, type Translator } from '@footprint/i18n';
import type { El } from './dom.js';
import { $, errorText, gql, h } from './ui.js';

/**
 * "Who accessed your data" in the privacy centre: the person's access log
 * (me { accessLog }) — each time the privacy team read, exported, corrected or
 * erased their data, with the reason recorded, and their own requests, exports
 * and erasures — newest first, older entries a page at a time. Its section is
 * made here (after "Your requests"), so the page's HTML needs no change; texts
 * come from the `archive` catalogue in the browser's language.
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
const QUERY = `query AccessLog($first: Int, $after: String) { me { accessLog(first: $first, after: $after) { entries { id at actor action what reason state } pageInfo { hasNextPage endCursor } } } }`;

function section(tr: Translator): { body: El; more: El } {
  if (document.getElementById('access-log')) return { body: $('access-log-body'), more: $('access-log-more') };
  const more = h('button', { id: 'access-log-more', type: 'button', class: 'secondary', hidden: true, text: tr.t('archive.access.more') });
  const body = h('div', { id: 'access-log-body' }, h('p', { class: 'muted', text: '…' }));
  const s = h(
    'section',
    { id: 'access-log', 'aria-labelledby': 'access-log-h' },
    h('h2', { id: 'access-log-h', text: tr.t('archive.access.heading') }),
    h('p', { text: tr.t('archive.access.about') }),
    body,
    h('div', { class: 'actions' }, more),
  );
  $('signed-in').append(s);
  return { body, more };
}

function row(tr: Translator, e: Entry): El {
  return h(
    'tr',
    {},
    h('td', {}, h('time', { datetime: e.at, text: tr.date(e.at, 'dateTime') })),
    h('td', { text: tr.t(`archive.access.actor.${e.actor}`) }),
    h('td', {}, tr.t(`archive.access.action.${e.action}`), h('br'), h('small', { text: e.what })),
    h('td', { text: e.reason ?? tr.t('archive.access.noReason') }),
    h('td', { text: e.state ?? '' }),
  );
}

/** Shows the signed-in person's access log; `token` is their own. */
export async function loadAccessLog(token: string): Promise<void> {
  const tr = createTranslator(negotiateLanguage(navigator.languages), Intl.DateTimeFormat().resolvedOptions().timeZone);
  const { body, more } = section(tr);
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'access-log-table' },
    h('thead', {}, h('tr', {}, ...(['when', 'who', 'what', 'why', 'state'] as const).map((c) => h('th', { scope: 'col', text: tr.t(`archive.access.col.${c}`) })))),
    tbody,
  );
  let after: string | null = null;
  const next = async (): Promise<void> => {
    more.disabled = true;
    const res = await gql<{ me: { accessLog: Page } }>(token, QUERY, { first: PAGE, after });
    const page = res.data?.me?.accessLog;
    if (!page) {
      body.replaceChildren(h('p', { class: 'error', text: tr.t('archive.access.loadError', { message: errorText(res) ?? '' }) }));
      more.hidden = true;
      return;
    }
    if (after === null) body.replaceChildren(page.entries.length ? table : h('p', { class: 'muted', text: tr.t('archive.access.empty') }));
    for (const e of page.entries) tbody.append(row(tr, e));
    after = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
    more.disabled = false;
  };
  more.addEventListener('click', () => void next());
  await next();
}
