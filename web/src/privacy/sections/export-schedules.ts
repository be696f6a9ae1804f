import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { announce, gql, session } from '../session.js';
import { $, errorText, field, h } from '../ui.js';

/**
 * "Exports on a schedule": an export every N months for a year (1–12),
 * optionally of only what is new after the first; the person's active schedule
 * with its next run, planned dates and the runs made so far (each with its
 * archive's download), cancel; and a one-off export of only what changed since
 * the last export. All through scheduleExports / me { exportSchedules } /
 * cancelExportSchedule / requestExport(since: LAST_EXPORT).
 */

interface Run {
  dueAt: string;
  joined: boolean;
  noticeSentAt: string | null;
  job: { id: string; state: string; archive: { url: string } | null } | null;
}
interface Schedule {
  id: string;
  state: 'ACTIVE' | 'CANCELLED' | 'FINISHED';
  everyMonths: number;
  incremental: boolean;
  endsOn: string;
  nextRunAt: string | null;
  plannedRuns: string[];
  runs: Run[];
}

const FIELDS = 'id state everyMonths incremental endsOn nextRunAt plannedRuns runs { dueAt joined noticeSentAt job { id state archive { url } } }';
const QUERY = `{ me { exportSchedules(first: 1) { ${FIELDS} } } }`;
const SCHEDULE = `mutation Schedule($input: ExportScheduleInput!) { scheduleExports(input: $input) { ${FIELDS} } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelExportSchedule(id: $id) { ${FIELDS} } }`;
const WHAT_IS_NEW = 'mutation { requestExport(input: { since: "LAST_EXPORT" }) { id state archive { url } } }';
const JOB = 'query Job($id: ID!) { exportJob(jobId: $id) { id state archive { url } } }';
type Job = NonNullable<Run['job']>;

/** A schedule's runs are followed while one of them is still being made. */
let polling: ReturnType<typeof setTimeout> | null = null;

async function download(url: string, button: HTMLButtonElement): Promise<void> {
  // The signed link is this gateway's; fetched here (same origin) with the person's token, as the download requires.
  const u = new URL(url);
  button.disabled = true;
  const res = await fetch(u.pathname + u.search, { headers: { authorization: `Bearer ${session.token ?? ''}` } });
  button.disabled = false;
  if (!res.ok) {
    announce(t('privacy.export.downloadFailed', { status: res.status }));
    return;
  }
  const href = URL.createObjectURL(await res.blob());
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'footprint-export.zip';
  const a = h('a', { href, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  announce(t('privacy.export.downloaded', { name }));
}

function runItem(r: Run): HTMLElement {
  const state = r.job ? t('privacy.export.state', { state: r.job.state }) : '';
  const item = h('li', { 'data-due': r.dueAt, 'data-job': r.job?.id }, h('time', { datetime: r.dueAt, text: t('schedule.page.run', { date: tr().date(r.dueAt, 'date'), state }) }));
  if (r.joined) item.append(' ', h('small', { text: t('schedule.page.runJoined') }));
  if (r.job?.archive) {
    const url = r.job.archive.url;
    const button = h('button', { type: 'button', class: 'secondary link', text: t('schedule.page.download') });
    button.addEventListener('click', () => void download(url, button));
    item.append(' ', button);
  }
  return item;
}

function show(s: Schedule | null): void {
  const body = $('schedule-body');
  $('schedule-form').hidden = s?.state === 'ACTIVE';
  if (!s) {
    body.replaceChildren(h('p', { class: 'muted', text: t('schedule.page.none') }));
    return;
  }
  const d = (v: string) => tr().date(v, 'date');
  const cancel = h('button', { id: 'schedule-cancel', type: 'button', class: 'secondary', text: t('schedule.page.cancel') });
  cancel.addEventListener('click', () => void cancelSchedule(s.id));
  const list = new Intl.ListFormat(tr().language, { type: 'conjunction' });
  body.replaceChildren(
    h(
      'div',
      { class: 'schedule', 'data-schedule': s.id, 'data-state': s.state },
      h('p', { id: 'schedule-state', text: t('schedule.page.stateLine', { state: t('schedule.page.state', { state: s.state }) }) }),
      h('p', { id: 'schedule-summary', text: t('schedule.page.active', { every: s.everyMonths, incremental: String(s.incremental), ends: d(s.endsOn) }) }),
      s.nextRunAt && s.state === 'ACTIVE' ? h('p', { id: 'schedule-next' }, h('time', { datetime: s.nextRunAt, text: t('schedule.page.next', { date: d(s.nextRunAt) }) })) : null,
      h('p', { class: 'muted', text: t('schedule.page.planned', { count: s.plannedRuns.length, dates: list.format(s.plannedRuns.map(d)) }) }),
      h('h4', { text: t('schedule.page.runs') }),
      s.runs.length ? h('ul', { id: 'schedule-runs' }, ...s.runs.map(runItem)) : h('p', { class: 'muted', text: t('schedule.page.noRuns') }),
      s.state === 'ACTIVE' ? cancel : null,
    ),
  );
  // A run still being made: look again shortly, so its download appears when it is ready.
  if (polling) clearTimeout(polling);
  polling = s.runs.some((r) => r.job && ['QUEUED', 'RUNNING'].includes(r.job.state)) ? setTimeout(() => void load(), 1500) : null;
}

async function load(): Promise<void> {
  const res = await gql<{ me: { exportSchedules: Schedule[] } | null }>(QUERY);
  const schedules = res.data?.me?.exportSchedules;
  if (!schedules) {
    $('schedule-body').replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.notAvailable') }));
    return;
  }
  show(schedules[0] ?? null);
}

async function schedule(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const every = Number(field('schedule-every').value);
  const submit = $<HTMLButtonElement>('schedule-submit');
  submit.disabled = true;
  const res = await gql<{ scheduleExports: Schedule }>(SCHEDULE, { input: { everyMonths: every, months: 12, incremental: field('schedule-incremental').checked } });
  submit.disabled = false;
  const error = $('schedule-error');
  if (!res.data?.scheduleExports) {
    error.textContent = t('schedule.page.notScheduled', { error: errorText(res) ?? '' });
    error.hidden = false;
    return;
  }
  error.hidden = true;
  announce(t('schedule.page.scheduled'));
  show(res.data.scheduleExports);
}

async function cancelSchedule(id: string): Promise<void> {
  const res = await gql<{ cancelExportSchedule: Schedule }>(CANCEL, { id });
  if (!res.data?.cancelExportSchedule) {
    announce(t('schedule.page.notCancelled', { error: errorText(res) ?? '' }));
    return;
  }
  announce(t('schedule.page.cancelled'));
  show(res.data.cancelExportSchedule);
}

/** A one-off export of what changed since the last export, followed here until its archive can be downloaded. */
async function whatIsNew(button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const line = $('schedule-new-state');
  const res = await gql<{ requestExport: Job }>(WHAT_IS_NEW);
  let job = res.data?.requestExport ?? null;
  if (!job) {
    button.disabled = false;
    line.textContent = t('schedule.page.whatIsNewFailed', { error: errorText(res) ?? '' });
    line.className = 'error';
    return;
  }
  line.className = '';
  announce(t('schedule.page.whatIsNewStarted'));
  while (job) {
    line.replaceChildren(t('schedule.page.whatIsNewState', { state: t('privacy.export.state', { state: job.state }) }));
    if (!['QUEUED', 'RUNNING'].includes(job.state)) break;
    await new Promise<void>((r) => setTimeout(r, 1000));
    const next: { data?: { exportJob: Job | null } | null } = await gql<{ exportJob: Job | null }>(JOB, { id: job.id });
    job = next.data?.exportJob ?? null;
  }
  button.disabled = false;
  if (job?.archive) {
    const url = job.archive.url;
    const get = h('button', { type: 'button', class: 'secondary link', text: t('schedule.page.download') });
    get.addEventListener('click', () => void download(url, get));
    line.append(' ', get);
  }
}

export const exportSchedules: Section = {
  id: 'export-schedules',
  title: 'schedule.page.title',
  nav: 'schedule.page.nav',
  render(body) {
    const every = h('select', { id: 'schedule-every', name: 'everyMonths' }, ...Array.from({ length: 12 }, (_, i) => h('option', { value: String(i + 1), text: t('schedule.page.everyOption', { count: i + 1 }) })));
    const form = h(
      'form',
      { id: 'schedule-form' },
      h('p', {}, h('label', { for: 'schedule-every', text: t('schedule.page.every') }), ' ', every),
      h('p', {}, h('input', { id: 'schedule-incremental', type: 'checkbox' }), ' ', h('label', { for: 'schedule-incremental', class: 'inline', text: t('schedule.page.incremental') })),
      h('p', { id: 'schedule-error', class: 'error', role: 'alert', hidden: true }),
      h('button', { id: 'schedule-submit', type: 'submit', text: t('schedule.page.schedule') }),
    );
    form.addEventListener('submit', (ev) => void schedule(ev));
    const newButton = h('button', { id: 'schedule-what-is-new', type: 'button', class: 'secondary', 'aria-describedby': 'schedule-new-hint', text: t('schedule.page.whatIsNew') });
    newButton.addEventListener('click', () => void whatIsNew(newButton));
    body.append(
      h('p', { text: t('schedule.page.intro') }),
      form,
      h('div', { id: 'schedule-body', 'aria-live': 'polite' }, h('p', { class: 'muted', text: t('privacy.loading') })),
      h('h3', { text: t('schedule.page.whatIsNew') }),
      h('p', { id: 'schedule-new-hint', class: 'muted', text: t('schedule.page.whatIsNewHint') }),
      newButton,
      h('p', { id: 'schedule-new-state', 'aria-live': 'polite' }),
    );
  },
  load,
};
