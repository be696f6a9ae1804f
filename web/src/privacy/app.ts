import type { Language } from '@footprint/i18n';
import { languageSwitcher, language, onLanguageChange, savedLanguage, setLanguage, t, translateMarkup } from '../lang.js';
import { renderSections, registerSections, reload } from './sections.js';
import { accessLog } from './sections/access-log.js';
import { browse } from './sections/browse.js';
import { connectedServices } from './sections/connected-services.js';
import { choices } from './sections/choices.js';
import { corrections } from './sections/corrections.js';
import { erasure } from './sections/erasure.js';
import { exportSection } from './sections/exports.js';
import { exportSchedules } from './sections/export-schedules.js';
import { history } from './sections/history.js';
import { requests } from './sections/requests.js';
import { serverPush } from './sections/server-push.js';
import { summary } from './sections/summary.js';
import { announce, gql, keepToken, savedToken, session, type PageConfig } from './session.js';
import { $, errorText, field } from './ui.js';

/**
 * The privacy centre: one page, no framework, no external assets. It signs a
 * person in with their token and shows its sections (sections/, one file
 * each), all through the gateway's GraphQL API with the person's own token;
 * the page holds no domain rule and no list of domains (it reads
 * /privacy/config.json, made from the supergraph). Every text comes from the
 * message catalogues, in the language the person chose (kept with their
 * account) or, until they choose, their browser's.
 */

// One line per section, in page order; a new section is a file in sections/ and a line here.
registerSections([summary, browse, corrections, history, exportSection, exportSchedules, serverPush, connectedServices, choices, erasure, requests, accessLog]);

function render(): void {
  renderSections($('sections-nav'), $('sections'));
}

async function signIn(candidate: string): Promise<void> {
  keepToken(candidate.trim());
  const res = await gql<{ me: { id: string; preferences: { language: string | null } | null } }>('{ me { id preferences { language } } }');
  const error = $('token-error');
  if (!res.data?.me) {
    keepToken(null);
    error.textContent = t('privacy.signIn.failed', { error: errorText(res) ?? t('privacy.signIn.noAnswer') });
    error.hidden = false;
    $('token').setAttribute('aria-invalid', 'true');
    $('token').focus();
    return;
  }
  error.hidden = true;
  $('token').removeAttribute('aria-invalid');
  const me = res.data.me;
  // The language the person chose, kept with their account, wins over this browser's.
  const chosen = me.preferences?.language;
  if (chosen && chosen !== language()) await setLanguage(chosen as Language);
  $('who-id').textContent = me.id;
  $('who').hidden = false;
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  announce(t('privacy.signIn.done', { id: me.id }));
  $('main').focus();
  await reload();
}

function signOut(): void {
  keepToken(null);
  $('who').hidden = true;
  $('signed-in').hidden = true;
  $('sign-in').hidden = false;
  field('token').value = '';
  announce(t('privacy.signIn.out'));
  $('token').focus();
}

/** The reader picks a language: the page switches, and a signed-in person's choice is kept with their account. */
async function choose(next: Language): Promise<void> {
  await setLanguage(next);
  if (!session.token) return;
  const res = await gql<{ setPreferences: { language: string } }>('mutation($l: String!) { setPreferences(language: $l) { language } }', { l: next });
  announce(res.data ? t('privacy.language.saved', { language: t('common.language.name') }) : t('privacy.language.notSaved', { error: errorText(res) ?? '' }));
}

async function start(): Promise<void> {
  // The gateway served the page in the negotiated language; a choice made on this browser before wins.
  const saved = savedLanguage();
  if (saved && saved !== language()) await setLanguage(saved, { remember: false });
  translateMarkup(document);
  $('language-slot').replaceChildren(languageSwitcher(choose));
  render();
  onLanguageChange(async () => {
    render();
    // Once signed in (a switch during sign-in is followed by sign-in's own load).
    if (session.token && !$('signed-in').hidden) await reload();
  });
  try {
    const res = await fetch('/privacy/config.json');
    session.config = (await res.json()) as PageConfig;
  } catch {
    announce(t('privacy.settingsFailed'));
  }
  $('demo').hidden = !session.config.demo;
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void signIn(field('token').value);
  });
  $('demo-button').addEventListener('click', () => {
    void (async () => {
      const res = await fetch('/privacy/demo-session', { method: 'POST', headers: { 'x-footprint-demo': '1' } });
      if (!res.ok) {
        announce(t('privacy.demoUnavailable'));
        return;
      }
      const { token: minted } = (await res.json()) as { token: string };
      await signIn(minted);
    })();
  });
  $('sign-out').addEventListener('click', signOut);
  const token = savedToken();
  if (token) await signIn(token);
  document.body.setAttribute('data-ready', 'true');
}

void start();
