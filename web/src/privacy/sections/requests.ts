import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { gql } from '../session.js';
import { $, errorText, field, h, OPEN_STATES } from '../ui.js';

/**
 * The person's privacy requests: make one (access, a portable copy,
 * correction, erasure …), see each with its due date, where it stands, its
 * timeline and the answer, and withdraw an open one. Days are the controller's
 * calendar days (the gateway's time zone), shown in the reader's language.
 */

interface PersonRequest {
  id: string;
  type: string;
  state: string;
  receivedAt: string;
  receivedOn: string;
  deadlineOn: string;
  extendedTo: string | null;
  extensionReason: string | null;
  daysLeft: number | null;
  answer: string | null;
  scope: { kinds: string[] | null; purpose: string | null };
  evidence: { archiveSha256: string | null; exportJobId: string | null; correctionIds: string[] };
  failure: { message: string } | null;
  timeline: { at: string; action: string; toState: string; reason: string | null }[];
}

const FIELDS = `id type state receivedAt receivedOn deadlineOn extendedTo extensionReason daysLeft answer scope { kinds purpose }
  evidence { archiveSha256 exportJobId correctionIds } failure { message } timeline { at action toState reason }`;
const TYPES = ['ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION', 'CONSENT_WITHDRAWAL'] as const;
/** Purposes a request can name: objections (Art. 21) and consents that can be withdrawn. */
const PURPOSES: [string, 'objection' | 'consent'][] = [['AD_PROFILING', 'objection'], ['DIRECT_MARKETING', 'objection'], ['MARKETING', 'consent'], ['ANALYTICS', 'consent'], ['PERSONALISATION', 'consent'], ['COMMUNICATION', 'consent']];

/** A calendar day (YYYY-MM-DD, already the controller's) in the reader's language: noon UTC keeps it that day everywhere. */
export const day = (d: string): string => tr().date(`${d}T12:00:00Z`, 'date');

const status = (message: string) => {
  $('requests-status').textContent = message;
};

function row(r: PersonRequest): HTMLElement {
  const open = OPEN_STATES.includes(r.state);
  const due = t(r.extendedTo ? 'privacy.requests.dueExtended' : 'privacy.requests.due', { due: day(r.deadlineOn) });
  const dueText = open && r.daysLeft !== null ? t('privacy.requests.dueLine', { due, left: r.daysLeft >= 0 ? t('common.days.left', { count: r.daysLeft }) : t('privacy.requests.late') }) : due;
  const scope = [r.scope.kinds?.join(', '), r.scope.purpose ? t('privacy.purpose', { purpose: r.scope.purpose }) : null].filter(Boolean).join('; ');
  const detail = h(
    'details',
    {},
    h('summary', { text: t('privacy.requests.detailsSummary') }),
    scope ? h('p', { text: t('privacy.requests.about', { scope }) }) : r.type === 'ERASURE' ? h('p', { text: t('privacy.requests.aboutAccount') }) : null,
    r.extensionReason ? h('p', { text: t('privacy.requests.longer', { reason: r.extensionReason }) }) : null,
    r.failure ? h('p', { class: 'error', text: t('privacy.requests.problem', { message: r.failure.message }) }) : null,
    r.evidence.archiveSha256 ? h('p', { text: t('privacy.requests.archive', { sha256: r.evidence.archiveSha256 }) }) : null,
    r.evidence.correctionIds.length ? h('p', { text: t('privacy.requests.corrections', { ids: r.evidence.correctionIds.join(', ') }) }) : null,
    r.answer ? h('p', { text: t('privacy.requests.answer', { answer: r.answer }) }) : null,
    h(
      'ol',
      { class: 'timeline' },
      ...r.timeline.map((e) => {
        const event = t('privacy.requests.event', { at: tr().date(e.at, 'dateTime'), action: e.action });
        return h('li', { text: e.reason ? t('privacy.requests.eventWhy', { event, reason: e.reason }) : event });
      }),
    ),
  );
  // A request waiting for the code sent to the person's e-mail (an erasure they asked for): confirm it here.
  let confirm: HTMLFormElement | null = null;
  if (r.state === 'VERIFYING') {
    const form = h('form', { class: 'confirm-form' }, h('label', { for: `code-${r.id}`, text: t('privacy.requests.codeLabel') }), h('input', { id: `code-${r.id}`, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' }), h('button', { type: 'submit', text: t('privacy.requests.confirm') }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void (async () => {
        const res = await gql<{ verifyPrivacyRequest: { state: string } }>('mutation($id: ID!, $c: String) { verifyPrivacyRequest(requestId: $id, input: { code: $c }) { state } }', { id: r.id, c: field(`code-${r.id}`).value.trim() });
        status(res.data ? t('privacy.requests.confirmed') : t('privacy.requests.notConfirmed', { error: errorText(res) ?? '' }));
        if (res.data) await requests.load?.();
      })();
    });
    confirm = form;
  }
  let withdraw: HTMLButtonElement | null = null;
  if (open) {
    const button = h('button', { type: 'button', class: 'secondary', text: t('privacy.requests.withdraw') });
    button.addEventListener('click', () => {
      void (async () => {
        button.disabled = true;
        const res = await gql<{ withdrawPrivacyRequest: { state: string } }>('mutation($id: ID!) { withdrawPrivacyRequest(requestId: $id) { state } }', { id: r.id });
        status(res.data ? t('privacy.requests.withdrawn') : t('privacy.requests.notWithdrawn', { error: errorText(res) ?? '' }));
        await requests.load?.();
      })();
    });
    withdraw = button;
  }
  return h(
    'tr',
    { 'data-request': r.id },
    h('td', {}, h('strong', { text: t('privacy.requestType', { type: r.type }) }), detail),
    h('td', { text: day(r.receivedOn) }),
    h('td', { text: dueText }),
    h('td', { text: t('privacy.requestState', { state: r.state }) }),
    h('td', {}, confirm, withdraw),
  );
}

async function submit(): Promise<void> {
  const type = field('request-type').value;
  const details = field('request-details').value.trim();
  const kinds = field('request-kinds').value.split(',').map((k) => k.trim()).filter(Boolean);
  const purpose = field('request-purpose').value;
  const res = await gql<{ submitPrivacyRequest: { id: string; deadlineOn: string; state: string } }>('mutation($input: SubmitPrivacyRequestInput!) { submitPrivacyRequest(input: $input) { id deadlineOn state } }', {
    input: { type, details: details || null, kinds: kinds.length ? kinds : null, purpose: purpose || null },
  });
  const made = res.data?.submitPrivacyRequest;
  status(made ? t('privacy.requests.received', { due: day(made.deadlineOn) }) : t('privacy.requests.notMade', { error: errorText(res) ?? '' }));
  if (made) field('request-details').value = '';
  await requests.load?.();
}

export const requests: Section = {
  id: 'requests',
  title: 'privacy.requests.title',
  render(body) {
    const form = h(
      'form',
      { id: 'request-form' },
      h('label', { for: 'request-type', text: t('privacy.requests.what') }),
      h('select', { id: 'request-type', name: 'type' }, ...TYPES.map((type) => h('option', { value: type, text: t(`privacy.requests.option.${type}`) }))),
      h('label', { for: 'request-details', text: t('privacy.requests.details') }),
      h('textarea', { id: 'request-details', name: 'details', rows: '3' }),
      h('label', { for: 'request-kinds', text: t('privacy.requests.kinds') }),
      h('input', { id: 'request-kinds', name: 'kinds', 'aria-describedby': 'request-kinds-hint' }),
      h('p', { id: 'request-kinds-hint', class: 'hint', text: t('privacy.requests.kindsHint') }),
      h('label', { for: 'request-purpose', text: t('privacy.requests.purpose') }),
      h('select', { id: 'request-purpose', name: 'purpose' }, h('option', { value: '', text: '—' }), ...PURPOSES.map(([p, use]) => h('option', { value: p, text: t('privacy.requests.purposeOption', { purpose: t('privacy.purpose', { purpose: p }), use }) }))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('privacy.requests.send') })),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void submit();
    });
    body.append(h('p', { text: t('privacy.requests.intro') }), form, h('p', { id: 'requests-status', role: 'status', 'aria-live': 'polite' }), h('div', { id: 'requests-list' }, h('p', { class: 'muted', text: t('privacy.loading') })));
  },
  async load() {
    const res = await gql<{ me: { privacyRequests: { requests: { nodes: PersonRequest[] } } | null } }>(`{ me { privacyRequests { requests(first: 50) { nodes { ${FIELDS} } } } } }`);
    const list = $('requests-list');
    const nodes = res.data?.me?.privacyRequests?.requests.nodes;
    if (!nodes) {
      list.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.requests.loadFailed') }));
      return;
    }
    if (nodes.length === 0) {
      list.replaceChildren(h('p', { class: 'muted', text: t('privacy.requests.none') }));
      return;
    }
    const cols = ['privacy.requests.col.request', 'privacy.requests.col.received', 'privacy.requests.col.due', 'privacy.requests.col.state', 'privacy.requests.col.actions'] as const;
    list.replaceChildren(h('table', { id: 'requests-table' }, h('caption', { text: t('privacy.requests.caption') }), h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', text: t(c) })))), h('tbody', {}, ...nodes.map(row))));
  },
};
