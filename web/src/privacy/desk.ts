import type { MessageKey } from '@footprint/i18n';
import { languageSwitcher, language, onLanguageChange, savedLanguage, setLanguage, t, tr, translateMarkup } from '../lang.js';
import { $, announce, codedErrorText, field, gql, h, OPEN_STATES, type GqlResult } from './ui.js';

/**
 * The privacy desk: the queue of privacy requests by deadline (days left,
 * overdue marked), filters, the figures, one request's details, evidence and
 * timeline, and the actions an operator takes on it. Every call goes through
 * the public GraphQL API with the operator's token and the session's reason
 * (X-Footprint-Reason), so each is checked and audited by the gateway.
 * Every text is the catalogues' (namespace desk), in the operator's language
 * (kept on this browser); what a person wrote is shown as written.
 */

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
interface TimelineEvent {
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
const errorText = codedErrorText;
const typeTitle = (type: string) => t('privacy.requestType', { type });
const stateTitle = (state: string) => t('privacy.requestState', { state });
const day = (d: string) => tr().date(`${d}T12:00:00Z`, 'date');
const when = (iso: string) => tr().date(iso, 'dateTime');
const say = (m: string) => announce('status', m);

// ---------------------------------------------------------------------------
// Sign-in

async function open(candidate: string, why: string): Promise<void> {
  token = candidate.trim();
  reason = why.trim();
  const error = $('token-error');
  if (!reason) {
    error.textContent = t('desk.signIn.needReason');
    error.hidden = false;
    $('reason').focus();
    return;
  }
  const res = await call<{ privacyRequestStats: { openTotal: number } }>('{ privacyRequestStats { openTotal } }');
  if (!res.data?.privacyRequestStats) {
    error.textContent = t('desk.signIn.failed', { error: errorText(res) ?? t('desk.signIn.noAnswer') });
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
  say(t('desk.signIn.done', { id: operatorId }));
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

function signOut(): void {
  token = '';
  sessionStorage.removeItem(KEY);
  $('desk').hidden = true;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  say(t('desk.signIn.out'));
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
    body.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('desk.figures.none') }));
    return;
  }
  const fig = (label: string, value: string, id: string) => h('div', { class: 'figure', id }, h('strong', { text: value }), label);
  const byState = new Map<string, number>();
  for (const o of s.open) byState.set(o.state, (byState.get(o.state) ?? 0) + o.count);
  body.replaceChildren(
    h(
      'div',
      { class: 'figures' },
      fig(t('desk.figures.open'), tr().number(s.openTotal), 'fig-open'),
      fig(t('desk.figures.overdue'), tr().number(s.overdue), 'fig-overdue'),
      fig(t('desk.figures.answered'), tr().number(s.answered), 'fig-answered'),
      fig(t('desk.figures.median'), s.medianDaysToAnswer === null ? '—' : tr().number(s.medianDaysToAnswer), 'fig-median'),
      ...[...byState.entries()].map(([state, n]) => fig(stateTitle(state), tr().number(n), `fig-${state.toLowerCase()}`)),
    ),
  );
}

// ---------------------------------------------------------------------------
// Queue

function filter(): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  const state = field('f-state').value;
  const type = field('f-type').value;
  const due = field('f-due').value.trim();
  const person = field('f-person').value.trim();
  if (state) f.states = [state];
  if (type) f.types = [type];
  if (due) f.dueWithinDays = Number(due);
  if (field('f-overdue').checked) f.overdue = true;
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
    say(t('desk.queue.failed', { error: errorText(res) ?? '' }));
    return;
  }
  if (reset) body.replaceChildren();
  for (const r of q.nodes) body.append(queueRow(r));
  $('queue-count').textContent = t('desk.queue.count', { count: q.totalCount });
  after = q.pageInfo.endCursor;
  $('more').hidden = !q.pageInfo.hasNextPage;
}

function queueRow(r: Request): HTMLElement {
  const row = h(
    'tr',
    { 'data-request': r.id, class: r.overdue ? 'overdue' : undefined, tabindex: '0', 'aria-selected': String(r.id === selected) },
    h('td', { text: day(r.deadlineOn) }),
    h('td', {}, r.overdue ? h('span', { class: 'tag bad', text: t('desk.queue.overdue', { days: -(r.daysLeft ?? 0) }) }) : r.daysLeft === null ? '—' : tr().number(r.daysLeft)),
    h('td', { text: typeTitle(r.type) }),
    h('td', { text: stateTitle(r.state) }),
    h('td', { text: r.personId }),
    h('td', { text: t('desk.channel', { channel: r.channel }) }),
    h('td', { text: r.assignee ?? '—' }),
    h(
      'td',
      {},
      r.possiblyExcessive ? h('span', { class: 'tag', text: t('desk.queue.excessive') }) : null,
      r.failure ? h('span', { class: 'tag bad', text: t('desk.queue.workFailed') }) : null,
      r.workAvailable ? null : h('span', { class: 'tag', text: t('desk.queue.noMachinery') }),
    ),
  );
  const pick = () => void showRequest(r.id);
  row.addEventListener('click', pick);
  row.addEventListener('keydown', (ev: KeyboardEvent) => {
    if (ev.key === 'Enter') pick();
  });
  return row;
}

// ---------------------------------------------------------------------------
// One request

async function showRequest(id: string): Promise<void> {
  selected = id;
  const res = await call<{ privacyRequest: (Request & { timeline: TimelineEvent[] }) | null }>(`query($id: ID!) { privacyRequest(requestId: $id) { ${FULL} timeline { at actor actorType action fromState toState reason detail } } }`, { id });
  const r = res.data?.privacyRequest;
  if (!r) {
    say(t('desk.detail.failed', { error: errorText(res) ?? t('desk.detail.notFound') }));
    return;
  }
  $('detail').hidden = false;
  $('action-error').hidden = true;
  $('detail-h').textContent = t('desk.detail.heading', { type: typeTitle(r.type), person: r.personId });
  const dl = h('dl', { class: 'fields', id: 'detail-fields' });
  const add = (k: MessageKey, v: string | HTMLElement | null) => dl.append(h('dt', { text: t(k) }), h('dd', {}, v ?? '—'));
  add('desk.detail.request', r.id);
  add('desk.detail.state', stateTitle(r.state));
  add('desk.detail.channel', t('desk.channel', { channel: r.channel }));
  add('desk.detail.received', t('desk.detail.receivedValue', { day: day(r.receivedOn), at: when(r.receivedAt) }));
  if (r.representative) {
    const p = r.representative;
    add('desk.detail.onBehalf', t('desk.detail.onBehalfValue', { name: p.name, relationship: p.relationship, contact: p.contact, checkedBy: p.checkedBy, checkedAt: when(p.checkedAt), proof: p.authorityChecked }));
  }
  add('desk.detail.due', r.extendedTo ? t('desk.detail.dueExtended', { day: day(r.deadlineOn), at: when(r.dueAt), extendedTo: when(r.extendedTo), reason: r.extensionReason ?? '' }) : t('desk.detail.dueValue', { day: day(r.deadlineOn), at: when(r.dueAt) }));
  add('desk.detail.daysLeft', r.overdue ? h('span', { class: 'tag bad', text: t('desk.detail.overdueBy', { count: -(r.daysLeft ?? 0) }) }) : r.daysLeft === null ? t('desk.detail.answered') : tr().number(r.daysLeft));
  const v = r.verification;
  add('desk.detail.identity', v.method ? t('desk.detail.verified', { method: v.method, by: v.verifiedBy ?? '?', at: v.verifiedAt ? when(v.verifiedAt) : '?' }) : t('desk.detail.notVerified'));
  add('desk.detail.assignee', r.assignee);
  if (r.possiblyExcessive) add('desk.detail.excessive', r.excessiveDecidedBy ? t('desk.detail.repeatsJudged', { of: r.excessiveOf ?? '?', by: r.excessiveDecidedBy }) : t('desk.detail.repeats', { of: r.excessiveOf ?? '?' }));
  if (!r.workAvailable) add('desk.detail.machinery', t('desk.detail.noMachinery'));
  if (r.scope.kinds?.length || r.scope.purpose) add('desk.detail.about', [r.scope.kinds?.join(', '), r.scope.purpose ? t('privacy.purpose', { purpose: r.scope.purpose }) : null, r.scope.until ? t('desk.detail.until', { until: when(r.scope.until) }) : null].filter(Boolean).join('; '));
  else if (r.type === 'ERASURE') add('desk.detail.about', t('desk.detail.aboutAccount'));
  if (r.work.exportJobId) add('desk.detail.exportJob', r.work.exportJobId);
  if (r.work.erasureJobId) add('desk.detail.erasureJob', r.work.erasureJobId);
  if (r.failure) add('desk.detail.workFailed', h('span', { class: 'error', text: t('desk.detail.failure', { code: r.failure.code, message: r.failure.message, at: when(r.failure.at) }) }));
  const ev = r.evidence;
  const evidence = [
    ev.archiveSha256 ? t('desk.detail.archive', { sha256: ev.archiveSha256, records: ev.records ?? 0, bytes: ev.archiveBytes ?? 0 }) : '',
    ev.correctionIds.length ? t('desk.detail.correctionIds', { ids: ev.correctionIds.join(', ') }) : '',
    ev.receipts.length ? t('desk.detail.receipts', { ids: ev.receipts.join(', ') }) : '',
  ].filter(Boolean);
  add('desk.detail.evidence', h('span', { id: 'evidence', text: evidence.join('; ') || '—' }));
  if (r.answer) add('desk.detail.answer', r.answer);
  if (r.refusalGround) add('desk.detail.refusedAs', t('desk.detail.refusal', { ground: t('desk.option.ground', { value: r.refusalGround }), reason: r.refusalReason ?? '' }));
  // The request as the person wrote it: never translated, never parsed as markup; bidi-safe whatever its script.
  const original = r.originalText ? h('pre', { class: 'original', dir: 'auto', translate: 'no', 'aria-label': t('desk.detail.original'), text: r.originalText }) : '';
  $('detail-body').replaceChildren(dl, original);
  $('timeline').replaceChildren(
    ...r.timeline.map((e) => {
      const base = { action: e.action, at: when(e.at), actorType: e.actorType, actor: e.actor };
      const line = e.fromState && e.fromState !== e.toState ? t('desk.detail.eventMove', { ...base, from: stateTitle(e.fromState), to: stateTitle(e.toState) }) : t('desk.detail.event', base);
      return h('li', {}, line, e.reason ? h('div', { text: e.reason }) : null);
    }),
  );
  renderActions(r);
  for (const row of $('queue-body').querySelectorAll<HTMLElement>('tr')) row.setAttribute('aria-selected', String(row.dataset.request === id));
}

/** An option list: each value with its words in the operator's language (`label`), sent as the value. */
type Field = { name: string; label: MessageKey; kind?: 'text' | 'textarea' | 'select' | 'number'; options?: string[]; optionLabel?: MessageKey; value?: string };

/** One action: a small form; on success the request, queue and figures reload; an error shows its code and changes nothing. */
function action(titleKey: MessageKey, fields: Field[], run: (v: Record<string, string>) => Promise<GqlResult<unknown>>, id: string): HTMLElement {
  const title = t(titleKey);
  const form = h('form', { id: `act-${id}` }, h('h4', { text: title }));
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();
  for (const f of fields) {
    const fid = `act-${id}-${f.name}`;
    const input =
      f.kind === 'select'
        ? h('select', { id: fid }, ...(f.options ?? []).map((o) => h('option', { value: o, text: f.optionLabel ? t(f.optionLabel, { value: o }) : o })))
        : f.kind === 'textarea'
          ? h('textarea', { id: fid, rows: '2' })
          : h('input', { id: fid, type: f.kind === 'number' ? 'number' : 'text' });
    if (f.value) input.value = f.value;
    inputs.set(f.name, input);
    form.append(h('label', { for: fid, text: t(f.label) }), input);
  }
  const button = h('button', { type: 'submit', text: title });
  form.append(h('div', { class: 'actions' }, button));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      button.disabled = true;
      const values = Object.fromEntries([...inputs.entries()].map(([k, el]) => [k, el.value]));
      const res = await run(values);
      button.disabled = false;
      const err = errorText(res);
      if (err) {
        const box = $('action-error');
        box.textContent = t('desk.action.failed', { action: title, error: err });
        box.hidden = false;
        return;
      }
      say(t('desk.action.done', { action: title }));
      if (selected) await showRequest(selected);
      await Promise.all([loadQueue(true), loadFigures()]);
    })();
  });
  return form;
}

function renderActions(r: Request): void {
  const id = r.id;
  const m = (name: string, args: string, vars: Record<string, unknown>) => call(`mutation($id: ID!${args ? `, ${args}` : ''}) { ${name} { id state } }`, { id, ...vars });
  const forms: HTMLElement[] = [];
  if (!OPEN_STATES.includes(r.state)) {
    $('detail-actions').replaceChildren(h('p', { class: 'muted', text: t('desk.detail.closed') }));
    return;
  }
  if (!r.verification.method) {
    forms.push(action('desk.action.sendCode', [{ name: 'channel', label: 'desk.action.sendCode.channel', kind: 'select', options: ['EMAIL', 'PHONE'], optionLabel: 'desk.option.channel' }], (v) => m('sendPrivacyRequestCode(requestId: $id, channel: $channel)', '$channel: ContactChannel!', { channel: v.channel }), 'code'));
    forms.push(action('desk.action.verify', [{ name: 'code', label: 'desk.action.verify.code' }, { name: 'check', label: 'desk.action.verify.check', kind: 'textarea' }], (v) => m('verifyPrivacyRequest(requestId: $id, input: $input)', '$input: VerifyPrivacyRequestInput!', { input: v.code ? { code: v.code } : { check: v.check } }), 'verify'));
  }
  forms.push(action('desk.action.assign', [{ name: 'assignee', label: 'desk.action.assign.assignee', value: operatorId }], (v) => m('assignPrivacyRequest(requestId: $id, assignee: $a)', '$a: String', { a: v.assignee || null }), 'assign'));
  const noJob = r.state === 'IN_PROGRESS' && ['ACCESS', 'PORTABILITY', 'ERASURE'].includes(r.type) && !r.work.exportJobId && !r.work.erasureJobId;
  if (r.verification.method && (r.state === 'RECEIVED' || r.failure || noJob)) {
    const title: MessageKey = r.failure ? 'desk.action.startAgain' : r.state === 'RECEIVED' ? 'desk.action.startNotExcessive' : 'desk.action.start';
    forms.push(action(title, [{ name: 'reason', label: 'desk.action.why', kind: 'textarea' }], (v) => m('startPrivacyRequest(requestId: $id, reason: $r)', '$r: String', { r: v.reason || null }), 'start'));
  }
  if (!r.extendedTo) forms.push(action('desk.action.extend', [{ name: 'months', label: 'desk.action.extend.months', kind: 'select', options: ['2', '1'] }, { name: 'reason', label: 'desk.action.extend.reason', kind: 'textarea' }], (v) => m('extendPrivacyRequest(requestId: $id, months: $n, reason: $r)', '$n: Int!, $r: String!', { n: Number(v.months), r: v.reason ?? '' }), 'extend'));
  if (r.state === 'ON_HOLD') forms.push(action('desk.action.resume', [{ name: 'reason', label: 'desk.action.resume.reason' }], (v) => m('resumePrivacyRequest(requestId: $id, reason: $r)', '$r: String', { r: v.reason || null }), 'resume'));
  else forms.push(action('desk.action.hold', [{ name: 'reason', label: 'desk.action.hold.reason', kind: 'textarea' }], (v) => m('holdPrivacyRequest(requestId: $id, reason: $r)', '$r: String!', { r: v.reason ?? '' }), 'hold'));
  forms.push(
    action(
      'desk.action.complete',
      [{ name: 'answer', label: 'desk.action.complete.answer', kind: 'textarea' }, ...(r.type === 'RECTIFICATION' ? [{ name: 'corrections', label: 'desk.action.complete.corrections' } as Field] : [])],
      (v) => m('completePrivacyRequest(requestId: $id, input: $input)', '$input: CompletePrivacyRequestInput', { input: { answer: v.answer || null, correctionIds: (v.corrections ?? '').split(',').map((s) => s.trim()).filter(Boolean) } }),
      'complete',
    ),
  );
  forms.push(
    action(
      'desk.action.refuse',
      [{ name: 'ground', label: 'desk.action.refuse.ground', kind: 'select', options: ['MANIFESTLY_UNFOUNDED', 'EXCESSIVE', 'IDENTITY_NOT_VERIFIED', 'OTHER'], optionLabel: 'desk.option.ground' }, { name: 'reason', label: 'desk.action.refuse.reason', kind: 'textarea' }],
      (v) => m('refusePrivacyRequest(requestId: $id, ground: $g, reason: $r)', '$g: PrivacyRequestRefusalGround!, $r: String!', { g: v.ground, r: v.reason ?? '' }),
      'refuse',
    ),
  );
  forms.push(action('desk.action.withdraw', [{ name: 'reason', label: 'desk.action.withdraw.reason' }], (v) => m('withdrawPrivacyRequest(requestId: $id, reason: $r)', '$r: String', { r: v.reason || null }), 'withdraw'));
  $('detail-actions').replaceChildren(...forms);
}

// ---------------------------------------------------------------------------
// Enter a written request

async function enter(): Promise<void> {
  const received = field('e-received').value;
  const repName = field('e-rep-name').value.trim();
  const input = {
    type: field('e-type').value,
    channel: field('e-channel').value,
    // The day the letter arrived, as a calendar day where the controller answers (the gateway's time zone), not UTC midnight.
    receivedOn: received || null,
    // Exactly as written: the desk shows it back unchanged.
    originalText: field('e-text').value,
    kinds: field('e-kinds').value.split(',').map((k) => k.trim()).filter(Boolean),
    purpose: field('e-purpose').value.trim() || null,
    onBehalf: repName ? { name: repName, relationship: field('e-rep-relationship').value, contact: field('e-rep-contact').value.trim(), authorityChecked: field('e-rep-proof').value.trim() } : null,
  };
  const res = await call<{ createPrivacyRequest: { id: string; deadlineOn: string } }>('mutation($p: ID!, $input: WrittenPrivacyRequestInput!) { createPrivacyRequest(personId: $p, input: $input) { id deadlineOn } }', { p: field('e-person').value.trim(), input });
  const made = res.data?.createPrivacyRequest;
  if (!made) {
    say(t('desk.enter.failed', { error: errorText(res) ?? '' }));
    return;
  }
  say(t('desk.enter.done', { due: day(made.deadlineOn) }));
  field('e-text').value = '';
  await Promise.all([loadQueue(true), loadFigures(), showRequest(made.id)]);
}

// ---------------------------------------------------------------------------

/** The option lists of the static forms, worded in the operator's language (their values are the API's codes). */
function labelOptions(): void {
  const label = (id: string, words: (value: string) => string) => {
    for (const o of $(id).querySelectorAll('option')) if (o.value) o.textContent = words(o.value);
  };
  for (const id of ['f-state']) label(id, stateTitle);
  for (const id of ['f-type', 'e-type']) label(id, typeTitle);
  label('e-channel', (channel) => t('desk.channel', { channel }));
  label('e-rep-relationship', (value) => t('desk.option.relationship', { value }));
}

async function start(): Promise<void> {
  const saved = savedLanguage();
  if (saved && saved !== language()) await setLanguage(saved, { remember: false });
  translateMarkup(document);
  labelOptions();
  // The operator's language is kept on this browser (the cookie the gateway serves the page by).
  $('language-slot').replaceChildren(languageSwitcher((l) => setLanguage(l)));
  onLanguageChange(async () => {
    labelOptions();
    if (!token) return;
    await Promise.all([loadFigures(), loadQueue(true), selected ? showRequest(selected) : Promise.resolve()]);
  });
  let demo = false;
  try {
    demo = ((await (await fetch('/privacy/desk.json')).json()) as { demo: boolean }).demo;
  } catch {
    say(t('desk.settingsFailed'));
  }
  $('demo-button').hidden = !demo;
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void open(field('token').value, field('reason').value);
  });
  $('demo-button').addEventListener('click', () => {
    void (async () => {
      const res = await fetch('/privacy/desk/demo-session', { method: 'POST', headers: { 'x-footprint-demo': '1' } });
      if (!res.ok) return say(t('desk.demoUnavailable'));
      const { token: minted } = (await res.json()) as { token: string };
      field('token').value = minted;
      if (!field('reason').value.trim()) field('reason').value = t('desk.demoReason');
      await open(minted, field('reason').value);
    })();
  });
  $('sign-out').addEventListener('click', signOut);
  $('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void loadQueue(true);
  });
  $('more').addEventListener('click', () => void loadQueue(false));
  $('enter-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void enter();
  });
  const savedSession = sessionStorage.getItem(KEY);
  if (savedSession) {
    const s = JSON.parse(savedSession) as { token: string; reason: string };
    field('reason').value = s.reason;
    await open(s.token, s.reason);
  }
  document.body.setAttribute('data-ready', 'true');
}

void start();
