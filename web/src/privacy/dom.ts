/**
 * The few browser APIs the privacy centre's script uses, typed here. The
 * gateway's one TypeScript program targets Node (no DOM lib): adding lib.dom
 * to it would change the types of fetch and streams for all server code, so
 * the page declares what it touches instead (module-scoped, in app.ts).
 * Everything else the page uses (fetch, URL, Blob, JSON) is typed by Node's.
 */

export interface El {
  id: string;
  textContent: string | null;
  hidden: boolean;
  className: string;
  value: string;
  checked: boolean;
  disabled: boolean;
  type: string;
  name: string;
  htmlFor: string;
  href: string;
  download: string;
  open: boolean;
  readonly dataset: Record<string, string | undefined>;
  append(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: (ev: Ev) => void): void;
  querySelector(selector: string): El | null;
  focus(): void;
  click(): void;
  remove(): void;
}

export interface Ev {
  preventDefault(): void;
  readonly target: El | null;
}

export interface Doc {
  getElementById(id: string): El | null;
  createElement(tag: string): El;
  readonly body: El;
}

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
