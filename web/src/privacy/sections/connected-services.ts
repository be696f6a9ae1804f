import { kindTitle } from '../../kind-title.js';
import { t, tr } from '../../lang.js';
import type { Section } from '../sections.js';
import { announce, gql } from '../session.js';
import { $, errorText, h } from '../ui.js';

/**
 * "Connected services": the receiving services the person allowed to take a copy of their data (the portability
 * API, gateway/src/portability), what each may take and until when, what it took, and one button to revoke —
 * after which the service's tokens are refused, its jobs stop and its links stop working.
 */

interface Grant {
  id: string;
  serviceName: string;
  serviceContact: string | null;
  purposes: string[];
  kinds: string[];
  period: string;
  grantedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  active: boolean;
  transfers: { jobId: string; startedAt: string; finishedAt: string | null; state: string | null; records: number | null }[];
}

const QUERY = '{ me { portability { grants(first: 100) { nodes { id serviceName serviceContact purposes kinds period grantedAt expiresAt revokedAt active transfers { jobId startedAt finishedAt state records } } } } } }';
const REVOKE = 'mutation Revoke($id: ID!) { revokePortabilityGrant(id: $id) { id active revokedAt } }';

function card(g: Grant): HTMLElement {
  const date = (v: string) => tr().date(v);
  // A list of names in the language's own way ("a, b and c" / "a, b və c"), not joined by hand.
  const list = new Intl.ListFormat(tr().language, { type: 'conjunction' });
  const state = g.revokedAt ? t('portability.connected.revokedAt', { date: date(g.revokedAt) }) : g.active ? t('portability.connected.until', { date: date(g.expiresAt) }) : t('portability.connected.ended');
  const transfers = h(
    'ul',
    { class: 'transfers' },
    ...g.transfers.map((x) =>
      h('li', {}, x.state === 'SUCCEEDED' || x.records !== null ? t('portability.connected.transfer', { date: date(x.startedAt), records: x.records ?? 0 }) : t('portability.connected.transferPending', { date: date(x.startedAt) })),
    ),
  );
  const item = h(
    'li',
    { class: 'connected-service', 'data-grant': g.id },
    h('strong', { text: g.serviceName }),
    h('p', {}, t('portability.connected.grantedAt', { date: date(g.grantedAt) }), ' · ', state),
    h('p', { text: t('portability.connected.kinds', { count: g.kinds.length, kinds: list.format(g.kinds.map((k) => kindTitle(tr(), k))) }) }),
    h('p', { text: t('portability.connected.transfers', { count: g.transfers.length }) }),
    transfers,
  );
  if (g.active) {
    const button = h('button', { type: 'button', class: 'secondary', text: t('portability.connected.revoke', { service: g.serviceName }) });
    button.addEventListener('click', () => {
      button.disabled = true;
      void (async () => {
        const res = await gql<{ revokePortabilityGrant: { active: boolean } }>(REVOKE, { id: g.id });
        if (res.errors?.length || res.data?.revokePortabilityGrant.active !== false) {
          button.disabled = false;
          announce(t('portability.connected.failed'));
          return;
        }
        announce(t('portability.connected.revoked', { service: g.serviceName }));
        await connectedServices.load?.();
      })();
    });
    item.append(button);
  }
  return item;
}

export const connectedServices: Section = {
  id: 'connected-services',
  title: 'portability.connected.heading',
  render(body) {
    body.append(h('p', { text: t('portability.connected.intro') }), h('div', { id: 'connected-services-body' }, h('p', { class: 'muted', text: t('privacy.loading') })));
  },
  async load() {
    const res = await gql<{ me: { portability: { grants: { nodes: Grant[] } } | null } | null }>(QUERY);
    const body = $('connected-services-body');
    const grants = res.data?.me?.portability?.grants.nodes;
    if (!grants) {
      body.replaceChildren(h('p', { class: 'error', text: errorText(res) ?? t('privacy.notAvailable') }));
      return;
    }
    body.replaceChildren(grants.length ? h('ul', { class: 'connected-services' }, ...grants.map((g) => card(g))) : h('p', { text: t('portability.connected.none') }));
  },
};
