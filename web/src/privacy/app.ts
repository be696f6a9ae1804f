import type { Doc, El, Ev, KeyValueStore } from './dom.js';
import { loadConnectedServices } from './connected-services.js';
import { loadRequests, setUpRequestForm } from './requests.js';
import { $, announce as announceIn, gql as gqlWith, h, type GqlResult } from './ui.js';

/**
 * The privacy centre: one page, no framework, no external assets. It signs a
 * person in with their token, shows what each domain holds (discovery), lets
 * them browse their records, correct a field (the domain's published rule is
 * checked as they type; the domain itself decides on submit), see their
 * corrections, and request, follow and download an export. Everything goes
 * through the gateway's GraphQL API with the person's own token; the page holds
 * no domain rule and no list of domains (it reads /privacy/config.json, made
 * from the supergraph).
 */

declare const document: Doc;
declare const sessionStorage: KeyValueStore;
declare function setTimeout(fn: () => void, ms: number): number;

interface KindConfig {
  kind: string;
  title: string;
  field: string;
  selection: string;
}
interface DomainConfig {
  name: string;
  description: string | null;
  kinds: KindConfig[];
}
interface PageConfig {
  demo: boolean;
  demoPerson: string | null;
  domains: DomainConfig[];
}
interface Rule {
  type: 'STRING' | 'BOOLEAN' | 'ENUM';
  format: string | null;
  required: boolean;
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
  allowedValues: string[] | null;
  description: string | null;
}
interface FieldSpec {
  name: string;
  label: string;
  masked: boolean;
  confirmation: 'EMAIL' | 'PHONE' | null;
  recipients: string[];
  rule: Rule;
}
interface CorrectableKind {
  kind: string;
  domain: string;
  title: string;
  scope: string | null;
  totalCount: number;
  fields: FieldSpec[];
  records: { recordId: string; label: string; values: { field: string; value: string | null; version: string }[] }[];
}

const TOKEN_KEY = 'footprint.privacy.token';
let token: string | null = null;
let config: PageConfig = { demo: false, demoPerson: null, domains: [] };
let uid = 0;
const nextId = (p: string) => `${p}-${++uid}`;

const announce = (message: string): void => announceIn('status', message);

/** A GraphQL call with the signed-in person's token. */
const gql = <T>(query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> => gqlWith<T>(token ?? '', query, variables);

const firstError = (r: GqlResult<unknown>) => r.errors?.[0]?.message ?? null;

// ---------------------------------------------------------------------------
// Sign-in

async function signIn(candidate: string): Promise<void> {
  token = candidate.trim();
  const res = await gql<{ me: { id: string } }>('{ me { id } }');
  const error = $('token-error');
  if (!res.data?.me) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    error.textContent = `Sign-in failed: ${firstError(res) ?? 'no answer'}`;
    error.hidden = false;
    $('token').setAttribute('aria-invalid', 'true');
    $('token').focus();
    return;
  }
  error.hidden = true;
  $('token').removeAttribute('aria-invalid');
  sessionStorage.setItem(TOKEN_KEY, token);
  $('who-id').textContent = res.data.me.id;
  $('who').hidden = false;
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  announce(`Signed in as ${res.data.me.id}`);
  $('main').focus();
  await Promise.all([loadSummary(), loadCorrections(), loadHistory(), loadRights(), loadRequests(token), loadConnectedServices(token)]);
  renderBrowse();
}

function signOut(): void {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('who').hidden = true;
  $('signed-in').hidden = true;
  $('sign-in').hidden = false;
  $('token').value = '';
  announce('Signed out');
  $('token').focus();
}

// ---------------------------------------------------------------------------
// Discovery summary

async function loadSummary(): Promise<void> {
  const body = $('summary-body');
  const res = await gql<{
    me: {
      discovery: { domains: ({ domain: string; kinds: { kind: string; title: string; count: number; earliest: string | null; latest: string | null }[] } | null)[] };
      processing: { restrictions: { kind: string; recordId: string | null; ground: string; until: string | null }[] } | null;
    };
  }>('{ me { discovery { domains { domain kinds { kind title count earliest latest } } } processing { restrictions { kind recordId ground until } } } }');
  const domains = res.data?.me?.discovery?.domains ?? [];
  const restricted = new Map((res.data?.me?.processing?.restrictions ?? []).filter((r) => !r.recordId).map((r) => [r.kind, r]));
  const table = h(
    'table',
    {},
    h('caption', { text: 'Records per domain and kind, counted without reading them' }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Domain' }), h('th', { scope: 'col', text: 'Kind of data' }), h('th', { scope: 'col', text: 'Records' }), h('th', { scope: 'col', text: 'From – to' }), h('th', { scope: 'col', text: 'Processing' }))),
  );
  const tbody = h('tbody');
  held = new Map(domains.flatMap((d) => (d ? d.kinds.map((k) => [k.kind, k.count] as [string, number]) : [])));
  for (const d of domains) {
    if (!d) continue;
    d.kinds.forEach((k, i) => {
      tbody.append(
        h(
          'tr',
          {},
          i === 0 ? h('th', { scope: 'row', rowspan: String(d.kinds.length), text: d.domain }) : null,
          h('td', { text: k.title }),
          h('td', { class: 'num', text: String(k.count) }),
          h('td', { text: k.earliest ? `${k.earliest.slice(0, 10)} – ${(k.latest ?? '').slice(0, 10)}` : '—' }),
          restrictionCell(restricted.get(k.kind)),
        ),
      );
    });
  }
  table.append(tbody);
  const failed = (res.errors ?? []).map((e) => e.extensions?.domain).filter(Boolean);
  body.replaceChildren(table, failed.length ? h('p', { class: 'error', text: `Not available right now: ${failed.join(', ')}` }) : '');
}

function restrictionCell(r: { ground: string; until: string | null } | undefined): El {
  if (!r) return h('td', { text: 'in use' });
  const why = r.ground === 'LEGAL_HOLD' ? 'kept by law, not used' : `restricted (${r.ground.toLowerCase().replace(/_/g, ' ')})`;
  return h('td', { class: 'error', text: `${why}${r.until ? ` until ${r.until.slice(0, 10)}` : ''}` });
}

// ---------------------------------------------------------------------------
// Browse

function renderBrowse(): void {
  const body = $('browse-body');
  body.replaceChildren(
    ...config.domains.map((d) =>
      h(
        'details',
        { class: 'domain' },
        h('summary', {}, h('span', { class: 'domain-name', text: d.name }), d.description ? h('span', { class: 'muted', text: ` — ${d.description}` }) : null),
        ...d.kinds.map((k) => browseKind(d, k)),
      ),
    ),
  );
}

function browseKind(d: DomainConfig, k: KindConfig): El {
  const list = h('div', { class: 'records' });
  const button = h('button', { type: 'button', text: `Show ${k.title}` });
  let after: string | null = null;
  const wrap = h('section', { class: 'kind', 'aria-label': k.title }, h('h4', { text: k.title }), button, list);
  button.addEventListener('click', () => {
    void (async () => {
      button.disabled = true;
      const q = `query($first: Int, $after: String) { me { ${d.name} { ${k.field}(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${k.selection} } } } } }`;
      const res = await gql<{ me: Record<string, Record<string, { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Record<string, unknown>[] }> | null> }>(q, { first: 10, after });
      const conn = res.data?.me?.[d.name]?.[k.field];
      if (!conn) {
        list.append(h('p', { class: 'error', text: firstError(res) ?? 'Not available right now' }));
        button.disabled = false;
        return;
      }
      if (!after) list.append(h('p', { class: 'muted', text: `${conn.totalCount} record(s)` }));
      for (const r of conn.nodes) list.append(recordView(r));
      after = conn.pageInfo.endCursor;
      button.textContent = 'Show more';
      button.disabled = false;
      button.hidden = !conn.pageInfo.hasNextPage;
    })();
  });
  return wrap;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function recordView(r: Record<string, unknown>): El {
  const dl = h('dl', { class: 'record' });
  for (const [key, v] of Object.entries(r)) {
    if (key === 'meta' && v && typeof v === 'object') {
      const m = v as Record<string, unknown>;
      dl.append(h('dt', { text: 'how it is used' }), h('dd', { text: `${show(m.category)}; ${show(m.legalBasis)}; kept: ${show(m.retention)}; ${show(m.policySection)}` }));
      if (m.restricted === true) dl.append(h('dt', { text: 'restricted' }), h('dd', { class: 'error', text: `not processed further: ${show((m.restriction as Record<string, unknown> | null)?.reason)}` }));
      continue;
    }
    dl.append(h('dt', { text: key }), h('dd', { text: show(v) }));
  }
  return dl;
}

// ---------------------------------------------------------------------------
// Corrections

const VIEW_QUERY = `{ me { correctionView(first: 10) {
  unavailableDomains
  nonCorrectable { kind domain title reason }
  correctable { kind domain title scope totalCount
    fields { name label masked confirmation recipients rule { type format required minLength maxLength pattern allowedValues description } }
    records { recordId label values { field value version } } } } } }`;

async function loadCorrections(): Promise<void> {
  const res = await gql<{ me: { correctionView: { unavailableDomains: string[]; nonCorrectable: { kind: string; domain: string; title: string; reason: string }[]; correctable: CorrectableKind[] } } }>(VIEW_QUERY);
  const view = res.data?.me?.correctionView;
  const body = $('correct-body');
  if (!view) {
    body.replaceChildren(h('p', { class: 'error', text: firstError(res) ?? 'The correction view is not available right now' }));
    return;
  }
  body.replaceChildren(
    view.unavailableDomains.length ? h('p', { class: 'error', text: `Not available right now: ${view.unavailableDomains.join(', ')}` }) : '',
    ...view.correctable.map(kindView),
  );
  $('noncorrectable').replaceChildren(
    ...view.nonCorrectable.map((n) => h('li', {}, h('strong', { text: `${n.title} ` }), h('span', { class: 'muted', text: `(${n.domain}) ` }), h('span', { text: n.reason }))),
  );
}

function kindView(k: CorrectableKind): El {
  const section = h('section', { class: 'kind' }, h('h3', {}, k.title, h('span', { class: 'muted', text: ` · ${k.domain}` })));
  if (k.scope) section.append(h('p', { class: 'muted', text: `Shown: ${k.scope}.` }));
  if (k.records.length === 0) section.append(h('p', { class: 'muted', text: 'Nothing to correct here.' }));
  for (const r of k.records) {
    const list = h('dl', { class: 'fields' });
    for (const f of k.fields) {
      const v = r.values.find((x) => x.field === f.name);
      if (v) list.append(...fieldRow(r.recordId, r.label, f, v));
    }
    section.append(h('div', { class: 'record-card' }, h('h4', { text: r.label }), list));
  }
  if (k.totalCount > k.records.length) section.append(h('p', { class: 'muted', text: `Showing ${k.records.length} of ${k.totalCount}.` }));
  return section;
}

/** The published rule, checked while typing; the owning domain checks again on submit and has the last word. */
function checkRule(rule: Rule, text: string): string | null {
  if (text === '') return rule.required ? 'This cannot be empty' : null;
  if (rule.allowedValues && !rule.allowedValues.includes(text)) return `Choose one of: ${rule.allowedValues.join(', ')}`;
  if (rule.minLength !== null && [...text.trim()].length < rule.minLength) return `At least ${rule.minLength} characters`;
  if (rule.maxLength !== null && [...text].length > rule.maxLength) return `At most ${rule.maxLength} characters`;
  if (rule.pattern) {
    try {
      if (!new RegExp(rule.pattern, 'u').test(rule.type === 'STRING' ? text.trim() : text)) return rule.description ?? 'This value does not have the expected form';
    } catch {
      // A pattern this browser cannot compile is left to the domain.
    }
  }
  return null;
}

function fieldRow(recordId: string, recordLabel: string, f: FieldSpec, v: { value: string | null; version: string }): El[] {
  const inputId = nextId('in');
  const hintId = nextId('hint');
  const errorId = nextId('err');
  const current = h('span', { class: 'value', text: v.value ?? '—' });
  const open = h('button', { type: 'button', class: 'link', 'aria-label': `Correct ${f.label} (${recordLabel})`, text: 'Correct' });

  let input: El;
  if (f.rule.type === 'STRING') {
    input = h('input', {
      id: inputId,
      name: f.name,
      type: f.rule.format === 'email' ? 'email' : f.rule.format === 'phone' ? 'tel' : 'text',
      autocomplete: 'off',
      'aria-describedby': `${hintId} ${errorId}`,
      ...(f.rule.maxLength !== null ? { maxlength: String(f.rule.maxLength) } : {}),
    });
    input.value = f.masked ? '' : (v.value ?? '');
  } else {
    input = h('select', { id: inputId, name: f.name, 'aria-describedby': `${hintId} ${errorId}` });
    for (const option of f.rule.allowedValues ?? []) input.append(h('option', { value: option, text: option }));
    input.value = v.value ?? '';
  }
  const hint = h('p', { id: hintId, class: 'hint', text: [f.rule.description ? `${f.rule.description}.` : '', f.recipients.length ? `Told of the change: ${f.recipients.join(', ').toLowerCase().replace(/_/g, ' ')}.` : ''].filter(Boolean).join(' ') });
  const error = h('p', { id: errorId, class: 'error', role: 'alert' });
  error.hidden = true;
  const save = h('button', { type: 'submit', text: 'Save' });
  const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel' });
  // Art. 18(1)(a): a change that waits for a code can stop the current value being used meanwhile.
  const contestId = nextId('contest');
  const contest = f.confirmation ? h('input', { id: contestId, type: 'checkbox', name: 'restrictUntilResolved' }) : null;
  const contestRow = contest ? h('p', { class: 'check' }, contest, h('label', { for: contestId, class: 'inline', text: `The current ${f.label.toLowerCase()} is wrong: do not use it until I confirm the new one` })) : null;
  const form = h('form', { class: 'correct-form', novalidate: true }, h('label', { for: inputId, text: `New ${f.label.toLowerCase()}` }), input, hint, contestRow, error, h('div', { class: 'actions' }, save, cancel));
  form.hidden = true;

  const setError = (message: string | null) => {
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', () => setError(checkRule(f.rule, input.value)));
  open.addEventListener('click', () => {
    form.hidden = false;
    open.hidden = true;
    input.focus();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
    open.hidden = false;
    setError(null);
    open.focus();
  });
  form.addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void (async () => {
      save.disabled = true;
      const text = input.value;
      const res = await gql<{ requestCorrection: { status: string; confirmation: { id: string; sentTo: string; expiresAt: string } | null } }>(
        'mutation($input: CorrectionInput!) { requestCorrection(input: $input) { status confirmation { id sentTo expiresAt } } }',
        { input: { recordId, field: f.name, value: text === '' && !f.rule.required ? null : text, expectedVersion: v.version, ...(contest?.checked ? { restrictUntilResolved: true } : {}) } },
      );
      save.disabled = false;
      const err = res.errors?.[0];
      if (err) {
        if (err.extensions?.code === 'CONFLICT') {
          announce(`${f.label} changed meanwhile; the latest values are shown. ${err.message}`);
          await loadCorrections();
          return;
        }
        // The domain's own reason, next to the field it is about.
        setError(err.message);
        input.focus();
        return;
      }
      const out = res.data!.requestCorrection;
      if (out.status === 'PENDING_CONFIRMATION' && out.confirmation) {
        form.replaceChildren(confirmForm(f, out.confirmation));
        return;
      }
      announce(`${f.label} corrected`);
      await Promise.all([loadCorrections(), loadHistory()]);
    })();
  });
  return [h('dt', { text: f.label }), h('dd', {}, current, ' ', open, form)];
}

function confirmForm(f: FieldSpec, c: { id: string; sentTo: string; expiresAt: string }): El {
  const id = nextId('code');
  const errorId = nextId('err');
  const input = h('input', { id, name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', 'aria-describedby': errorId });
  const error = h('p', { id: errorId, class: 'error', role: 'alert' });
  error.hidden = true;
  const button = h('button', { type: 'submit', text: 'Confirm' });
  const form = h(
    'form',
    { class: 'confirm-form' },
    h('p', { text: `We sent a 6-digit code to ${c.sentTo}. It is valid until ${c.expiresAt.slice(11, 16)} UTC. The change takes effect once you enter it.` }),
    h('label', { for: id, text: `Code for your new ${f.label.toLowerCase()}` }),
    input,
    error,
    button,
  );
  form.addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void (async () => {
      button.disabled = true;
      const res = await gql<{ confirmCorrection: { status: string } }>('mutation($id: ID!, $code: String!) { confirmCorrection(confirmationId: $id, code: $code) { status } }', {
        id: c.id,
        code: input.value.trim(),
      });
      button.disabled = false;
      const err = res.errors?.[0];
      if (err) {
        error.textContent = err.message;
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      announce(`${f.label} confirmed and corrected`);
      await Promise.all([loadCorrections(), loadHistory()]);
    })();
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

// ---------------------------------------------------------------------------
// History

async function loadHistory(): Promise<void> {
  const res = await gql<{
    me: { corrections: { history: { totalCount: number; nodes: { correctedAt: string; domain: string; fieldLabel: string; newValue: string | null; actorType: string; reason: string | null; confirmedWith: string | null; notices: { recipient: string; state: string }[] }[] } } | null };
  }>('{ me { corrections { history(first: 100) { totalCount nodes { correctedAt domain fieldLabel newValue actorType reason confirmedWith notices { recipient state } } } } } }');
  const history = res.data?.me?.corrections?.history;
  const body = $('history-body');
  if (!history) {
    body.replaceChildren(h('p', { class: 'error', text: firstError(res) ?? 'Not available right now' }));
    return;
  }
  if (history.totalCount === 0) {
    body.replaceChildren(h('p', { class: 'muted', text: 'You have not corrected anything yet.' }));
    return;
  }
  const tbody = h('tbody');
  for (const e of [...history.nodes].reverse()) {
    tbody.append(
      h(
        'tr',
        {},
        h('td', { text: e.correctedAt.replace('T', ' ').slice(0, 19) }),
        h('td', { text: `${e.fieldLabel} (${e.domain})` }),
        h('td', { text: e.newValue ?? '—' }),
        h('td', { text: e.actorType === 'subject' ? 'you' : 'our staff' }),
        h('td', { text: e.notices.length ? e.notices.map((n) => `${n.recipient}: ${n.state.toLowerCase()}`).join(', ') : '—' }),
      ),
    );
  }
  body.replaceChildren(
    h(
      'table',
      {},
      h('caption', { text: `${history.totalCount} correction(s), newest first` }),
      h('thead', {}, h('tr', {}, ...['When (UTC)', 'What', 'New value', 'By', 'Recipients told'].map((t) => h('th', { scope: 'col', text: t })))),
      tbody,
    ),
  );
}

// ---------------------------------------------------------------------------
// Export

interface ExportJob {
  id: string;
  state: string;
  progress: { recordsDone: number; recordsTotal: number | null };
  error: { message: string } | null;
  archive: { url: string; sha256: string; sizeBytes: number } | null;
}
const JOB_FIELDS = 'id state progress { recordsDone recordsTotal } error { message } archive { url sha256 sizeBytes }';

async function requestExport(): Promise<void> {
  const button = $('export-button');
  button.disabled = true;
  $('download-button').hidden = true;
  const res = await gql<{ requestExport: ExportJob }>(`mutation { requestExport { ${JOB_FIELDS} } }`);
  const job = res.data?.requestExport;
  if (!job) {
    $('export-state').textContent = `The export could not be started: ${firstError(res) ?? 'no answer'}`;
    $('export-progress').hidden = false;
    button.disabled = false;
    return;
  }
  announce('Export requested');
  await follow(job);
  button.disabled = false;
}

async function follow(initial: ExportJob): Promise<void> {
  let job: ExportJob | null = initial;
  $('export-progress').hidden = false;
  const bar = $('export-bar');
  for (;;) {
    if (!job) return;
    const { recordsDone, recordsTotal } = job.progress;
    const pct = recordsTotal ? Math.min(100, Math.round((recordsDone / recordsTotal) * 100)) : job.state === 'SUCCEEDED' ? 100 : 0;
    bar.setAttribute('value', String(pct));
    bar.textContent = `${pct}%`;
    $('export-state').textContent = `${job.state.toLowerCase()} — ${recordsDone}${recordsTotal ? ` of ${recordsTotal}` : ''} records`;
    if (job.state === 'SUCCEEDED' && job.archive) {
      const archive = job.archive;
      const download = $('download-button');
      download.hidden = false;
      download.dataset.url = archive.url;
      download.dataset.sha256 = archive.sha256;
      announce('Your archive is ready to download');
      download.focus();
      return;
    }
    if (['FAILED', 'CANCELLED', 'EXPIRED'].includes(job.state)) {
      $('export-state').textContent = `The export ${job.state.toLowerCase()}${job.error ? `: ${job.error.message}` : ''}`;
      return;
    }
    await new Promise<void>((r) => setTimeout(r, 700));
    const res: GqlResult<{ exportJob: ExportJob | null }> = await gql<{ exportJob: ExportJob | null }>(`query($id: ID!) { exportJob(jobId: $id) { ${JOB_FIELDS} } }`, { id: job.id });
    job = res.data?.exportJob ?? null;
    if (!job) $('export-state').textContent = `Lost track of the export: ${firstError(res) ?? 'no answer'}`;
  }
}

async function downloadArchive(): Promise<void> {
  const button = $('download-button');
  const link = button.dataset.url;
  if (!link) return;
  // The link is signed by this gateway; fetch it here (same origin) with the person's token, as the download requires.
  const u = new URL(link);
  const res = await fetch(u.pathname + u.search, { headers: { authorization: `Bearer ${token ?? ''}` } });
  if (!res.ok) {
    $('export-state').textContent = `The download failed (HTTP ${res.status}); request a new link by refreshing the export`;
    return;
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'footprint-export.zip';
  const a = h('a', { href, download: name });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  announce(`Downloaded ${name}`);
}

// ---------------------------------------------------------------------------
// Choices: consents, objections, restrictions (Art. 7(3), 21, 18)

interface MapEntry {
  kind: string;
  title: string;
  domain: string;
  legalBasis: string;
  purposes: string[];
  erasure: 'DELETE' | 'ANONYMIZE' | 'RETAIN';
  erasureFields: string[];
  erasureNote: string | null;
  retainFields: string[];
}
interface Restriction {
  kind: string;
  title: string;
  domain: string;
  since: string;
  reason: string;
  until: string | null;
  ground: string;
}
interface Processing {
  restrictions: Restriction[];
  objections: string[];
  withdrawnConsents: string[];
  unavailableDomains: string[];
}
const PROCESSING_FIELDS = 'restrictions { kind title domain since reason until ground } objections withdrawnConsents unavailableDomains';
const OBJECTIONS: { purpose: string; label: string }[] = [
  { purpose: 'AD_PROFILING', label: 'ad profiling' },
  { purpose: 'DIRECT_MARKETING', label: 'direct marketing' },
];
const words = (code: string) => code.toLowerCase().replace(/_/g, ' ');

let dataMap: MapEntry[] = [];
/** What the person holds per kind (from the discovery summary), for the erasure plan. */
let held = new Map<string, number>();

async function loadRights(): Promise<void> {
  if (dataMap.length === 0) {
    const m = await gql<{ dataMap: { entries: MapEntry[] } }>('{ dataMap { entries { kind title domain legalBasis purposes erasure erasureFields erasureNote retainFields } } }');
    dataMap = m.data?.dataMap.entries ?? [];
  }
  const res = await gql<{ me: { processing: Processing } }>(`{ me { processing { ${PROCESSING_FIELDS} } } }`);
  const p = res.data?.me?.processing;
  if (!p) {
    $('consents-body').replaceChildren(h('p', { class: 'error', text: firstError(res) ?? 'Not available right now' }));
    return;
  }
  renderConsents(p);
  renderObjections(p);
  renderRestrictions(p);
}

/** Runs one rights mutation; on success reloads the choices and the summary and announces `done`. */
async function act(button: El | null, query: string, variables: Record<string, unknown>, done: string, errorAt?: El): Promise<boolean> {
  if (button) button.disabled = true;
  const res = await gql<Record<string, unknown>>(query, variables);
  if (button) button.disabled = false;
  const err = res.errors?.[0];
  if (err) {
    if (errorAt) {
      errorAt.textContent = err.message;
      errorAt.hidden = false;
    } else announce(err.message);
    return false;
  }
  announce(done);
  await Promise.all([loadRights(), loadSummary()]);
  return true;
}

function renderConsents(p: Processing): void {
  const purposes = [...new Set(dataMap.filter((e) => e.legalBasis === 'CONSENT').flatMap((e) => e.purposes))].sort();
  const list = h('ul', { class: 'plain' });
  for (const purpose of purposes) {
    const withdrawn = p.withdrawnConsents.includes(purpose);
    const kinds = dataMap.filter((e) => e.legalBasis === 'CONSENT' && e.purposes.includes(purpose)).map((e) => e.title);
    const item = h('li', {}, h('strong', { text: words(purpose) }), h('span', { class: withdrawn ? 'badge off' : 'badge', text: withdrawn ? 'withdrawn' : 'given' }), h('span', { class: 'muted', text: `Used for: ${kinds.join(', ')}` }));
    if (!withdrawn) {
      const b = h('button', { type: 'button', class: 'secondary', text: `Withdraw consent for ${words(purpose)}` });
      b.addEventListener('click', () => void act(b, 'mutation($p: Purpose!) { withdrawConsent(input: { purpose: $p }) { objections } }', { p: purpose }, `Consent for ${words(purpose)} withdrawn`));
      item.append(b);
    } else {
      // Giving it again is as easy as withdrawing it (Art. 7(3)).
      const b = h('button', { type: 'button', class: 'secondary', text: `Give consent for ${words(purpose)} again` });
      b.addEventListener('click', () => void act(b, 'mutation($p: Purpose!) { giveConsent(input: { purpose: $p }) { objections } }', { p: purpose }, `Consent for ${words(purpose)} given`));
      item.append(b);
    }
    list.append(item);
  }
  $('consents-body').replaceChildren(purposes.length ? list : h('p', { class: 'muted', text: 'Nothing is based on your consent.' }));
}

function renderObjections(p: Processing): void {
  const list = h('ul', { class: 'plain' });
  for (const o of OBJECTIONS) {
    const on = p.objections.includes(o.purpose);
    const item = h('li', {}, h('strong', { text: o.label }), h('span', { class: on ? 'badge off' : 'badge', text: on ? 'you object: stopped' : 'in use' }));
    if (!on) {
      const b = h('button', { type: 'button', class: 'secondary', text: `Object to ${o.label}` });
      b.addEventListener('click', () => void act(b, 'mutation($p: RightsPurpose!) { objectToProcessing(input: { purpose: $p }) { objections } }', { p: o.purpose }, `You object to ${o.label}; it has stopped`));
      item.append(b);
    }
    list.append(item);
  }
  $('objections-body').replaceChildren(list);
}

function renderRestrictions(p: Processing): void {
  const body = $('restrictions-body');
  if (p.restrictions.length === 0) body.replaceChildren(h('p', { class: 'muted', text: 'Nothing is restricted.' }));
  else {
    const list = h('ul', { class: 'plain' });
    for (const r of p.restrictions) {
      const item = h(
        'li',
        {},
        h('strong', { text: r.title }),
        h('span', { class: 'badge off', text: `restricted (${words(r.ground)})` }),
        h('span', { class: 'muted', text: `since ${r.since.slice(0, 10)}${r.until ? `, until ${r.until.slice(0, 10)}` : ''}: ${r.reason}` }),
      );
      if (r.ground !== 'LEGAL_HOLD') {
        const b = h('button', { type: 'button', class: 'secondary', text: `Lift the restriction of ${r.title}` });
        b.addEventListener('click', () => void act(b, 'mutation($k: [String!]!) { liftRestriction(input: { kinds: $k }) { objections } }', { k: [r.kind] }, `${r.title}: restriction lifted`));
        item.append(b);
      }
      list.append(item);
    }
    body.replaceChildren(list);
  }
  const select = $('restrict-kind');
  const taken = new Set(p.restrictions.map((r) => r.kind));
  select.replaceChildren(...dataMap.filter((e) => !taken.has(e.kind)).map((e) => h('option', { value: e.kind, text: `${e.title} (${e.domain})` })));
}

async function restrict(): Promise<void> {
  const error = $('restrict-error');
  error.hidden = true;
  const reason = $('restrict-reason').value.trim();
  const until = $('restrict-until').value;
  if (!reason) {
    error.textContent = 'Say why the processing should be restricted';
    error.hidden = false;
    $('restrict-reason').focus();
    return;
  }
  const kind = $('restrict-kind').value;
  const title = dataMap.find((e) => e.kind === kind)?.title ?? kind;
  const ok = await act(
    $('restrict-form').querySelector('button'),
    'mutation($input: RestrictionInput!) { restrictProcessing(input: $input) { objections } }',
    { input: { kinds: [kind], reason, until: until ? `${until}T23:59:59Z` : null } },
    `${title}: processing restricted`,
    error,
  );
  if (ok) {
    $('restrict-reason').value = '';
    $('restrict-until').value = '';
  }
}

// ---------------------------------------------------------------------------
// Erasure (Art. 17)

interface KindReceipt {
  kind: string;
  title: string;
  action: string;
  deleted: number;
  anonymized: number;
  retained: number;
  fields: string[];
  ground: string | null;
  retainedUntil: string | null;
}
interface ErasureJob {
  id: string;
  state: string;
  progress: { domain: string; status: string; error: string | null }[];
  error: { message: string; domain: string | null } | null;
  receiptUrl: string | null;
  receipts: { domain: string; kinds: KindReceipt[] }[];
}
const ERASURE_FIELDS = 'id state progress { domain status error } error { message domain } receiptUrl receipts { domain kinds { kind title action deleted anonymized retained fields ground retainedUntil } }';
let confirmationId: string | null = null;

function reviewErasure(): void {
  const mine = dataMap.filter((e) => (held.get(e.kind) ?? 0) > 0);
  const line = (e: MapEntry, extra = '') => h('li', { text: `${e.title} (${held.get(e.kind)})${extra}` });
  const group = (title: string, items: El[], empty: string) => h('div', {}, h('h3', { text: title }), items.length ? h('ul', {}, ...items) : h('p', { class: 'muted', text: empty }));
  $('erase-plan').replaceChildren(
    h('div', { class: 'erase-lists' },
      group('Will be deleted', mine.filter((e) => e.erasure === 'DELETE').map((e) => line(e)), 'Nothing.'),
      group('Will be anonymised', mine.filter((e) => e.erasure === 'ANONYMIZE').map((e) => line(e, ` — ${e.erasureFields.join(', ')} cleared${e.erasureNote ? `; ${e.erasureNote}` : ''}`)), 'Nothing.'),
      group('Will be kept, by law', mine.filter((e) => e.erasure === 'RETAIN').map((e) => line(e, ` — only ${e.retainFields.join(', ')}, the rest cleared; ${e.erasureNote ?? 'a legal obligation'}`)), 'Nothing.'),
    ),
  );
  $('erase-plan').hidden = false;
  $('erase-confirm').hidden = false;
  $('erase-code').focus();
}

async function sendErasureCode(): Promise<void> {
  const res = await gql<{ requestErasureCode: { confirmationId: string; sentTo: string; expiresAt: string } }>('mutation { requestErasureCode { confirmationId sentTo expiresAt } }');
  const c = res.data?.requestErasureCode;
  if (!c) {
    announce(firstError(res) ?? 'The code could not be sent');
    return;
  }
  confirmationId = c.confirmationId;
  $('erase-sent').textContent = `We sent a 6-digit code to ${c.sentTo}. It is valid until ${c.expiresAt.slice(11, 16)} UTC.`;
  $('erase-form').hidden = false;
  $('erase-code-input').focus();
}

async function submitErasure(): Promise<void> {
  const error = $('erase-error');
  error.hidden = true;
  const button = $('erase-submit');
  button.disabled = true;
  const res = await gql<{ requestErasure: ErasureJob }>(`mutation($input: ErasureRequestInput) { requestErasure(input: $input) { ${ERASURE_FIELDS} } }`, {
    input: { confirmationId, code: $('erase-code-input').value.trim() },
  });
  button.disabled = false;
  const job = res.data?.requestErasure;
  if (!job) {
    error.textContent = firstError(res) ?? 'The erasure could not be started';
    error.hidden = false;
    $('erase-code-input').setAttribute('aria-invalid', 'true');
    $('erase-code-input').focus();
    return;
  }
  $('erase-form').hidden = true;
  announce('Erasure started');
  await followErasure(job);
}

async function followErasure(initial: ErasureJob): Promise<void> {
  let job = initial;
  const receiptUrl = job.receiptUrl;
  for (;;) {
    $('erase-progress').textContent = `Erasure ${job.state.toLowerCase()}: ${job.progress.map((d) => `${d.domain} ${d.status.toLowerCase()}`).join(', ')}`;
    if (job.state === 'FAILED' || job.state === 'CANCELLED') {
      $('erase-progress').textContent = `The erasure ${job.state.toLowerCase()}${job.error ? `: ${job.error.message}` : ''}`;
      $('erase-receipts').replaceChildren(receiptsView(job.receipts));
      return;
    }
    if (job.state === 'SUCCEEDED') break;
    await new Promise<void>((r) => setTimeout(r, 700));
    const res: GqlResult<{ erasureJob: ErasureJob | null }> = await gql<{ erasureJob: ErasureJob | null }>(`query($id: ID!) { erasureJob(jobId: $id) { ${ERASURE_FIELDS} } }`, { id: job.id });
    // Once the account domain is erased, this token is refused: the receipts are read through the signed link.
    if (res.errors?.[0]?.extensions?.reason === 'ACCOUNT_ERASED') break;
    if (!res.data?.erasureJob) {
      $('erase-progress').textContent = `Lost track of the erasure: ${firstError(res) ?? 'no answer'}`;
      return;
    }
    job = res.data.erasureJob;
  }
  await showErased(receiptUrl);
}

async function showErased(receiptUrl: string | null): Promise<void> {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('signed-in').hidden = true;
  $('who').hidden = true;
  $('erased').hidden = false;
  if (receiptUrl) {
    const u = new URL(receiptUrl);
    const link = u.pathname + u.search;
    $('erased-link').setAttribute('href', link);
    const res = await fetch(link);
    const body = (await res.json()) as { state: string; finishedAt: string | null; receipts: { domain: string; kinds: KindReceipt[] }[] };
    const kinds = body.receipts.flatMap((r) => r.kinds);
    const sum = (f: (k: KindReceipt) => number) => kinds.reduce((n, k) => n + f(k), 0);
    $('erased-summary').textContent = `${sum((k) => k.deleted)} records deleted, ${sum((k) => k.anonymized)} anonymised and ${sum((k) => k.retained)} kept by law, in ${body.receipts.length} parts of our service.`;
    $('erased-receipts').replaceChildren(receiptsView(body.receipts));
  }
  announce('Your account has been erased');
  $('erased-h').focus();
}

function receiptsView(receipts: { domain: string; kinds: KindReceipt[] }[]): El {
  const tbody = h('tbody');
  for (const r of receipts) {
    for (const k of r.kinds) {
      const kept = k.action === 'RETAIN' ? `${k.ground ?? ''}${k.retainedUntil ? ` (until ${k.retainedUntil.slice(0, 10)})` : ''}` : k.action === 'ANONYMIZE' ? `${k.fields.join(', ')} cleared${k.ground ? `; ${k.ground}` : ''}` : '—';
      tbody.append(h('tr', {}, h('td', { text: `${k.title} (${r.domain})` }), h('td', { text: words(k.action) }), h('td', { class: 'num', text: String(k.deleted) }), h('td', { class: 'num', text: String(k.anonymized) }), h('td', { class: 'num', text: String(k.retained) }), h('td', { text: kept })));
    }
  }
  return h('table', {}, h('caption', { text: 'Receipts: what each part of our service erased and kept' }), h('thead', {}, h('tr', {}, ...['Data', 'Done', 'Deleted', 'Anonymised', 'Kept', 'Why kept / what was cleared'].map((t) => h('th', { scope: 'col', text: t })))), tbody);
}

// ---------------------------------------------------------------------------

async function start(): Promise<void> {
  try {
    const res = await fetch('/privacy/config.json');
    config = (await res.json()) as PageConfig;
  } catch {
    announce('The privacy centre could not load its settings');
  }
  $('demo').hidden = !config.demo;
  $('token-form').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void signIn($('token').value);
  });
  $('demo-button').addEventListener('click', () => {
    void (async () => {
      const res = await fetch('/privacy/demo-session', { method: 'POST', headers: { 'x-footprint-demo': '1' } });
      if (!res.ok) {
        announce('The demo sign-in is not available here');
        return;
      }
      const { token: minted } = (await res.json()) as { token: string };
      await signIn(minted);
    })();
  });
  $('sign-out').addEventListener('click', signOut);
  setUpRequestForm();
  $('export-button').addEventListener('click', () => void requestExport());
  $('download-button').addEventListener('click', () => void downloadArchive());
  $('restrict-form').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void restrict();
  });
  $('erase-review').addEventListener('click', reviewErasure);
  $('erase-code').addEventListener('click', () => void sendErasureCode());
  $('erase-form').addEventListener('submit', (ev: Ev) => {
    ev.preventDefault();
    void submitErasure();
  });
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) await signIn(saved);
  document.body.setAttribute('data-ready', 'true');
}

void start();
