import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
// Natural Earth's 1:110m land, public domain, as world-atlas ships it: bundled, so the map is drawn with nothing fetched.
import land from 'world-atlas/land-110m.json';

type Ring = [number, number][];

let rings: Ring[] | null = null;

const isLand = (x: unknown): x is Topology<{ land: GeometryCollection }> =>
  typeof x === 'object' && x !== null && 'objects' in x && typeof x.objects === 'object' && x.objects !== null && 'land' in x.objects;
function landRings(): Ring[] {
  if (rings) return rings;
  const topo: unknown = land;
  if (!isLand(topo)) return [];
  const fc = feature(topo, topo.objects.land);
  const out: Ring[] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    if (g.type === 'Polygon') for (const r of g.coordinates) out.push(r as Ring);
    if (g.type === 'MultiPolygon') for (const p of g.coordinates) for (const r of p) out.push(r as Ring);
  }
  rings = out;
  return out;
}

/**
 * Places on a map drawn offline: an equirectangular projection of the land
 * outline onto a canvas, fitted to the points (with a margin), each point a
 * dot. Positions are kept as two numbers each (Float64Array), not records, so
 * 6,000 locations cost kilobytes. A click picks the nearest point.
 */
export class PlaceMap {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private lon = new Float64Array(1024);
  private lat = new Float64Array(1024);
  /** Which record each point is (its index in the kind). */
  private ref = new Float64Array(1024);
  private n = 0;
  private frame = 0;
  private view = { x0: -180, y0: 85, scale: 1 };
  private selected = -1;

  constructor(
    label: string,
    private readonly onPick: (i: number) => void,
  ) {
    this.el = document.createElement('figure');
    this.el.className = 'map';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.el.append(this.canvas);
    this.canvas.addEventListener('click', (e) => this.pick(e));
    new ResizeObserver(() => this.schedule()).observe(this.el);
  }

  add(lon: number, lat: number, ref: number): void {
    if (this.n === this.lon.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.lon = grow(this.lon);
      this.lat = grow(this.lat);
      this.ref = grow(this.ref);
    }
    this.ref[this.n] = ref;
    this.lon[this.n] = lon;
    this.lat[this.n] = lat;
    this.n += 1;
    this.schedule();
  }

  get count(): number {
    return this.n;
  }

  /** Rings the point of record `ref`. */
  select(ref: number): void {
    this.selected = -1;
    for (let i = 0; i < this.n; i++) if (this.ref[i] === ref) this.selected = i;
    this.schedule();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private fit(w: number, h: number): void {
    let minX = 180;
    let maxX = -180;
    let minY = 85;
    let maxY = -85;
    for (let i = 0; i < this.n; i++) {
      minX = Math.min(minX, this.lon[i]!);
      maxX = Math.max(maxX, this.lon[i]!);
      minY = Math.min(minY, this.lat[i]!);
      maxY = Math.max(maxY, this.lat[i]!);
    }
    if (this.n === 0) [minX, maxX, minY, maxY] = [-180, 180, -60, 85];
    // At least 8° across, so one place shows its surroundings; 20 % margin around the points.
    const spanX = Math.max(8, (maxX - minX) * 1.4);
    const spanY = Math.max(5, (maxY - minY) * 1.4);
    const scale = Math.min(w / spanX, h / spanY);
    const cx = (minX + maxX) / 2;
    const cy = (minY + maxY) / 2;
    this.view = { x0: cx - w / scale / 2, y0: cy + h / scale / 2, scale };
  }

  private draw(): void {
    const w = this.el.clientWidth;
    const h = Math.round(Math.min(360, Math.max(200, w * 0.5)));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx || w === 0) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.fit(w, h);
    const { x0, y0, scale } = this.view;
    ctx.fillStyle = '#dde9f3';
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = '#f4f1e8';
    ctx.strokeStyle = '#8a8a8a';
    ctx.lineWidth = 0.7;
    ctx.beginPath();
    for (const ring of landRings()) {
      ring.forEach(([x, y], i) => {
        const px = (x - x0) * scale;
        const py = (y0 - y) * scale;
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      });
      ctx.closePath();
    }
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = 'rgba(163, 0, 0, 0.55)';
    for (let i = 0; i < this.n; i++) {
      ctx.beginPath();
      ctx.arc((this.lon[i]! - x0) * scale, (y0 - this.lat[i]!) * scale, 3, 0, Math.PI * 2);
      ctx.fill();
    }
    if (this.selected >= 0 && this.selected < this.n) {
      ctx.strokeStyle = '#0645ad';
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc((this.lon[this.selected]! - x0) * scale, (y0 - this.lat[this.selected]!) * scale, 8, 0, Math.PI * 2);
      ctx.stroke();
    }
  }

  private pick(e: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const { x0, y0, scale } = this.view;
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    let best = -1;
    let bestD = 12 * 12;
    for (let i = 0; i < this.n; i++) {
      const dx = (this.lon[i]! - x0) * scale - x;
      const dy = (y0 - this.lat[i]!) * scale - y;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0) this.onPick(this.ref[best]!);
  }
}
