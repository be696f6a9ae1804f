import { erasurePlan } from '@footprint/kit/erasure-plan';
import { t, tr } from '../../lang.js';
import { errorMessage } from '../../errors.js';
import { dataMap, type MapEntry } from '../datamap.js';
import type { Section } from '../sections.js';
import { announce, gql, keepToken, session } from '../session.js';
import { $, errorText, field, h, type GqlResult } from '../ui.js';

/**
 * Erasing the account (Art. 17): the plan — what is deleted, anonymised or
 * kept by law, from the kit's own erasure plan over the data map — then a
 * code to the account's e-mail, the job's progress, and the receipts.
 */

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

async function reviewErasure(): Promise<void> {
  const plan = erasurePlan(await dataMap(), session.held);
  const group = (title: string, items: HTMLElement[]) => h('div', {}, h('h3', { text: title }), items.length ? h('ul', {}, ...items) : h('p', { class: 'muted', text: t('privacy.erase.nothing') }));
  const li = (text: string) => h('li', { text });
  const base = (e: MapEntry, count: number) => ({ title: e.title, count });
  $('erase-plan').replaceChildren(
    h(
      'div',
      { class: 'erase-lists' },
      group(t('privacy.erase.deleted'), plan.DELETE.map(({ entry, count }) => li(t('privacy.erase.line', base(entry, count))))),
      group(
        t('privacy.erase.anonymised'),
        plan.ANONYMIZE.map(({ entry, count }) =>
          li(entry.erasureNote ? t('privacy.erase.lineAnonymisedNote', { ...base(entry, count), fields: entry.erasureFields.join(', '), note: entry.erasureNote }) : t('privacy.erase.lineAnonymised', { ...base(entry, count), fields: entry.erasureFields.join(', ') })),
        ),
      ),
      group(t('privacy.erase.kept'), plan.RETAIN.map(({ entry, count }) => li(t('privacy.erase.lineKept', { ...base(entry, count), fields: entry.retainFields.join(', '), note: entry.erasureNote ?? t('privacy.erase.legalObligation') })))),
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
    announce(errorText(res) ?? t('privacy.erase.codeNotSent'));
    return;
  }
  confirmationId = c.confirmationId;
  $('erase-sent').textContent = t('privacy.erase.codeSent', { to: c.sentTo, time: tr().date(c.expiresAt, 'time') });
  $('erase-form').hidden = false;
  $('erase-code-input').focus();
}

async function submitErasure(): Promise<void> {
  const error = $('erase-error');
  error.hidden = true;
  const button = $<HTMLButtonElement>('erase-submit');
  button.disabled = true;
  const res = await gql<{ requestErasure: ErasureJob }>(`mutation($input: ErasureRequestInput) { requestErasure(input: $input) { ${ERASURE_FIELDS} } }`, {
    input: { confirmationId, code: field('erase-code-input').value.trim() },
  });
  button.disabled = false;
  const job = res.data?.requestErasure;
  if (!job) {
    error.textContent = errorMessage(res.errors?.[0], 'privacy.erase.notStarted');
    error.hidden = false;
    $('erase-code-input').setAttribute('aria-invalid', 'true');
    $('erase-code-input').focus();
    return;
  }
  $('erase-form').hidden = true;
  announce(t('privacy.erase.started'));
  await followErasure(job);
}

async function followErasure(initial: ErasureJob): Promise<void> {
  let job = initial;
  const receiptUrl = job.receiptUrl;
  for (;;) {
    const domains = job.progress.map((d) => t('privacy.erase.domainState', { domain: d.domain, status: d.status })).join(', ');
    $('erase-progress').textContent = t('privacy.erase.progress', { state: t('privacy.erase.jobState', { state: job.state }), domains });
    if (job.state === 'FAILED' || job.state === 'CANCELLED') {
      $('erase-progress').textContent = job.error ? t('privacy.erase.endedWhy', { state: job.state, error: job.error.message }) : t('privacy.erase.ended', { state: job.state });
      $('erase-receipts').replaceChildren(receiptsView(job.receipts));
      return;
    }
    if (job.state === 'SUCCEEDED') break;
    await new Promise<void>((r) => setTimeout(r, 700));
    const res: GqlResult<{ erasureJob: ErasureJob | null }> = await gql<{ erasureJob: ErasureJob | null }>(`query($id: ID!) { erasureJob(jobId: $id) { ${ERASURE_FIELDS} } }`, { id: job.id });
    // Once the account domain is erased, this token is refused: the receipts are read through the signed link.
    if (res.errors?.[0]?.extensions?.reason === 'ACCOUNT_ERASED') break;
    if (!res.data?.erasureJob) {
      $('erase-progress').textContent = t('privacy.erase.lost', { error: errorText(res) ?? '' });
      return;
    }
    job = res.data.erasureJob;
  }
  await showErased(receiptUrl);
}

async function showErased(receiptUrl: string | null): Promise<void> {
  keepToken(null);
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
    $('erased-summary').textContent = t('privacy.erase.summary', { deleted: sum((k) => k.deleted), anonymised: sum((k) => k.anonymized), kept: sum((k) => k.retained), parts: body.receipts.length });
    $('erased-receipts').replaceChildren(receiptsView(body.receipts));
  }
  announce(t('privacy.erase.done'));
  $('erased-h').focus();
}

function receiptsView(receipts: { domain: string; kinds: KindReceipt[] }[]): HTMLElement {
  const tbody = h('tbody');
  const num = (n: number) => h('td', { class: 'num', text: tr().number(n) });
  for (const r of receipts) {
    for (const k of r.kinds) {
      const kept =
        k.action === 'RETAIN'
          ? k.retainedUntil
            ? t('privacy.erase.keptUntil', { ground: k.ground ?? '', until: tr().date(k.retainedUntil, 'date') })
            : (k.ground ?? '')
          : k.action === 'ANONYMIZE'
            ? k.ground
              ? t('privacy.erase.clearedWhy', { fields: k.fields.join(', '), ground: k.ground })
              : t('privacy.erase.cleared', { fields: k.fields.join(', ') })
            : '—';
      tbody.append(h('tr', {}, h('td', { text: t('privacy.erase.receiptData', { title: k.title, domain: r.domain }) }), h('td', { text: t('privacy.erase.action', { action: k.action }) }), num(k.deleted), num(k.anonymized), num(k.retained), h('td', { text: kept })));
    }
  }
  const cols = ['privacy.erase.col.data', 'privacy.erase.col.done', 'privacy.erase.col.deleted', 'privacy.erase.col.anonymised', 'privacy.erase.col.kept', 'privacy.erase.col.why'] as const;
  return h('table', {}, h('caption', { text: t('privacy.erase.receipts') }), h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col', text: t(c) })))), tbody);
}

export const erasure: Section = {
  id: 'erase',
  title: 'privacy.erase.title',
  nav: 'privacy.erase.nav',
  render(body) {
    const review = h('button', { id: 'erase-review', type: 'button', class: 'secondary', text: t('privacy.erase.review') });
    review.addEventListener('click', () => void reviewErasure());
    const send = h('button', { id: 'erase-code', type: 'button', text: t('privacy.erase.sendCode') });
    send.addEventListener('click', () => void sendErasureCode());
    const error = h('p', { id: 'erase-error', class: 'error', role: 'alert' });
    error.hidden = true;
    const form = h(
      'form',
      { id: 'erase-form', class: 'confirm-form', novalidate: true },
      h('p', { id: 'erase-sent' }),
      h('label', { for: 'erase-code-input', text: t('privacy.erase.codeLabel') }),
      h('input', { id: 'erase-code-input', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', 'aria-describedby': 'erase-error' }),
      error,
      h('button', { id: 'erase-submit', type: 'submit', class: 'danger', text: t('privacy.erase.submit') }),
    );
    form.hidden = true;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void submitErasure();
    });
    const plan = h('div', { id: 'erase-plan' });
    plan.hidden = true;
    const confirm = h('div', { id: 'erase-confirm' }, send, form);
    confirm.hidden = true;
    body.append(
      h('p', {}, t('privacy.erase.intro'), ' ', h('a', { href: '#export', text: t('privacy.erase.copyFirst') })),
      review,
      plan,
      confirm,
      h('div', { id: 'erase-progress', 'aria-live': 'polite' }),
      h('div', { id: 'erase-receipts' }),
    );
  },
};
