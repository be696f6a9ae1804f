/**
 * The consent screen of the portability API (gateway/src/portability/consent.ts): a receiving service sent the
 * person here through OAuth. The person signs in as in the privacy centre (the same token, kept for this tab),
 * reads who asks, what it will receive — the kinds, with their own counts —, for how long and which records, and
 * allows or refuses; the gateway then sends the browser back to the service.
 */
import { createTranslator, negotiateLanguage, type MessageKey } from '@footprint/i18n';
import { kindTitle } from '../kind-title.js';

const TOKEN_KEY = 'footprint.privacy.token';
const t = createTranslator(negotiateLanguage(navigator.languages));
document.documentElement.lang = t.language;

interface Details {
  uid: string;
  person: string;
  service: { clientId: string; name: string; contact: string | null; purposes: string[]; redirectHost: string | null };
  period: 'ONE_TIME' | 'DAYS_30' | 'DAYS_180';
  days: number | null;
  window: { start: string | null; end: string | null };
  resources: { scope: string; group: string; domain: string; kinds: { kind: string; title: string; count: number }[] }[];
}

const uid = decodeURIComponent(location.pathname.split('/').filter(Boolean).at(-1) ?? '');
const base = `/portability/consent/${encodeURIComponent(uid)}`;
const content = document.getElementById('content')!;
const status = document.getElementById('status')!;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

function say(message: string, isError = false): void {
  status.textContent = message;
  status.className = isError ? 'status error' : 'status';
}

function errorText(code: unknown): string {
  const key = `portability.error.${String(code)}`;
  const known: MessageKey[] = ['portability.error.interaction_expired', 'portability.error.unauthenticated', 'portability.error.invalid_client'];
  return (known as string[]).includes(key) ? t.t(key as MessageKey) : t.t('portability.error.generic');
}

function showSignIn(failed: boolean): void {
  document.title = t.t('portability.signIn.heading');
  const demo = h('button', { type: 'button', id: 'demo-button' }, t.t('portability.signIn.demo'));
  const demoBox = h('div', { id: 'demo', hidden: '' }, h('p', { class: 'hint' }, t.t('portability.signIn.demoHint')), demo);
  const token = h('textarea', { id: 'token', rows: '3', autocomplete: 'off', spellcheck: 'false', required: '' });
  const form = h('form', {}, h('label', { for: 'token' }, t.t('portability.signIn.token')), token, h('button', { type: 'submit' }, t.t('portability.signIn.submit')));
  content.replaceChildren(h('h1', {}, t.t('portability.signIn.heading')), failed ? h('p', { class: 'error', role: 'alert' }, t.t('portability.signIn.failed')) : '', demoBox, form);
  document.body.setAttribute('data-ready', 'true');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void signIn(token.value.trim());
  });
  demo.addEventListener('click', () => {
    void (async () => {
      const res = await fetch('/portability/demo-session', { method: 'POST', headers: { 'x-footprint-demo': '1' } });
      if (res.ok) await signIn(((await res.json()) as { token: string }).token);
    })();
  });
  void fetch('/privacy/config.json')
    .then((r) => r.json() as Promise<{ demo?: boolean }>)
    .then((c) => {
      if (c.demo) demoBox.hidden = false;
    })
    .catch(() => undefined);
}

async function signIn(token: string): Promise<void> {
  const res = await fetch(`${base}/details`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => ({}))) as Details & { error?: string };
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(Boolean(token));
    return;
  }
  if (!res.ok) {
    content.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(body.error)));
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  render(body, token);
}

function windowText(w: Details['window']): string {
  if (w.start && w.end) return t.t('portability.window.between', { start: t.date(w.start), end: t.date(w.end) });
  if (w.start) return t.t('portability.window.from', { start: t.date(w.start) });
  if (w.end) return t.t('portability.window.until', { end: t.date(w.end) });
  return t.t('portability.window.all');
}

function render(d: Details, token: string): void {
  const service = d.service.name;
  document.title = t.t('portability.page.title', { service });
  const until = d.days ? t.date(new Date(Date.now() + d.days * 86_400_000), 'date') : '';
  const allow = h('button', { type: 'button', class: 'primary', id: 'approve' }, t.t('portability.approve'));
  const deny = h('button', { type: 'button', id: 'deny' }, t.t('portability.deny'));
  content.replaceChildren(
    h('p', { class: 'hint', id: 'signed-in' }, t.t('portability.signedInAs', { person: d.person })),
    h('h1', {}, t.t('portability.page.title', { service })),
    h('p', {}, t.t('portability.page.intro', { service })),
    h(
      'section',
      { 'aria-labelledby': 'who-h' },
      h('h2', { id: 'who-h' }, t.t('portability.service.heading')),
      h('p', { id: 'service-name' }, h('strong', {}, service)),
      d.service.contact ? h('p', {}, t.t('portability.service.contact', { contact: d.service.contact })) : null,
      h('h3', {}, t.t('portability.service.purposes')),
      h('ul', { id: 'purposes' }, ...d.service.purposes.map((p) => h('li', {}, p))),
      d.service.redirectHost ? h('p', { class: 'hint' }, t.t('portability.service.redirect', { host: d.service.redirectHost })) : null,
    ),
    h(
      'section',
      { 'aria-labelledby': 'what-h' },
      h('h2', { id: 'what-h' }, t.t('portability.receive.heading')),
      ...d.resources.map((r) =>
        h('div', { class: 'group', 'data-scope': r.scope }, h('h3', {}, t.t('portability.receive.group', { group: r.group })), h('ul', {}, ...r.kinds.map((k) => h('li', { 'data-kind': k.kind }, t.t('portability.receive.kind', { title: kindTitle(t, k.kind, k.title), count: k.count }))))),
      ),
      h('p', { class: 'hint' }, t.t('portability.receive.excluded')),
    ),
    h('section', { 'aria-labelledby': 'period-h' }, h('h2', { id: 'period-h' }, t.t('portability.period.heading')), h('p', { id: 'period' }, t.t(`portability.period.${d.period}`, { until }))),
    h('section', { 'aria-labelledby': 'window-h' }, h('h2', { id: 'window-h' }, t.t('portability.window.heading')), h('p', { id: 'window' }, windowText(d.window))),
    h('p', { class: 'hint' }, t.t('portability.revokeNote')),
    h('div', { class: 'actions' }, allow, deny),
  );
  const decide = (approve: boolean) => {
    allow.setAttribute('disabled', '');
    deny.setAttribute('disabled', '');
    void (async () => {
      const res = await fetch(`${base}/decision`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ approve }) });
      const body = (await res.json().catch(() => ({}))) as { redirectTo?: string; error?: string };
      if (!res.ok || !body.redirectTo) {
        say(errorText(body.error), true);
        allow.removeAttribute('disabled');
        deny.removeAttribute('disabled');
        return;
      }
      say(t.t('portability.sending', { service }));
      location.assign(body.redirectTo);
    })();
  };
  allow.addEventListener('click', () => decide(true));
  deny.addEventListener('click', () => decide(false));
  document.body.setAttribute('data-ready', 'true');
}

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
else showSignIn(false);
