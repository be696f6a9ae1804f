import { errorMessage } from '../../errors.js';
import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { announce, gql } from '../session.js';
import { $, errorText, field, type GqlResult, h } from '../ui.js';

/**
 * "Send your contacts to another server" (GDPR Art. 20(2)): the person names a
 * CardDAV server, their user name there and an app password for this transfer
 * only; the page follows the push (serverPush), shows what arrived and what did
 * not, resumes it (asking for the password again: the gateway never kept it)
 * or cancels it, and lists the earlier pushes. The password is read from its
 * field into one request and the field is cleared at once: it is never kept in
 * a variable past the call, nor in any storage.
 */

interface Push {
  id: string;
  recipientHost: string;
  username: string;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  createdAt: string;
  addressBookUrl: string | null;
  progress: { cardsTotal: number | null; cardsSent: number; cardsVerified: number; cardsSkipped: number; cardsFailed: number };
  error: { code: string; message: string } | null;
  failedCards: { recordId: string; uid: string | null; message: string }[];
  resumable: boolean;
}

const FIELDS = 'id recipientHost username state createdAt addressBookUrl progress { cardsTotal cardsSent cardsVerified cardsSkipped cardsFailed } error { code message } failedCards { recordId uid message } resumable';
const START = `mutation Push($input: ContactTransferInput!) { transferContacts(input: $input) { ${FIELDS} } }`;
const POLL = `query Push($id: ID!) { serverPush(pushId: $id) { ${FIELDS} } }`;
const RESUME = `mutation Resume($id: ID!, $pw: String!) { resumeServerPush(pushId: $id, appPassword: $pw) { ${FIELDS} } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelServerPush(pushId: $id) { ${FIELDS} } }`;
const HISTORY = `{ me { serverPushes { pushes(first: 20) { nodes { ${FIELDS} } } } } }`;
const CONTACTS = 'query Contacts($after: String) { me { cloud { contacts(first: 100, after: $after) { nodes { id displayName } pageInfo { hasNextPage endCursor } } } } }';

interface ContactsPage {
  nodes: { id: string; displayName: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type ContactsAnswer = { me: { cloud: { contacts: ContactsPage } | null } };

const OPEN = ['QUEUED', 'RUNNING'];
/** The push this page follows; a newer follow (another start or resume) stops the older loop. */
let following = 0;
let current: Push | null = null;

/** The failed cards' names: the person's contacts read page by page until every failed one is found (at most 100 are listed). */
async function contactNames(ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const wanted = new Set(ids);
  let after: string | null = null;
  while (wanted.size) {
    const res: GqlResult<ContactsAnswer> = await gql<ContactsAnswer>(CONTACTS, { after });
    const page: ContactsPage | undefined = res.data?.me?.cloud?.contacts;
    if (!page) break;
    for (const c of page.nodes) if (wanted.delete(c.id)) names.set(c.id, c.displayName);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return names;
}

function counts(p: Push): string {
  const { cardsTotal, cardsVerified, cardsSkipped, cardsFailed } = p.progress;
  return t('transfers.push.counts', { verified: cardsVerified, total: cardsTotal === null ? 'unknown' : tr().number(cardsTotal), failed: cardsFailed, skipped: cardsSkipped });
}

async function show(p: Push): Promise<void> {
  current = p;
  // The names first, so the section changes at once and never shows an emptied list while they load.
  const names = p.failedCards.length ? await contactNames(p.failedCards.map((c) => c.recordId)) : new Map<string, string>();
  $('push-status').hidden = false;
  $('push-state').textContent = t('transfers.push.line', { host: p.recipientHost, state: t('transfers.push.state', { state: p.state }) });
  const { cardsTotal, cardsVerified, cardsFailed } = p.progress;
  const bar = $('push-bar');
  const pct = cardsTotal ? Math.min(100, Math.round(((cardsVerified + cardsFailed) / cardsTotal) * 100)) : p.state === 'SUCCEEDED' ? 100 : 0;
  bar.setAttribute('value', String(pct));
  bar.textContent = `${pct}%`;
  $('push-counts').textContent = p.state === 'SUCCEEDED' ? t('transfers.push.succeeded', { verified: cardsVerified }) : counts(p);
  $('push-book').textContent = p.addressBookUrl ? t('transfers.push.addressBookUrl', { url: p.addressBookUrl }) : '';
  const error = $('push-error');
  // The push's own error code, worded by the catalogue; the gateway's message follows as a detail.
  error.textContent = p.error ? errorMessage({ message: p.error.message, extensions: { code: p.error.code } }) : '';
  error.hidden = !p.error;
  $('push-failed').replaceChildren(
    ...(p.failedCards.length
      ? [
          h('h4', { text: t('transfers.push.failedCards') }),
          h('ul', {}, ...p.failedCards.map((c) => h('li', { 'data-record': c.recordId, text: t('transfers.push.failedCard', { name: names.get(c.recordId) ?? c.uid ?? c.recordId, message: c.message }) }))),
        ]
      : []),
  );
  $('push-resume').hidden = !p.resumable || OPEN.includes(p.state);
  $('push-cancel').hidden = !OPEN.includes(p.state);
}

async function follow(p: Push): Promise<void> {
  const mine = ++following;
  let push: Push = p;
  for (;;) {
    await show(push);
    if (!OPEN.includes(push.state)) break;
    await new Promise<void>((r) => setTimeout(r, 700));
    if (mine !== following) return;
    const res = await gql<{ serverPush: Push | null }>(POLL, { id: push.id });
    if (mine !== following) return;
    if (!res.data?.serverPush) {
      $('push-state').textContent = t('transfers.push.lost', { error: errorText(res) ?? '' });
      return;
    }
    push = res.data.serverPush;
  }
  announce(t('transfers.push.line', { host: push.recipientHost, state: t('transfers.push.state', { state: push.state }) }));
  await loadHistory();
}

async function start(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const submit = $<HTMLButtonElement>('push-submit');
  const password = field('push-password');
  const input = { serverUrl: field('push-url').value.trim(), username: field('push-user').value.trim(), appPassword: password.value, addressBook: field('push-addressbook').value.trim() || null };
  // Cleared before the answer: the password is in this one request and nowhere else on the page.
  password.value = '';
  submit.disabled = true;
  const res = await gql<{ transferContacts: Push }>(START, { input });
  submit.disabled = false;
  const push = res.data?.transferContacts;
  const error = $('push-form-error');
  if (!push) {
    error.textContent = t('transfers.push.notStarted', { error: errorText(res) ?? '' });
    error.hidden = false;
    return;
  }
  error.hidden = true;
  announce(t('transfers.push.started', { host: push.recipientHost }));
  await follow(push);
}

async function resume(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  if (!current) return;
  const password = field('push-resume-password');
  const pw = password.value;
  password.value = '';
  const res = await gql<{ resumeServerPush: Push }>(RESUME, { id: current.id, pw });
  const push = res.data?.resumeServerPush;
  if (!push) {
    $('push-error').textContent = t('transfers.push.notResumed', { error: errorText(res) ?? '' });
    $('push-error').hidden = false;
    return;
  }
  announce(t('transfers.push.resumed'));
  await follow(push);
}

async function cancel(): Promise<void> {
  if (!current) return;
  const res = await gql<{ cancelServerPush: Push }>(CANCEL, { id: current.id });
  const push = res.data?.cancelServerPush;
  if (!push) {
    announce(t('transfers.push.notCancelled', { error: errorText(res) ?? '' }));
    return;
  }
  announce(t('transfers.push.cancelled'));
  // The running push stops at its next card: keep following until it says so.
  await follow(push);
}

async function loadHistory(): Promise<void> {
  const res = await gql<{ me: { serverPushes: { pushes: { nodes: Push[] } } | null } }>(HISTORY);
  const list = $('push-history');
  const pushes = res.data?.me?.serverPushes?.pushes.nodes;
  if (!pushes) {
    list.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.notAvailable') }));
    return;
  }
  list.replaceChildren(
    pushes.length
      ? h(
          'ul',
          {},
          ...pushes.map((p) =>
            h(
              'li',
              { 'data-push': p.id },
              t('transfers.push.historyItem', { date: tr().date(p.createdAt), user: p.username, host: p.recipientHost, state: t('transfers.push.state', { state: p.state }), verified: p.progress.cardsVerified }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: t('transfers.push.historyNone') }),
  );
  // A push still running when the page opened (or after a language switch) is followed again.
  const open = pushes.find((p) => OPEN.includes(p.state));
  if (open && (!current || current.id !== open.id || !OPEN.includes(current.state))) void follow(open);
  else if (current) await show(pushes.find((p) => p.id === current?.id) ?? current);
}

function input(id: string, label: string, attrs: Record<string, string | boolean>, hint?: string): HTMLElement {
  const hintId = hint ? `${id}-hint` : undefined;
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), h('input', { id, name: id, autocomplete: 'off', 'aria-describedby': hintId, ...attrs }), hint ? h('p', { id: hintId, class: 'hint', text: hint }) : null);
}

export const serverPush: Section = {
  id: 'server-push',
  title: 'transfers.push.title',
  nav: 'transfers.push.nav',
  render(body) {
    // autocomplete="off" on every field: the address and user name are the person's to type, the password is for this transfer only.
    const form = h(
      'form',
      { id: 'push-form', autocomplete: 'off' },
      input('push-url', t('transfers.push.serverUrl'), { type: 'url', required: true, inputmode: 'url', spellcheck: 'false' }, t('transfers.push.serverUrlHint')),
      input('push-user', t('transfers.push.username'), { type: 'text', required: true, spellcheck: 'false' }),
      input('push-password', t('transfers.push.appPassword'), { type: 'password', required: true }),
      input('push-addressbook', t('transfers.push.addressBook'), { type: 'text' }, t('transfers.push.addressBookHint')),
      h('p', { id: 'push-form-error', class: 'error', role: 'alert', hidden: true }),
      h('button', { id: 'push-submit', type: 'submit', text: t('transfers.push.start') }),
    );
    form.addEventListener('submit', (ev) => void start(ev));
    const resumeForm = h(
      'form',
      { id: 'push-resume', autocomplete: 'off', hidden: true },
      h('p', { class: 'hint', text: t('transfers.push.resumeHint') }),
      input('push-resume-password', t('transfers.push.appPassword'), { type: 'password', required: true }),
      h('button', { id: 'push-resume-submit', type: 'submit', text: t('transfers.push.resume') }),
    );
    resumeForm.addEventListener('submit', (ev) => void resume(ev));
    const cancelButton = h('button', { id: 'push-cancel', type: 'button', class: 'secondary', hidden: true, text: t('transfers.push.cancel') });
    cancelButton.addEventListener('click', () => void cancel());
    const status = h(
      'div',
      { id: 'push-status', hidden: true },
      h('label', { for: 'push-bar', text: t('transfers.push.progress') }),
      h('progress', { id: 'push-bar', max: '100', value: '0', text: '0%' }),
      h('p', { id: 'push-state', 'aria-live': 'polite' }),
      h('p', { id: 'push-counts' }),
      h('p', { id: 'push-book', class: 'muted' }),
      h('p', { id: 'push-error', class: 'error', hidden: true }),
      h('div', { id: 'push-failed' }),
      resumeForm,
      cancelButton,
    );
    body.append(
      h('p', { text: t('transfers.push.intro') }),
      form,
      status,
      h('h3', { text: t('transfers.push.history') }),
      h('p', { class: 'muted', text: t('transfers.push.historyNote') }),
      h('div', { id: 'push-history' }, h('p', { class: 'muted', text: t('privacy.loading') })),
    );
    // After a language switch the page is built again: show the followed push in it.
    if (current) void show(current);
  },
  async load() {
    await loadHistory();
  },
};
