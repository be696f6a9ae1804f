/** A tiny element builder: text is always set as text (never parsed as HTML), so record contents cannot inject markup. */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** A link inside the viewer (hash routes keep everything on index.html, which works from file://). */
export const link = (route: string, ...children: Child[]) => h('a', { href: `#${route}` }, ...children);
