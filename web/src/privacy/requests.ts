import type { El, Ev } from './dom.js';
import { $, errorText, gql, h, STATE_TITLES, TYPE_TITLES } from './ui.js';

/**
 * The person's privacy requests in the privacy centre: make one (access, a
 * portable copy, correction, erasure …), see each with its due date, where it
 * stands, its timeline and the answer, and withdraw an open one. Uses the
 * person's own token only.
 */

interface PersonRequest {
  id: string;
  type: string;
  state: string;
  receivedAt: string;
  /** Calendar days where the controller answers (the gateway's time zone), not UTC dates. */
  receivedOn: string;
  deadlineOn: string;
  extendedTo: string | null;
  extensionReason: string | null;
  daysLeft: number | null;
  answer: string | null;
  complaintRight: string | null;
  scope: { kinds: string[] | null; purpose: string | null };
  evidence: { archiveSha256: string | null; exportJobId: string | null; correctionIds: string[] };
  failure: { message: string } | null;
  timeline: { at: string; action: string; toState: string; reason: string | null }[];
}

const FIELDS = `id type state receivedAt receivedOn deadlineOn extendedTo extensionReason daysLeft answer complaintRight scope { kinds purpose }
  evidence { archiveSha256 exportJobId correctionIds } failure { message } timeline { at action toState reason }`;

let token = '';

function status(message: string): void {
  $('requests-status').textContent = message;
}

export async function loadRequests(personToken: string): Promise<void> {
  token = personToken;
  const res = await gql<{ me: { privacyRequests: { requests: { nodes: PersonRequest[] } } | null } }>(token, `{ me { privacyRequests { requests(first: 50) { nodes { ${FIELDS} } } } } }`);
  const list = $('requests-list');
  const nodes = res.data?.me?.privacyRequests?.requests.nodes;
  if (!nodes) {
    list.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? 'Your requests could not be loaded' }));
    return;
  }
  if (nodes.length === 0) {
    list.replaceChildren(h('p', { class: 'muted', text: 'You have made no privacy requests.' }));
    return;
  }
  const table = h(
    'table',
    { id: 'requests-table' },
    h('caption', { text: 'Your requests, newest first' }),
    h('thead', {}, h('tr', {}, ...['Request', 'Received', 'Answer due', 'Where it stands', ''].map((t) => h('th', { scope: 'col', text: t })))),
  );
  const body = h('tbody');
  for (const r of nodes) body.append(row(r));
  table.append(body);
  list.replaceChildren(table);
}

function row(r: PersonRequest): El {
  const open = ['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'ON_HOLD'].includes(r.state);
  const due = `${r.deadlineOn}${r.extendedTo ? ' (extended)' : ''}${open && r.daysLeft !== null ? ` — ${r.daysLeft >= 0 ? `${r.daysLeft} days left` : 'late'}` : ''}`;
  const detail = h(
    'details',
    {},
    h('summary', { text: 'Details' }),
    r.scope.kinds?.length || r.scope.purpose ? h('p', { text: `About: ${[r.scope.kinds?.join(', '), r.scope.purpose].filter(Boolean).join('; ')}` }) : r.type === 'ERASURE' ? h('p', { text: 'About: your whole account' }) : null,
    r.extensionReason ? h('p', { text: `Why we need longer: ${r.extensionReason}` }) : null,
    r.failure ? h('p', { class: 'error', text: `We hit a problem and are on it: ${r.failure.message}` }) : null,
    r.evidence.archiveSha256 ? h('p', { text: `Your archive (SHA-256 ${r.evidence.archiveSha256}) is under "Download your data".` }) : null,
    r.evidence.correctionIds.length ? h('p', { text: `Corrections made: ${r.evidence.correctionIds.join(', ')}` }) : null,
    r.answer ? h('p', { text: `Our answer: ${r.answer}` }) : null,
    h('ol', { class: 'timeline' }, ...r.timeline.map((e) => h('li', { text: `${e.at.slice(0, 16).replace('T', ' ')} — ${e.action.toLowerCase().replace(/_/g, ' ')}${e.reason ? `: ${e.reason}` : ''}` }))),
  );
  // A request waiting for the code sent to the person's e-mail (an erasure they asked for): confirm it here.
  const confirm = r.state === 'VERIFYING' ? h('form', { class: 'confirm-form' }, h('label', { for: `code-${r.id}`, text: 'Code from your e-mail' }), h('input', { id: `code-${r.id}`, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' }), h('button', { type: 'submit', text: 'Confirm' })) : null;
  confirm?.addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void (async () => {
      const res = await gql<{ verifyPrivacyRequest: { state: string } }>(token, 'mutation($id: ID!, $c: String) { verifyPrivacyRequest(requestId: $id, input: { code: $c }) { state } }', { id: r.id, c: $(`code-${r.id}`).value.trim() });
      status(res.data ? 'Confirmed: we are working on your request' : `Not confirmed: ${errorText(res)}`);
      if (res.data) await loadRequests(token);
    })();
  });
  const withdraw = open ? h('button', { type: 'button', class: 'secondary', text: 'Withdraw' }) : null;
  withdraw?.addEventListener('click', () => {
    void (async () => {
      withdraw.disabled = true;
      const res = await gql<{ withdrawPrivacyRequest: { state: string } }>(token, 'mutation($id: ID!) { withdrawPrivacyRequest(requestId: $id) { state } }', { id: r.id });
      status(res.data ? 'Your request was withdrawn' : `It could not be withdrawn: ${errorText(res)}`);
      await loadRequests(token);
    })();
  });
  return h(
    'tr',
    { 'data-request': r.id },
    h('td', {}, h('strong', { text: TYPE_TITLES[r.type] ?? r.type }), detail),
    h('td', { text: r.receivedOn }),
    h('td', { text: due }),
    h('td', { text: STATE_TITLES[r.state] ?? r.state }),
    h('td', {}, confirm, withdraw),
  );
}

/** Wires the "make a request" form once the page has loaded. */
export function setUpRequestForm(): void {
  $('request-form').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void (async () => {
      const type = $('request-type').value;
      const details = $('request-details').value.trim();
      const kinds = $('request-kinds').value.split(',').map((k) => k.trim()).filter(Boolean);
      const purpose = $('request-purpose').value;
      const res = await gql<{ submitPrivacyRequest: { id: string; deadlineOn: string; state: string } }>(
        token,
        'mutation($input: SubmitPrivacyRequestInput!) { submitPrivacyRequest(input: $input) { id deadlineOn state } }',
        { input: { type, details: details || null, kinds: kinds.length ? kinds : null, purpose: purpose || null } },
      );
      const made = res.data?.submitPrivacyRequest;
      status(made ? `Request received: we will answer by ${made.deadlineOn}` : `The request could not be made: ${errorText(res)}`);
      if (made) $('request-details').value = '';
      await loadRequests(token);
    })();
  });
}
