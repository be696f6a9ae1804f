/**
 * "Connected services" in the privacy centre: the receiving services the person allowed to take a copy of their
 * data (the portability API, gateway/src/portability), what each may take and until when, what it took, and one
 * button to revoke — after which the service's tokens are refused, its jobs stop and its links stop working.
 * The section is built here and placed after the export section, so the page itself changes by one line.
 */
import { createTranslator, negotiateLanguage } from '@footprint/i18n';

const t = createTranslator(negotiateLanguage(navigator.languages));
/** A list of names in the language's own way ("a, b and c" / "a, b və c"), not joined by hand. */
const list = new Intl.ListFormat(t.language, { type: 'conjunction' });

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

const QUERY = `{ me { portability { grants(first: 100) { nodes { id serviceName serviceContact purposes kinds period grantedAt expiresAt revokedAt active transfers { jobId startedAt finishedAt state records } } } } } }`;
const REVOKE = `mutation Revoke($id: ID!) { revokePortabilityGrant(id: $id) { id active revokedAt } }`;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

async function gql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: T; errors?: { message: string }[] }> {
  const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: T; errors?: { message: string }[] };
}

function section(): HTMLElement {
  let s = document.getElementById('connected-services');
  if (!s) {
    s = h('section', { id: 'connected-services', 'aria-labelledby': 'connected-services-h' });
    const anchor = document.getElementById('export');
    if (anchor) anchor.after(s);
    else document.getElementById('main')?.append(s);
  }
  return s;
}

/** Kind titles as the privacy centre's settings name them (the data map's), read once. */
let titles: Promise<Map<string, string>> | null = null;
function kindTitles(): Promise<Map<string, string>> {
  titles ??= fetch('/privacy/config.json')
    .then((r) => r.json() as Promise<{ domains?: { kinds?: { kind: string; title: string }[] }[] }>)
    .then((c) => new Map((c.domains ?? []).flatMap((d) => d.kinds ?? []).map((k) => [k.kind, k.title] as const)))
    .catch(() => new Map<string, string>());
  return titles;
}

function card(g: Grant, token: string, reload: () => Promise<void>, names: Map<string, string>): HTMLElement {
  const state = g.revokedAt ? t.t('portability.connected.revokedAt', { date: t.date(g.revokedAt) }) : g.active ? t.t('portability.connected.until', { date: t.date(g.expiresAt) }) : t.t('portability.connected.ended');
  const transfers = h(
    'ul',
    { class: 'transfers' },
    ...g.transfers.map((x) =>
      h('li', {}, x.state === 'SUCCEEDED' || x.records !== null ? t.t('portability.connected.transfer', { date: t.date(x.startedAt), records: x.records ?? 0 }) : t.t('portability.connected.transferPending', { date: t.date(x.startedAt) })),
    ),
  );
  const item = h(
    'li',
    { class: 'connected-service', 'data-grant': g.id },
    h('strong', {}, g.serviceName),
    h('p', {}, t.t('portability.connected.grantedAt', { date: t.date(g.grantedAt) }), ' · ', state),
    h('p', {}, t.t('portability.connected.kinds', { count: g.kinds.length, kinds: list.format(g.kinds.map((k) => names.get(k) ?? k)) })),
    h('p', {}, t.t('portability.connected.transfers', { count: g.transfers.length })),
    transfers,
  );
  if (g.active) {
    const button = h('button', { type: 'button', class: 'secondary' }, t.t('portability.connected.revoke', { service: g.serviceName }));
    button.addEventListener('click', () => {
      button.setAttribute('disabled', '');
      void (async () => {
        const res = await gql<{ revokePortabilityGrant: { active: boolean } }>(token, REVOKE, { id: g.id });
        const status = document.getElementById('status');
        if (res.errors?.length || res.data?.revokePortabilityGrant.active !== false) {
          button.removeAttribute('disabled');
          if (status) status.textContent = t.t('portability.connected.failed');
          return;
        }
        if (status) status.textContent = t.t('portability.connected.revoked', { service: g.serviceName });
        await reload();
      })();
    });
    item.append(button);
  }
  return item;
}

/** Loads and shows the person's connected services (called once the person signed in). */
export async function loadConnectedServices(token: string): Promise<void> {
  const s = section();
  const reload = () => loadConnectedServices(token);
  const res = await gql<{ me: { portability: { grants: { nodes: Grant[] } } | null } | null }>(token, QUERY);
  const grants = res.data?.me?.portability?.grants.nodes ?? [];
  const names = await kindTitles();
  s.replaceChildren(
    h('h2', { id: 'connected-services-h' }, t.t('portability.connected.heading')),
    h('p', {}, t.t('portability.connected.intro')),
    grants.length ? h('ul', { class: 'connected-services' }, ...grants.map((g) => card(g, token, reload, names))) : h('p', {}, t.t('portability.connected.none')),
  );
}
