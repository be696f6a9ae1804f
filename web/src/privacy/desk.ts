import type { Doc, El, Ev, KeyValueStore } from './dom.js';
import { $, announce, errorText, gql, h, STATE_TITLES, TYPE_TITLES, type GqlResult } from './ui.js';

/**
 * The privacy desk: the queue of privacy requests by deadline (days left,
 * overdue marked), filters, the figures, one request's details, evidence and
 * timeline, and the actions an operator takes on it. Every call goes through
 * the public GraphQL API with the operator's token and the session's reason
 * (X-Footprint-Reason), so each is checked and audited by the gateway.
 */

declare const document: Doc;
declare const sessionStorage: KeyValueStore;

interface Request {
  id: string;
  personId: string;
  type: string;
  channel: string;
  state: string;
  originalText: string | null;
  details: string | null;
  receivedAt: string;
  receivedOn: string;
  representative: { name: string; relationship: string; contact: string; authorityChecked: string; checkedBy: string; checkedAt: string } | null;
  dueAt: string;
  extendedTo: string | null;
  extensionReason: string | null;
  deadline: string;
  deadlineOn: string;
  daysLeft: number | null;
  overdue: boolean;
  assignee: string | null;
  possiblyExcessive: boolean;
  excessiveOf: string | null;
  excessiveDecidedBy: string | null;
  workAvailable: boolean;
  verification: { method: string | null; verifiedAt: string | null; verifiedBy: string | null };
  scope: { kinds: string[] | null; purpose: string | null; until: string | null };
  work: { exportJobId: string | null; erasureJobId: string | null; previousExportJobs: string[] };
  evidence: { exportJobId: string | null; erasureJobId: string | null; archiveSha256: string | null; archiveBytes: number | null; records: number | null; correctionIds: string[]; receipts: string[] };
  failure: { code: string; message: string; at: string } | null;
  answer: string | null;
  refusalGround: string | null;
  refusalReason: string | null;
}
interface Event {
  at: string;
  actor: string;
  actorType: string;
  action: string;
  fromState: string | null;
  toState: string;
  reason: string | null;
  detail: string | null;
}

const ROW = 'id personId type channel state deadline deadlineOn daysLeft overdue assignee possiblyExcessive failure { code } workAvailable';
const FULL = `id personId type channel state originalText details receivedAt receivedOn representative { name relationship contact authorityChecked checkedBy checkedAt } dueAt extendedTo extensionReason deadline deadlineOn daysLeft overdue assignee
  possiblyExcessive excessiveOf excessiveDecidedBy workAvailable verification { method verifiedAt verifiedBy } scope { kinds purpose until }
  work { exportJobId erasureJobId previousExportJobs } evidence { exportJobId erasureJobId archiveSha256 archiveBytes records correctionIds receipts } failure { code message at } answer refusalGround refusalReason`;
const KEY = 'footprint.desk.session';

let token = '';
let reason = '';
let operatorId = '';
let after: string | null = null;
let selected: string | null = null;

const call = <T>(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> => gql<T>(token, query, variables, reason);
const say = (m: string) => announce('status', m);

// ---------------------------------------------------------------------------
// Sign-in

async function open(candidate: string, why: string): Promise<void> {
  token = candidate.trim();
  reason = why.trim();
  const error = $('token-error');
  if (!reason) {
    error.textContent = 'Give the reason for this session: it is recorded with every call';
    error.hidden = false;
    $('reason').focus();
    return;
  }
  const res = await call<{ privacyRequestStats: { openTotal: number } }>('{ privacyRequestStats { openTotal } }');
  if (!res.data?.privacyRequestStats) {
    error.textContent = `The desk could not be opened: ${errorText(res) ?? 'no answer'}`;
    error.hidden = false;
    return;
  }
  error.hidden = true;
  sessionStorage.setItem(KEY, JSON.stringify({ token, reason }));
  operatorId = subjectOf(token);
  $('who-id').textContent = operatorId;
  $('who').hidden = false;
  $('sign-in').hidden = true;
  $('desk').hidden = false;
  say(`Desk open as ${operatorId}`);
  await Promise.all([loadFigures(), loadQueue(true)]);
}

function subjectOf(jwt: string): string {
  try {
    const payload = jwt.split('.')[1] ?? '';
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string };
    return json.sub ?? 'operator';
  } catch {
    return 'operator';
  }
}
declare function atob(s: string): string;

function signOut(): void {
  token = '';
  sessionStorage.removeItem(KEY);
  $('desk').hidden = true;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  say('Signed out');
}

// ---------------------------------------------------------------------------
// Figures

async function loadFigures(): Promise<void> {
  const res = await call<{ privacyRequestStats: { openTotal: number; overdue: number; answered: number; medianDaysToAnswer: number | null; open: { state: string; type: string; count: number }[] } }>(
    '{ privacyRequestStats { openTotal overdue answered medianDaysToAnswer open { state type count } } }',
  );
  const s = res.data?.privacyRequestStats;
  const body = $('figures-body');
  if (!s) {
    body.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? 'No figures' }));
    return;
  }
  const fig = (label: string, value: string, id: string) => h('div', { class: 'figure', id }, h('strong', { text: value }), label);
  const byState = new Map<string, number>();
  for (const o of s.open) byState.set(o.state, (byState.get(o.state) ?? 0) + o.count);
  body.replaceChildren(
    h(
      'div',
      { class: 'figures' },
      fig('open', String(s.openTotal), 'fig-open'),
      fig('overdue', String(s.overdue), 'fig-overdue'),
      fig('answered', String(s.answered), 'fig-answered'),
      fig('median days to answer', s.medianDaysToAnswer === null ? '—' : String(s.medianDaysToAnswer), 'fig-median'),
      ...[...byState.entries()].map(([state, n]) => fig(STATE_TITLES[state] ?? state, String(n), `fig-${state.toLowerCase()}`)),
    ),
  );
}

// ---------------------------------------------------------------------------
// Queue

function filter(): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const state = $('f-state').value;
  const type = $('f-type').value;
  const due = $('f-due').value.trim();
  const person = $('f-person').value.trim();
  if (state) f.states = [state];
  if (type) f.types = [type];
  if (due) f.dueWithinDays = Number(due);
  if ($('f-overdue').checked) f.overdue = true;
  if (person) f.person = person;
  return f;
}

async function loadQueue(reset: boolean): Promise<void> {
  if (reset) after = null;
  const res = await call<{ privacyRequestQueue: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Request[] } }>(
    `query($filter: PrivacyRequestFilter, $after: String) { privacyRequestQueue(filter: $filter, first: 25, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${ROW} } } }`,
    { filter: filter(), after },
  );
  const q = res.data?.privacyRequestQueue;
  const body = $('queue-body');
  if (!q) {
    say(`The queue could not be read: ${errorText(res)}`);
    return;
  }
  if (reset) body.replaceChildren();
  for (const r of q.nodes) body.append(queueRow(r));
  $('queue-count').textContent = `${q.totalCount} request(s)`;
  after = q.pageInfo.endCursor;
  $('more').hidden = !q.pageInfo.hasNextPage;
}

function queueRow(r: Request): El {
  const tr = h(
    'tr',
    { 'data-request': r.id, class: r.overdue ? 'overdue' : undefined, tabindex: '0', 'aria-selected': String(r.id === selected) },
    h('td', { text: r.deadlineOn }),
    h('td', {}, r.overdue ? h('span', { class: 'tag bad', text: `overdue ${-(r.daysLeft ?? 0)} d` }) : r.daysLeft === null ? '—' : String(r.daysLeft)),
    h('td', { text: TYPE_TITLES[r.type] ?? r.type }),
    h('td', { text: STATE_TITLES[r.state] ?? r.state }),
    h('td', { text: r.personId }),
    h('td', { text: r.channel.toLowerCase().replace('_', ' ') }),
    h('td', { text: r.assignee ?? '—' }),
    h(
      'td',
      {},
      r.possiblyExcessive ? h('span', { class: 'tag', text: 'possibly excessive' }) : null,
      r.failure ? h('span', { class: 'tag bad', text: 'work failed' }) : null,
      r.workAvailable ? null : h('span', { class: 'tag', text: 'no machinery yet' }),
    ),
  );
  const pick = () => void showRequest(r.id);
  tr.addEventListener('click', pick);
  tr.addEventListener('keydown', (ev: Ev & { key?: string }) => {
    if (ev.key === 'Enter') pick();
  });
  return tr;
}

// ---------------------------------------------------------------------------
// One request

async function showRequest(id: string): Promise<void> {
  selected = id;
  const res = await call<{ privacyRequest: (Request & { timeline: Event[] }) | null }>(`query($id: ID!) { privacyRequest(requestId: $id) { ${FULL} timeline { at actor actorType action fromState toState reason detail } } }`, { id });
  const r = res.data?.privacyRequest;
  if (!r) {
    say(`The request could not be read: ${errorText(res) ?? 'not found'}`);
    return;
  }
  $('detail').hidden = false;
  $('action-error').hidden = true;
  $('detail-h').textContent = `${TYPE_TITLES[r.type] ?? r.type} — person ${r.personId}`;
  const dl = h('dl', { class: 'fields', id: 'detail-fields' });
  const add = (k: string, v: string | El | null) => dl.append(h('dt', { text: k }), h('dd', {}, v ?? '—'));
  add('Request', r.id);
  add('State', STATE_TITLES[r.state] ?? r.state);
  add('Channel', r.channel);
  add('Received', `${r.receivedOn} (${r.receivedAt})`);
  if (r.representative) {
    const p = r.representative;
    add('On behalf of the person', `${p.name} (${p.relationship}), ${p.contact} — authority checked by ${p.checkedBy} at ${p.checkedAt}: ${p.authorityChecked}`);
  }
  add('Due', `${r.deadlineOn}, the whole day (${r.dueAt}${r.extendedTo ? ` → extended to ${r.extendedTo} (${r.extensionReason ?? ''})` : ''})`);
  add('Days left', r.overdue ? h('span', { class: 'tag bad', text: `overdue by ${-(r.daysLeft ?? 0)} days` }) : r.daysLeft === null ? 'answered' : String(r.daysLeft));
  add('Identity', r.verification.method ? `${r.verification.method} by ${r.verification.verifiedBy ?? '?'} at ${r.verification.verifiedAt ?? '?'}` : 'not verified yet');
  add('Assignee', r.assignee);
  if (r.possiblyExcessive) add('Possibly excessive', `repeats ${r.excessiveOf ?? '?'}${r.excessiveDecidedBy ? ` — judged not excessive by ${r.excessiveDecidedBy}` : ' — decide: start or refuse'}`);
  if (!r.workAvailable) add('Machinery', 'Not available in this build: this request cannot be completed yet');
  if (r.scope.kinds?.length || r.scope.purpose) add('About', [r.scope.kinds?.join(', '), r.scope.purpose, r.scope.until ? `until ${r.scope.until}` : ''].filter(Boolean).join('; '));
  else if (r.type === 'ERASURE') add('About', 'the whole account');
  if (r.work.exportJobId) add('Export job', r.work.exportJobId);
  if (r.work.erasureJobId) add('Erasure job', r.work.erasureJobId);
  if (r.failure) add('Work failed', h('span', { class: 'error', text: `${r.failure.code}: ${r.failure.message} (${r.failure.at})` }));
  const ev = r.evidence;
  const evidence = [ev.archiveSha256 ? `archive sha256 ${ev.archiveSha256} (${ev.records ?? '?'} records, ${ev.archiveBytes ?? '?'} bytes)` : '', ev.correctionIds.length ? `corrections ${ev.correctionIds.join(', ')}` : '', ev.receipts.length ? `receipts ${ev.receipts.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
  add('Evidence', h('span', { id: 'evidence', text: evidence || '—' }));
  if (r.answer) add('Answer', r.answer);
  if (r.refusalGround) add('Refused as', `${r.refusalGround}: ${r.refusalReason ?? ''}`);
  $('detail-body').replaceChildren(dl, r.originalText ? h('pre', { class: 'original', text: r.originalText }) : '');
  $('timeline').replaceChildren(
    ...r.timeline.map((e) =>
      h('li', {}, h('strong', { text: e.action }), ` ${e.at.replace('T', ' ').slice(0, 19)} — ${e.actorType} ${e.actor}${e.fromState && e.fromState !== e.toState ? ` (${e.fromState} → ${e.toState})` : ''}`, e.reason ? h('div', { text: e.reason }) : null),
    ),
  );
  renderActions(r);
  for (const tr of [...rowsOf()]) tr.setAttribute('aria-selected', String(tr.dataset.request === id));
}

function rowsOf(): El[] {
  const out: El[] = [];
  const body = $('queue-body') as El & { children?: ArrayLike<El> };
  const children = body.children ?? [];
  for (let i = 0; i < children.length; i++) out.push(children[i]!);
  return out;
}

type Field = { name: string; label: string; kind?: 'text' | 'textarea' | 'select' | 'number'; options?: string[]; value?: string };

/** One action: a small form; on success the request, queue and figures reload; an error shows its code and changes nothing. */
function action(title: string, fields: Field[], run: (v: Record<string, string>) => Promise<GqlResult<unknown>>, id: string): El {
  const form = h('form', { id: `act-${id}` }, h('h4', { text: title }));
  const inputs = new Map<string, El>();
  for (const f of fields) {
    const fid = `act-${id}-${f.name}`;
    const input =
      f.kind === 'select'
        ? h('select', { id: fid }, ...(f.options ?? []).map((o) => h('option', { text: o })))
        : f.kind === 'textarea'
          ? h('textarea', { id: fid, rows: '2' })
          : h('input', { id: fid, type: f.kind === 'number' ? 'number' : 'text' });
    if (f.value) input.value = f.value;
    inputs.set(f.name, input);
    form.append(h('label', { for: fid, text: f.label }), input);
  }
  const button = h('button', { type: 'submit', text: title });
  form.append(h('div', { class: 'actions' }, button));
  form.addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void (async () => {
      button.disabled = true;
      const values = Object.fromEntries([...inputs.entries()].map(([k, el]) => [k, el.value]));
      const res = await run(values);
      button.disabled = false;
      const err = errorText(res);
      if (err) {
        const box = $('action-error');
        box.textContent = `${title}: ${err}`;
        box.hidden = false;
        return;
      }
      say(`${title}: done`);
      if (selected) await showRequest(selected);
      await Promise.all([loadQueue(true), loadFigures()]);
    })();
  });
  return form;
}

function renderActions(r: Request): void {
  const id = r.id;
  const m = (name: string, args: string, vars: Record<string, unknown>) => call(`mutation($id: ID!${args ? `, ${args}` : ''}) { ${name} { id state } }`, { id, ...vars });
  const open = ['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'ON_HOLD'].includes(r.state);
  const forms: El[] = [];
  if (!open) {
    $('detail-actions').replaceChildren(h('p', { class: 'muted', text: 'This request is closed; its record is kept unchanged.' }));
    return;
  }
  if (!r.verification.method) {
    forms.push(action('Send a code', [{ name: 'channel', label: 'To the account\'s', kind: 'select', options: ['EMAIL', 'PHONE'] }], (v) => m('sendPrivacyRequestCode(requestId: $id, channel: $channel)', '$channel: ContactChannel!', { channel: v.channel }), 'code'));
    forms.push(action('Verify', [{ name: 'code', label: 'Code the person gave (or leave empty)' }, { name: 'check', label: 'Or: what you checked', kind: 'textarea' }], (v) => m('verifyPrivacyRequest(requestId: $id, input: $input)', '$input: VerifyPrivacyRequestInput!', { input: v.code ? { code: v.code } : { check: v.check } }), 'verify'));
  }
  forms.push(action('Assign', [{ name: 'assignee', label: 'Operator', value: operatorId }], (v) => m('assignPrivacyRequest(requestId: $id, assignee: $a)', '$a: String', { a: v.assignee || null }), 'assign'));
  const noJob = r.state === 'IN_PROGRESS' && ['ACCESS', 'PORTABILITY', 'ERASURE'].includes(r.type) && !r.work.exportJobId && !r.work.erasureJobId;
  if (r.verification.method && (r.state === 'RECEIVED' || r.failure || noJob)) forms.push(action(r.failure ? 'Start the work again' : r.state === 'RECEIVED' ? 'Start (not excessive)' : 'Start the work', [{ name: 'reason', label: 'Why', kind: 'textarea' }], (v) => m('startPrivacyRequest(requestId: $id, reason: $r)', '$r: String', { r: v.reason || null }), 'start'));
  if (!r.extendedTo) forms.push(action('Extend', [{ name: 'months', label: 'Further months (1 or 2)', kind: 'select', options: ['2', '1'] }, { name: 'reason', label: 'Reasons (told to the person)', kind: 'textarea' }], (v) => m('extendPrivacyRequest(requestId: $id, months: $n, reason: $r)', '$n: Int!, $r: String!', { n: Number(v.months), r: v.reason ?? '' }), 'extend'));
  if (r.state === 'ON_HOLD') forms.push(action('Resume', [{ name: 'reason', label: 'What was received' }], (v) => m('resumePrivacyRequest(requestId: $id, reason: $r)', '$r: String', { r: v.reason || null }), 'resume'));
  else forms.push(action('Wait for the person', [{ name: 'reason', label: 'What is awaited (told to them)', kind: 'textarea' }], (v) => m('holdPrivacyRequest(requestId: $id, reason: $r)', '$r: String!', { r: v.reason ?? '' }), 'hold'));
  forms.push(
    action(
      'Complete',
      [{ name: 'answer', label: 'Answer to the person', kind: 'textarea' }, ...(r.type === 'RECTIFICATION' ? [{ name: 'corrections', label: 'Correction ids (comma-separated)' } as Field] : [])],
      (v) =>
        m('completePrivacyRequest(requestId: $id, input: $input)', '$input: CompletePrivacyRequestInput', {
          input: { answer: v.answer || null, correctionIds: (v.corrections ?? '').split(',').map((s) => s.trim()).filter(Boolean) },
        }),
      'complete',
    ),
  );
  forms.push(
    action(
      'Refuse',
      [{ name: 'ground', label: 'Ground', kind: 'select', options: ['MANIFESTLY_UNFOUNDED', 'EXCESSIVE', 'IDENTITY_NOT_VERIFIED', 'OTHER'] }, { name: 'reason', label: 'Reason (told to the person, with the right to complain)', kind: 'textarea' }],
      (v) => m('refusePrivacyRequest(requestId: $id, ground: $g, reason: $r)', '$g: PrivacyRequestRefusalGround!, $r: String!', { g: v.ground, r: v.reason ?? '' }),
      'refuse',
    ),
  );
  forms.push(action('Withdraw', [{ name: 'reason', label: 'The person\'s instruction' }], (v) => m('withdrawPrivacyRequest(requestId: $id, reason: $r)', '$r: String', { r: v.reason || null }), 'withdraw'));
  $('detail-actions').replaceChildren(...forms);
}

// ---------------------------------------------------------------------------
// Enter a written request

async function enter(): Promise<void> {
  const received = $('e-received').value;
  const input = {
    type: $('e-type').value,
    channel: $('e-channel').value,
    // The day the letter arrived, as a calendar day where the controller answers (the gateway's time zone), not UTC midnight.
    receivedOn: received || null,
    originalText: $('e-text').value,
    kinds: $('e-kinds').value.split(',').map((k) => k.trim()).filter(Boolean),
    purpose: $('e-purpose').value.trim() || null,
    onBehalf: $('e-rep-name').value.trim()
      ? { name: $('e-rep-name').value.trim(), relationship: $('e-rep-relationship').value, contact: $('e-rep-contact').value.trim(), authorityChecked: $('e-rep-proof').value.trim() }
      : null,
  };
  const res = await call<{ createPrivacyRequest: { id: string; deadlineOn: string } }>('mutation($p: ID!, $input: WrittenPrivacyRequestInput!) { createPrivacyRequest(personId: $p, input: $input) { id deadlineOn } }', { p: $('e-person').value.trim(), input });
  const made = res.data?.createPrivacyRequest;
  if (!made) {
    say(`Not entered: ${errorText(res)}`);
    return;
  }
  say(`Entered: due ${made.deadlineOn}; verify the requester's identity next`);
  $('e-text').value = '';
  await Promise.all([loadQueue(true), loadFigures(), showRequest(made.id)]);
}

// ---------------------------------------------------------------------------

async function start(): Promise<void> {
  let demo = false;
  try {
    demo = ((await (await fetch('/privacy/desk.json')).json()) as { demo: boolean }).demo;
  } catch {
    say('The desk could not load its settings');
  }
  $('demo-button').hidden = !demo;
  $('token-form').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void open($('token').value, $('reason').value);
  });
  $('demo-button').addEventListener('click', () => {
    void (async () => {
      const res = await fetch('/privacy/desk/demo-session', { method: 'POST', headers: { 'x-footprint-demo': '1' } });
      if (!res.ok) return say('The demo sign-in is not available here');
      const { token: minted } = (await res.json()) as { token: string };
      $('token').value = minted;
      if (!$('reason').value.trim()) $('reason').value = 'Local demo of the privacy desk';
      await open(minted, $('reason').value);
    })();
  });
  $('sign-out').addEventListener('click', signOut);
  $('filters').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void loadQueue(true);
  });
  $('more').addEventListener('click', () => void loadQueue(false));
  $('enter-form').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void enter();
  });
  const saved = sessionStorage.getItem(KEY);
  if (saved) {
    const s = JSON.parse(saved) as { token: string; reason: string };
    $('reason').value = s.reason;
    await open(s.token, s.reason);
  }
  document.body.setAttribute('data-ready', 'true');
}

void start();
