import { t, tr } from '../../lang.js';
import { errorMessage } from '../../errors.js';
import { dataMap, type MapEntry } from '../datamap.js';
import { reload, type Section } from '../sections.js';
import { announce, gql } from '../session.js';
import { $, errorText, field, h } from '../ui.js';

/** Consents, objections and restrictions (Art. 7(3), 21, 18): each takes effect at once in every domain. */

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
/** The purposes a person may object to (Art. 21): the RightsPurpose enum of the API. */
const OBJECTIONS = ['AD_PROFILING', 'DIRECT_MARKETING'];
const purposeText = (purpose: string) => t('privacy.purpose', { purpose });

/** Runs one rights mutation; on success reloads the choices and the summary and announces `done`. */
async function act(button: HTMLButtonElement | null, query: string, variables: Record<string, unknown>, done: string, errorAt?: HTMLElement): Promise<boolean> {
  if (button) button.disabled = true;
  const res = await gql<Record<string, unknown>>(query, variables);
  if (button) button.disabled = false;
  const err = res.errors?.[0];
  if (err) {
    if (errorAt) {
      errorAt.textContent = errorMessage(err);
      errorAt.hidden = false;
    } else announce(errorMessage(err));
    return false;
  }
  announce(done);
  await reload('rights', 'summary');
  return true;
}

function renderConsents(p: Processing, map: MapEntry[]): void {
  const purposes = [...new Set(map.filter((e) => e.legalBasis === 'CONSENT').flatMap((e) => e.purposes))].sort();
  const list = h('ul', { class: 'plain' });
  for (const purpose of purposes) {
    const withdrawn = p.withdrawnConsents.includes(purpose);
    const kinds = map.filter((e) => e.legalBasis === 'CONSENT' && e.purposes.includes(purpose)).map((e) => e.title);
    const item = h('li', {}, h('strong', { text: purposeText(purpose) }), h('span', { class: withdrawn ? 'badge off' : 'badge', text: t(withdrawn ? 'privacy.rights.withdrawn' : 'privacy.rights.given') }), h('span', { class: 'muted', text: t('privacy.rights.usedFor', { kinds: kinds.join(', ') }) }));
    // Giving it again is as easy as withdrawing it (Art. 7(3)).
    const b = h('button', { type: 'button', class: 'secondary', text: t(withdrawn ? 'privacy.rights.giveAgain' : 'privacy.rights.withdraw', { purpose: purposeText(purpose) }) });
    b.addEventListener('click', () =>
      void (withdrawn
        ? act(b, 'mutation($p: Purpose!) { giveConsent(input: { purpose: $p }) { objections } }', { p: purpose }, t('privacy.rights.givenDone', { purpose: purposeText(purpose) }))
        : act(b, 'mutation($p: Purpose!) { withdrawConsent(input: { purpose: $p }) { objections } }', { p: purpose }, t('privacy.rights.withdrawnDone', { purpose: purposeText(purpose) }))),
    );
    item.append(b);
    list.append(item);
  }
  $('consents-body').replaceChildren(purposes.length ? list : h('p', { class: 'muted', text: t('privacy.rights.noConsent') }));
}

function renderObjections(p: Processing): void {
  const list = h('ul', { class: 'plain' });
  for (const purpose of OBJECTIONS) {
    const on = p.objections.includes(purpose);
    const item = h('li', {}, h('strong', { text: purposeText(purpose) }), h('span', { class: on ? 'badge off' : 'badge', text: t(on ? 'privacy.rights.objecting' : 'privacy.rights.inUse') }));
    if (!on) {
      const b = h('button', { type: 'button', class: 'secondary', text: t('privacy.rights.object', { purpose: purposeText(purpose) }) });
      b.addEventListener('click', () => void act(b, 'mutation($p: RightsPurpose!) { objectToProcessing(input: { purpose: $p }) { objections } }', { p: purpose }, t('privacy.rights.objected', { purpose: purposeText(purpose) })));
      item.append(b);
    }
    list.append(item);
  }
  $('objections-body').replaceChildren(list);
}

function renderRestrictions(p: Processing, map: MapEntry[]): void {
  const body = $('restrictions-body');
  if (p.restrictions.length === 0) body.replaceChildren(h('p', { class: 'muted', text: t('privacy.rights.nothingRestricted') }));
  else {
    const list = h('ul', { class: 'plain' });
    for (const r of p.restrictions) {
      const since = tr().date(r.since, 'date');
      const item = h(
        'li',
        {},
        h('strong', { text: r.title }),
        h('span', { class: 'badge off', text: t('privacy.rights.restrictedBadge', { ground: t('privacy.ground', { ground: r.ground }) }) }),
        // The reason is the person's own words, as written.
        h('span', { class: 'muted', text: r.until ? t('privacy.rights.sinceUntil', { since, until: tr().date(r.until, 'date'), reason: r.reason }) : t('privacy.rights.since', { since, reason: r.reason }) }),
      );
      if (r.ground !== 'LEGAL_HOLD') {
        const b = h('button', { type: 'button', class: 'secondary', text: t('privacy.rights.lift', { title: r.title }) });
        b.addEventListener('click', () => void act(b, 'mutation($k: [String!]!) { liftRestriction(input: { kinds: $k }) { objections } }', { k: [r.kind] }, t('privacy.rights.lifted', { title: r.title })));
        item.append(b);
      }
      list.append(item);
    }
    body.replaceChildren(list);
  }
  const taken = new Set(p.restrictions.map((r) => r.kind));
  $('restrict-kind').replaceChildren(...map.filter((e) => !taken.has(e.kind)).map((e) => h('option', { value: e.kind, text: t('privacy.rights.kindOption', { title: e.title, domain: e.domain }) })));
}

async function restrict(): Promise<void> {
  const error = $('restrict-error');
  error.hidden = true;
  const reason = field('restrict-reason').value.trim();
  const until = field('restrict-until').value;
  if (!reason) {
    error.textContent = t('privacy.rights.sayWhy');
    error.hidden = false;
    field('restrict-reason').focus();
    return;
  }
  const kind = field('restrict-kind').value;
  const title = (await dataMap()).find((e) => e.kind === kind)?.title ?? kind;
  const ok = await act(
    $('restrict-form').querySelector('button'),
    'mutation($input: RestrictionInput!) { restrictProcessing(input: $input) { objections } }',
    { input: { kinds: [kind], reason, until: until ? `${until}T23:59:59Z` : null } },
    t('privacy.rights.restricted', { title }),
    error,
  );
  if (ok) {
    field('restrict-reason').value = '';
    field('restrict-until').value = '';
  }
}

export const choices: Section = {
  id: 'rights',
  title: 'privacy.rights.title',
  render(body) {
    const loading = () => h('p', { class: 'muted', text: t('privacy.loading') });
    const error = h('p', { id: 'restrict-error', class: 'error', role: 'alert' });
    error.hidden = true;
    const form = h(
      'form',
      { id: 'restrict-form', class: 'rights-form', novalidate: true },
      h('label', { for: 'restrict-kind', text: t('privacy.rights.kind') }),
      h('select', { id: 'restrict-kind', name: 'kind', required: true }),
      h('label', { for: 'restrict-reason', text: t('privacy.rights.why') }),
      h('input', { id: 'restrict-reason', name: 'reason', maxlength: '1000', required: true, 'aria-describedby': 'restrict-error' }),
      h('label', { for: 'restrict-until', text: t('privacy.rights.until') }),
      h('input', { id: 'restrict-until', name: 'until', type: 'date', 'aria-describedby': 'restrict-hint restrict-error' }),
      h('p', { id: 'restrict-hint', class: 'hint', text: t('privacy.rights.untilHint') }),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('privacy.rights.restrictButton') })),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void restrict();
    });
    body.append(
      h('p', { text: t('privacy.rights.intro') }),
      h('h3', { text: t('privacy.rights.consents') }),
      h('div', { id: 'consents-body' }, loading()),
      h('h3', { text: t('privacy.rights.objections') }),
      h('div', { id: 'objections-body' }, loading()),
      h('h3', { text: t('privacy.rights.restrict') }),
      h('div', { id: 'restrictions-body' }, loading()),
      form,
    );
  },
  async load() {
    const [map, res] = await Promise.all([dataMap(), gql<{ me: { processing: Processing } }>(`{ me { processing { ${PROCESSING_FIELDS} } } }`)]);
    const p = res.data?.me?.processing;
    if (!p) {
      $('consents-body').replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.notAvailable') }));
      return;
    }
    renderConsents(p, map);
    renderObjections(p);
    renderRestrictions(p, map);
  },
};
