import type { MessageKey } from '@footprint/i18n';
import { t } from '../lang.js';
import { h } from './ui.js';

/**
 * The privacy centre's sections, each one file under sections/ and one line
 * in ../app.ts's list. A section gets its own <section id> with a heading and
 * a link in the navigation; it builds its content in the reader's language
 * (`render`, called again when the language changes) and loads the person's
 * data into it (`load`, after sign-in, after a language switch, and when
 * another section's action changes what it shows: `reload(id)`).
 */
export interface Section {
  /** The element id: also the anchor the navigation links to. */
  id: string;
  /** Its title in the navigation and heading. */
  title: MessageKey;
  /** A shorter label for the navigation, when the title is long. */
  nav?: MessageKey;
  /** Builds the section's content (headings, forms, placeholders) into `body`, in the current language. */
  render(body: HTMLElement): void;
  /** Loads the signed-in person's data into what render built. */
  load?(): Promise<void>;
}

const registered: Section[] = [];

export function registerSections(list: Section[]): void {
  registered.push(...list);
}

/** Renders every section and the navigation into their containers (again, after a language switch). */
export function renderSections(nav: HTMLElement, container: HTMLElement): void {
  nav.replaceChildren(h('ul', {}, ...registered.map((s) => h('li', {}, h('a', { href: `#${s.id}`, text: t(s.nav ?? s.title) })))));
  container.replaceChildren(
    ...registered.map((s) => {
      const heading = h('h2', { id: `${s.id}-h`, text: t(s.title) });
      const section = h('section', { id: s.id, 'aria-labelledby': `${s.id}-h` }, heading);
      const body = h('div');
      s.render(body);
      section.append(...body.childNodes);
      return section;
    }),
  );
}

/** Loads every section's data (or only those named). */
export async function reload(...ids: string[]): Promise<void> {
  await Promise.all(registered.filter((s) => s.load && (ids.length === 0 || ids.includes(s.id))).map((s) => s.load!()));
}
