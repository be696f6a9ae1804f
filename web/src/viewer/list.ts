/**
 * A virtualised list: rows of one fixed height, `columns` per row (a grid of
 * cards or photos), of which only those in view (and a few beyond) are in the
 * DOM. 8,000 messages scroll as smoothly as 8: the page never holds more than
 * a screenful of rows, and a row whose records are not loaded yet shows a
 * placeholder until its page arrives.
 */
export interface VirtualListOptions {
  count: number;
  rowHeight: number;
  /** Items per row for a grid (computed from the width when `minItemWidth` is set). */
  minItemWidth?: number;
  label: string;
  /** Renders item i into its cell (may be async: a page to load first). */
  render: (i: number, cell: HTMLElement) => void | Promise<void>;
  className?: string;
}

export class VirtualList {
  readonly el: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly rows = new Map<number, HTMLElement>();
  private columns = 1;
  private frame = 0;
  private readonly resize: ResizeObserver;

  constructor(private readonly o: VirtualListOptions) {
    this.el = document.createElement('div');
    this.el.className = `vlist ${o.className ?? ''}`;
    // A scrollable region a keyboard can reach and a screen reader can name.
    this.el.tabIndex = 0;
    this.el.setAttribute('role', 'region');
    this.el.setAttribute('aria-label', o.label);
    this.inner = document.createElement('ul');
    this.inner.className = 'vlist-inner';
    this.el.append(this.inner);
    this.el.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.resize = new ResizeObserver(() => this.layout());
    this.resize.observe(this.el);
  }

  private layout(): void {
    const width = this.el.clientWidth;
    const cols = this.o.minItemWidth ? Math.max(1, Math.floor(width / this.o.minItemWidth)) : 1;
    if (cols !== this.columns) {
      this.columns = cols;
      for (const row of this.rows.values()) row.remove();
      this.rows.clear();
    }
    this.inner.style.height = `${Math.ceil(this.o.count / this.columns) * this.o.rowHeight}px`;
    this.draw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const h = this.o.rowHeight;
    const rowsTotal = Math.ceil(this.o.count / this.columns);
    const first = Math.max(0, Math.floor(this.el.scrollTop / h) - 4);
    const last = Math.min(rowsTotal - 1, Math.ceil((this.el.scrollTop + (this.el.clientHeight || 600)) / h) + 4);
    for (const [r, row] of this.rows) {
      if (r < first || r > last) {
        row.remove();
        this.rows.delete(r);
      }
    }
    for (let r = first; r <= last; r++) {
      if (this.rows.has(r)) continue;
      const row = document.createElement('li');
      row.className = 'vrow';
      row.style.transform = `translateY(${r * h}px)`;
      row.style.height = `${h}px`;
      row.style.gridTemplateColumns = `repeat(${this.columns}, minmax(0, 1fr))`;
      for (let c = 0; c < this.columns; c++) {
        const i = r * this.columns + c;
        if (i >= this.o.count) break;
        const cell = document.createElement('div');
        cell.className = 'vcell';
        void this.o.render(i, cell);
        row.append(cell);
      }
      this.rows.set(r, row);
      this.inner.append(row);
    }
  }

  /** Scrolls item i into view. */
  scrollTo(i: number): void {
    this.el.scrollTop = Math.floor(i / this.columns) * this.o.rowHeight;
    this.draw();
  }

  destroy(): void {
    this.resize.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}
