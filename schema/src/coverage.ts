import type { DataMap, DataMapEntry, MetadataProblem } from './datamap.js';
import { INVENTORY, type InventoryItem } from './inventory.js';

/** One bullet of the policy's data inventory (shared/policy/DATA-INVENTORY.md, "Per domain"). */
export interface PolicyBullet {
  domain: string;
  text: string;
}

/**
 * Reads the bullets of the "Per domain" part of DATA-INVENTORY.md: each
 * `### <domain> — …` heading and the `- …` bullets under it (wrapped lines
 * joined).
 */
export function parsePolicyInventory(markdown: string): PolicyBullet[] {
  const bullets: PolicyBullet[] = [];
  let inPerDomain = false;
  let domain: string | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^## /.test(line)) {
      inPerDomain = /^## Per domain\b/i.test(line);
      domain = null;
      continue;
    }
    if (!inPerDomain) continue;
    const h = /^### +([a-z][a-z0-9]*)\b/i.exec(line);
    if (h) {
      domain = h[1]!.toLowerCase();
      continue;
    }
    if (!domain) continue;
    const b = /^[-*] +(.+)$/.exec(line);
    if (b) bullets.push({ domain, text: b[1]!.trim() });
    else if (/^\s+\S/.test(line) && bullets.at(-1)?.domain === domain) bullets.at(-1)!.text += ` ${line.trim()}`;
  }
  return bullets;
}

/** Lower case, without § references and punctuation: wording differences of no meaning do not break a match. */
const normalise = (s: string) =>
  s
    .replace(/\(\s*§[^)]*\)/g, ' ')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const heading = (s: string) => normalise(s.includes(':') ? s.slice(0, s.indexOf(':')) : s);

/**
 * Whether an inventory item stands for a policy bullet: same domain, and the
 * bullet starts with the item's title, or both have the same heading (the words
 * before the colon), or the item says it also covers the bullet.
 */
export function itemMatchesBullet(item: InventoryItem, bullet: PolicyBullet): boolean {
  if (item.domain !== bullet.domain) return false;
  const text = normalise(bullet.text);
  return text.startsWith(normalise(item.title)) || heading(bullet.text) === heading(item.title) || (item.alsoCovers ?? []).some((h) => text.startsWith(normalise(h)));
}

export interface ItemCoverage {
  id: string;
  domain: string;
  title: string;
  kinds: string[];
  /** Kinds of the item that no subgraph serves (in its domain). */
  missingKinds: string[];
}

export interface CoverageReport {
  items: ItemCoverage[];
  coveredItems: number;
  totalItems: number;
  /** Covered inventory items, in percent (one decimal). */
  percent: number;
  /** Record types a product domain serves that no inventory item lists. */
  unlistedKinds: DataMapEntry[];
  /**
   * Record types held by the federation itself (the gateway's record of the
   * rights it served), outside the policy's per-domain inventory: listed in the
   * data map, not counted here.
   */
  ownKinds: DataMapEntry[];
  /** PersonalData types without complete metadata. */
  problems: MetadataProblem[];
  /** The comparison with the policy's own inventory, when its file was given. */
  policy: { file: string; bullets: number; unmatchedBullets: PolicyBullet[]; unmatchedItems: string[] } | null;
  ok: boolean;
}

export interface CoverageOptions {
  /** The typed inventory (default: schema/src/inventory.ts). */
  inventory?: readonly InventoryItem[];
  /** The policy's own DATA-INVENTORY.md, when it is at hand. */
  policy?: { file: string; markdown: string };
  /** The product domains (schema/subgraphs.json); record types of any other subgraph are the federation's own. Default: every domain of the map. */
  domains?: readonly string[];
}

/**
 * The coverage gate: every inventory item's kinds must be served by its
 * domain, every kind a product domain serves must belong to an inventory item,
 * every PersonalData type must have complete metadata, and — when the policy's
 * DATA-INVENTORY.md is at hand — every bullet of it must have an inventory item
 * and every item a bullet, so the typed copy cannot drift from the policy.
 */
export function checkCoverage(map: DataMap, opts: CoverageOptions = {}): CoverageReport {
  const { inventory = INVENTORY, policy } = opts;
  const domains = new Set(opts.domains ?? map.domains.map((d) => d.name));
  const served = new Set(map.entries.map((e) => `${e.domain}\u0000${e.kind}`));
  const items = inventory.map((i) => ({
    id: i.id,
    domain: i.domain,
    title: i.title,
    kinds: i.kinds,
    missingKinds: i.kinds.filter((k) => !served.has(`${i.domain}\u0000${k}`)),
  }));
  const coveredItems = items.filter((i) => i.missingKinds.length === 0).length;
  const listed = new Set(inventory.flatMap((i) => i.kinds));
  const unlistedKinds = map.entries.filter((e) => domains.has(e.domain) && !listed.has(e.kind));
  const ownKinds = map.entries.filter((e) => !domains.has(e.domain));
  let policyReport: CoverageReport['policy'] = null;
  if (policy) {
    const bullets = parsePolicyInventory(policy.markdown);
    policyReport = {
      file: policy.file,
      bullets: bullets.length,
      unmatchedBullets: bullets.filter((b) => !inventory.some((i) => itemMatchesBullet(i, b))),
      unmatchedItems: inventory.filter((i) => !bullets.some((b) => itemMatchesBullet(i, b))).map((i) => i.id),
    };
  }
  const ok =
    coveredItems === items.length &&
    unlistedKinds.length === 0 &&
    map.problems.length === 0 &&
    (!policyReport || (policyReport.bullets > 0 && policyReport.unmatchedBullets.length === 0 && policyReport.unmatchedItems.length === 0));
  return {
    items,
    coveredItems,
    totalItems: items.length,
    percent: items.length === 0 ? 100 : Math.floor((coveredItems / items.length) * 1000) / 10,
    unlistedKinds,
    ownKinds,
    problems: map.problems,
    policy: policyReport,
    ok,
  };
}

/** The report as lines for a terminal: what is missing, by name, then the percentage. */
export function renderCoverage(r: CoverageReport): string {
  const out: string[] = [];
  for (const i of r.items.filter((x) => x.missingKinds.length > 0)) {
    out.push(`MISSING  ${i.id} (${i.title}): no subgraph serves ${i.missingKinds.join(', ')}`);
  }
  for (const e of r.unlistedKinds) out.push(`UNLISTED ${e.kind} (${e.typename} in ${e.domain}): no inventory item in schema/src/inventory.ts lists it`);
  for (const e of r.ownKinds) out.push(`NOTE     ${e.kind} (${e.typename} in ${e.domain}): held by the federation itself, outside the per-domain inventory`);
  for (const p of r.problems) out.push(`METADATA ${p.typename}${p.domain ? ` (${p.domain})` : ''}: ${p.problem}`);
  if (r.policy) {
    if (r.policy.bullets === 0) out.push(`POLICY   ${r.policy.file} has no bullets under "## Per domain"`);
    for (const b of r.policy.unmatchedBullets) out.push(`POLICY   ${b.domain}: "${b.text}" has no item in schema/src/inventory.ts`);
    for (const id of r.policy.unmatchedItems) out.push(`POLICY   inventory item ${id} matches no bullet of ${r.policy.file}`);
  }
  const kinds = r.items.reduce((n, i) => n + i.kinds.length, 0);
  const missing = r.items.reduce((n, i) => n + i.missingKinds.length, 0);
  out.push(
    `coverage: ${r.coveredItems}/${r.totalItems} inventory items (${r.percent}%), ${kinds - missing}/${kinds} kinds served` +
      (r.policy ? `; ${r.policy.bullets - r.policy.unmatchedBullets.length}/${r.policy.bullets} policy bullets mapped` : '; policy inventory not found, typed inventory only'),
  );
  out.push(r.ok ? 'coverage gate: PASS' : 'coverage gate: FAIL');
  return out.join('\n');
}
