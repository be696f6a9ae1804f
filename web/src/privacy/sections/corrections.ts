import { checkRule, type CheckableRule, type RuleProblem } from '@footprint/kit/rule-check';
import { language, t, tr } from '../../lang.js';
import { reload, type Section } from '../sections.js';
import { announce, gql, nextId } from '../session.js';
import { $, errorText, h } from '../ui.js';
import { errorMessage } from '../../errors.js';

/**
 * Correcting a field (Art. 16): the domain's published rule is checked as the
 * person types — with the kit's own check of a published rule, not a copy —
 * and the owning domain checks again on submit and has the last word.
 */

interface Rule extends CheckableRule {
  format: string | null;
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

const VIEW_QUERY = `{ me { correctionView(first: 10) {
  unavailableDomains
  nonCorrectable { kind domain title reason }
  correctable { kind domain title scope totalCount
    fields { name label masked confirmation recipients rule { type format required minLength maxLength pattern allowedValues description } }
    records { recordId label values { field value version } } } } } }`;

const lower = (s: string) => s.toLocaleLowerCase(language());

/** A broken rule in the reader's language; a pattern's own description (the domain's words) when it has one. */
function problemText(p: RuleProblem, rule: Rule): string {
  switch (p.problem) {
    case 'NOT_ALLOWED':
      return t('privacy.rule.NOT_ALLOWED', { allowed: p.allowed.join(', ') });
    case 'TOO_SHORT':
    case 'TOO_LONG':
      return t(`privacy.rule.${p.problem}`, { limit: p.limit });
    case 'PATTERN':
      return rule.description ?? t('privacy.rule.PATTERN');
    default:
      return t('privacy.rule.REQUIRED');
  }
}

function kindView(k: CorrectableKind): HTMLElement {
  const section = h('section', { class: 'kind' }, h('h3', {}, k.title, h('span', { class: 'muted', text: ` · ${k.domain}` })));
  if (k.scope) section.append(h('p', { class: 'muted', text: t('privacy.correct.shown', { scope: k.scope }) }));
  if (k.records.length === 0) section.append(h('p', { class: 'muted', text: t('privacy.correct.nothing') }));
  for (const r of k.records) {
    const list = h('dl', { class: 'fields' });
    for (const f of k.fields) {
      const v = r.values.find((x) => x.field === f.name);
      if (v) list.append(...fieldRow(r.recordId, r.label, f, v));
    }
    section.append(h('div', { class: 'record-card' }, h('h4', { text: r.label }), list));
  }
  if (k.totalCount > k.records.length) section.append(h('p', { class: 'muted', text: t('privacy.correct.showing', { shown: k.records.length, total: k.totalCount }) }));
  return section;
}

function fieldRow(recordId: string, recordLabel: string, f: FieldSpec, v: { value: string | null; version: string }): HTMLElement[] {
  const inputId = nextId('in');
  const hintId = nextId('hint');
  const errorId = nextId('err');
  const current = h('span', { class: 'value', text: v.value ?? '—' });
  const open = h('button', { type: 'button', class: 'link', 'aria-label': t('privacy.correct.openLabel', { field: f.label, record: recordLabel }), text: t('privacy.correct.open') });

  let input: HTMLInputElement | HTMLSelectElement;
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
  const hint = h('p', { id: hintId, class: 'hint' }, f.rule.description ? h('span', { text: f.rule.description }) : null, ' ', f.recipients.length ? h('span', { text: t('privacy.correct.toldOf', { recipients: f.recipients.map((r) => t('privacy.recipient', { recipient: r })).join(', ') }) }) : null);
  const error = h('p', { id: errorId, class: 'error', role: 'alert' });
  error.hidden = true;
  const save = h('button', { type: 'submit', text: t('privacy.correct.save') });
  const cancel = h('button', { type: 'button', class: 'secondary', text: t('privacy.correct.cancel') });
  // Art. 18(1)(a): a change that waits for a code can stop the current value being used meanwhile.
  const contestId = nextId('contest');
  const contest = f.confirmation ? h('input', { id: contestId, type: 'checkbox', name: 'restrictUntilResolved' }) : null;
  const contestRow = contest ? h('p', { class: 'check' }, contest, h('label', { for: contestId, class: 'inline', text: t('privacy.correct.contest', { field: lower(f.label) }) })) : null;
  const form = h('form', { class: 'correct-form', novalidate: true }, h('label', { for: inputId, text: t('privacy.correct.newValue', { field: lower(f.label) }) }), input, hint, contestRow, error, h('div', { class: 'actions' }, save, cancel));
  form.hidden = true;

  const setError = (message: string | null) => {
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', () => {
    const p = checkRule(f.rule, input.value);
    setError(p ? problemText(p, f.rule) : null);
  });
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
  form.addEventListener('submit', (ev) => {
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
          announce(t('privacy.correct.conflict', { field: f.label }));
          await reload('correct');
          return;
        }
        // The domain's own reason, next to the field it is about.
        setError(errorMessage(err));
        input.focus();
        return;
      }
      const out = res.data?.requestCorrection;
      if (out?.status === 'PENDING_CONFIRMATION' && out.confirmation) {
        form.replaceChildren(confirmForm(f, out.confirmation));
        return;
      }
      announce(t('privacy.correct.done', { field: f.label }));
      await reload('correct', 'history');
    })();
  });
  return [h('dt', { text: f.label }), h('dd', {}, current, ' ', open, form)];
}

function confirmForm(f: FieldSpec, c: { id: string; sentTo: string; expiresAt: string }): HTMLElement {
  const id = nextId('code');
  const errorId = nextId('err');
  const input = h('input', { id, name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', 'aria-describedby': errorId });
  const error = h('p', { id: errorId, class: 'error', role: 'alert' });
  error.hidden = true;
  const button = h('button', { type: 'submit', text: t('privacy.correct.confirm') });
  const form = h(
    'form',
    { class: 'confirm-form' },
    h('p', { text: t('privacy.correct.codeSent', { to: c.sentTo, time: tr().date(c.expiresAt, 'time') }) }),
    h('label', { for: id, text: t('privacy.correct.codeLabel', { field: lower(f.label) }) }),
    input,
    error,
    button,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      button.disabled = true;
      const res = await gql<{ confirmCorrection: { status: string } }>('mutation($id: ID!, $code: String!) { confirmCorrection(confirmationId: $id, code: $code) { status } }', { id: c.id, code: input.value.trim() });
      button.disabled = false;
      const err = res.errors?.[0];
      if (err) {
        error.textContent = errorMessage(err);
        error.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      announce(t('privacy.correct.confirmed', { field: f.label }));
      await reload('correct', 'history');
    })();
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

export const corrections: Section = {
  id: 'correct',
  title: 'privacy.correct.title',
  nav: 'privacy.correct.nav',
  render(body) {
    body.append(
      h('p', { text: t('privacy.correct.intro') }),
      h('div', { id: 'correct-body' }, h('p', { class: 'muted', text: t('privacy.loading') })),
      h('h3', { text: t('privacy.correct.cannot') }),
      h('ul', { id: 'noncorrectable', class: 'reasons' }),
    );
  },
  async load() {
    const res = await gql<{ me: { correctionView: { unavailableDomains: string[]; nonCorrectable: { kind: string; domain: string; title: string; reason: string }[]; correctable: CorrectableKind[] } } }>(VIEW_QUERY);
    const view = res.data?.me?.correctionView;
    const body = $('correct-body');
    if (!view) {
      body.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.correct.viewUnavailable') }));
      return;
    }
    body.replaceChildren(view.unavailableDomains.length ? h('p', { class: 'error', text: t('privacy.unavailable', { domains: view.unavailableDomains.join(', ') }) }) : '', ...view.correctable.map(kindView));
    // The reason is the domain's own words (its SDL); shown as written.
    $('noncorrectable').replaceChildren(...view.nonCorrectable.map((n) => h('li', {}, h('strong', { text: n.title }), ' ', h('span', { class: 'muted', text: `(${n.domain})` }), ' ', h('span', { text: n.reason }))));
  },
};
