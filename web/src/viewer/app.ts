import { CATALOGUES, LANGUAGES } from '@footprint/i18n';
import type { ArchiveData } from './data.js';
import { h, link } from './dom.js';
import { recordView } from './record.js';
import { searchView } from './search.js';
import { Texts } from './text.js';
import { conversationView, kindView, type View } from './views.js';

/**
 * The viewer's shell: a header (search, language), one view at a time in
 * <main>, chosen by the location's hash (which works from file://):
 *   #/                overview of every kind
 *   #/k/<kind>        a kind's records
 *   #/r/<kind>/<i>    one record
 *   #/c/<id>          one conversation
 *   #/s/<query>       search
 *   #/about           the archive's document (files, processing, rights)
 * Any other hash naming an element of that document (#processing, #p-orders)
 * opens it there.
 */
export class App {
  private tx: Texts;
  private view: View | null = null;
  private readonly main: HTMLElement;
  private readonly headerEl: HTMLElement;
  private readonly doc: HTMLElement;
  private current = '';

  constructor(
    private readonly data: ArchiveData,
    private readonly root: HTMLElement,
  ) {
    this.tx = new Texts(data.index.language, data.index.timeZone);
    // The document the export wrote (header + main) becomes the "about" view: moved, not copied, so its links and anchors keep working.
    this.doc = h('div', { class: 'archive-doc' });
    for (const el of [...document.body.children]) if (el !== root && el.tagName !== 'SCRIPT' && el.tagName !== 'NOSCRIPT') this.doc.append(el);
    const docMain = this.doc.querySelector('main');
    if (docMain) docMain.replaceWith(h('div', { class: 'doc-main' }, ...docMain.childNodes));
    const docHeader = this.doc.querySelector('header');
    if (docHeader) docHeader.replaceWith(h('div', { class: 'doc-header' }, ...docHeader.childNodes));
    this.doc.querySelector('.skip')?.remove();
    this.headerEl = h('header', { class: 'vhead' });
    this.main = h('main', { id: 'vmain', tabindex: -1 });
    root.append(h('a', { class: 'skip', href: '#vmain' }, ''), this.headerEl, this.main);
    window.addEventListener('hashchange', () => this.route());
    this.renderHeader();
    this.route();
  }

  private renderHeader(): void {
    const tx = this.tx;
    const skip = this.root.querySelector('.skip');
    if (skip) {
      skip.textContent = tx.t('viewer.skip');
      skip.addEventListener('click', (e) => {
        e.preventDefault();
        this.main.focus();
      });
    }
    document.documentElement.lang = tx.language;
    document.title = tx.t('viewer.title', { person: this.data.index.person });
    const input = h('input', { type: 'search', id: 'vsearch', name: 'q', autocomplete: 'off', required: true });
    const form = h('form', { role: 'search', class: 'vsearch' }, h('label', { for: 'vsearch' }, tx.t('viewer.search.label')), input, h('button', { type: 'submit' }, tx.t('viewer.search.button')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (input.value.trim()) location.hash = `#/s/${encodeURIComponent(input.value.trim())}`;
    });
    const select = h('select', { id: 'vlang' }, ...LANGUAGES.map((l) => h('option', { value: l, selected: l === tx.language }, CATALOGUES[l]?.['common.language.name'] ?? l)));
    select.addEventListener('change', () => {
      this.tx = new Texts(select.value, this.data.index.timeZone);
      this.renderHeader();
      // Not a hash any route has: the view on screen is drawn again in the new language.
      this.current = '\u0000';
      this.route();
    });
    this.headerEl.replaceChildren(
      h('div', { class: 'brand' }, h('h1', {}, tx.t('viewer.heading')), h('p', { class: 'muted' }, tx.t('viewer.made', { person: this.data.index.person, date: tx.date(this.data.index.finishedAt) }))),
      h('nav', { 'aria-label': tx.t('viewer.nav.label') }, h('ul', {}, h('li', {}, link('/', tx.t('viewer.nav.overview'))), h('li', {}, link('/about', tx.t('viewer.nav.about'))))),
      form,
      h('div', { class: 'vlang' }, h('label', { for: 'vlang' }, tx.t('common.language.choose')), select),
    );
  }

  private show(view: View | HTMLElement): void {
    this.view?.destroy();
    this.view = view instanceof HTMLElement ? { el: view, destroy: () => undefined } : view;
    this.main.replaceChildren(this.view.el);
    window.scrollTo(0, 0);
  }

  private route(): void {
    const hash = decodeURIComponent(location.hash.replace(/^#/, ''));
    if (hash === this.current && this.view) return;
    const tx = this.tx;
    const [, what, a, b] = hash.split('/');
    if (!hash.startsWith('/')) {
      // An anchor of the archive's document (its contents list, a processing section).
      const target = hash ? this.doc.querySelector(`[id="${CSS.escape(hash)}"]`) : null;
      if (target || hash === '') {
        if (target) {
          if (this.current !== 'about') this.showAbout();
          this.current = 'about';
          target.scrollIntoView();
          return;
        }
      }
      this.current = hash;
      this.show(this.overview());
      return;
    }
    this.current = hash;
    if (what === 'about') {
      this.showAbout();
      return;
    }
    if (what === 'k' && a && this.data.byKind.has(a)) {
      this.show(kindView(this.data, this.data.byKind.get(a)!, tx));
      return;
    }
    if (what === 'r' && a && b && this.data.byKind.has(a)) {
      this.show(recordView(this.data, this.data.byKind.get(a)!, Number(b), tx));
      return;
    }
    if (what === 'c' && a) {
      this.show(conversationView(this.data, a, tx));
      return;
    }
    if (what === 's' && a) {
      this.show(searchView(this.data, hash.slice(3), tx));
      return;
    }
    this.show(this.overview());
  }

  private showAbout(): void {
    this.current = 'about';
    this.show(h('section', { class: 'about', 'aria-label': this.tx.t('viewer.nav.about') }, this.doc));
  }

  private overview(): HTMLElement {
    const tx = this.tx;
    const idx = this.data.index;
    const total = idx.kinds.reduce((n, k) => n + k.records, 0);
    const banner = idx.complete
      ? h('p', { class: 'banner ok', role: 'status' }, tx.t('viewer.overview.complete', { count: total }))
      : h('p', { class: 'banner bad', role: 'alert' }, tx.t('viewer.overview.incomplete', { count: total }), ' ', link('/about', tx.t('viewer.nav.about')));
    const domains = idx.domains.map((d) => {
      const kinds = idx.kinds.filter((k) => k.domain === d).sort((x, y) => y.records - x.records || tx.tr.compare(tx.kindTitle(x), tx.kindTitle(y)));
      if (kinds.length === 0) return null;
      return h(
        'section',
        { class: 'domain', 'aria-labelledby': `dom-${d}` },
        h('h3', { id: `dom-${d}` }, tx.domain(d), ' ', h('span', { class: 'muted' }, tx.t('viewer.kind.count', { count: kinds.reduce((n, k) => n + k.records, 0) }))),
        h(
          'ul',
          { class: 'kinds' },
          ...kinds.map((k) =>
            h('li', { class: k.records === 0 ? 'empty' : undefined }, link(`/k/${k.kind}`, h('span', { class: 'primary' }, tx.kindTitle(k)), h('span', { class: 'secondary' }, tx.t('viewer.kind.count', { count: k.records })))),
          ),
        ),
      );
    });
    return h('section', { class: 'overview', 'aria-labelledby': 'view-title' }, h('h2', { id: 'view-title' }, tx.t('viewer.overview.title')), banner, h('p', {}, tx.t('viewer.overview.intro')), ...domains);
  }
}
