import type { Kysely } from 'kysely';
import { fail, type KindMeta } from '@footprint/schema';
import type { Logger } from '../logger.js';
import type { CorrectionDeliveryConfig } from '../corrections/delivery.js';
import type { AnyDB } from '../store.js';
import type { ErasureKindSpec, ProcessingActivity, RightsSpec } from './spec.js';

/** A kind the domain stores, with its erasure rule. */
export interface Kind {
  meta: KindMeta;
  table: string;
  spec: ErasureKindSpec;
}

/** What each part of the rights engine (erase, restrict, objection, processing, holds) is given; built once per domain. */
export interface RightsDeps {
  domain: string;
  /** The domain's store: its own tables and the kit's rights and correction tables. */
  db: Kysely<AnyDB>;
  kinds: Map<string, Kind>;
  /** The domain's rules; its hooks run in the engine's transactions over the domain's tables. */
  spec: RightsSpec<AnyDB>;
  activities: Map<string, ProcessingActivity>;
  /** Null when the domain was given no configuration (no notice endpoints known). */
  delivery: CorrectionDeliveryConfig | null;
  /** Whether the domain has the kit's correction tables (their rows of erased records go with them). */
  hasCorrections: boolean;
  logger: Logger;
  /** Creates the rights tables once. */
  prepare(): Promise<void>;
  prepareCorrections(): Promise<void>;
  /** Notices were recorded: deliver them soon. */
  noticesDue(): void;
  /** Records were erased: leave no copy of them in the store's files (Store.settleErasure); logs, never throws. */
  settleErasure(): Promise<void>;
  /** The domain's work outside the database after an erase call (RightsSpec.afterErasure); throws when it failed. */
  afterErasure(): Promise<void>;
  /** Counts a processing refusal (shown on the subgraph's /metrics). */
  refused(activity: string, code: string): void;
}

/** What the engine reads of the subgraph's request context. */
export interface Caller {
  person: string | null;
  credential: { actor: string; actorType: 'subject' | 'operator' | 'job'; scopes: string[]; requestId: string };
}

/** The person the call is for, if the gateway's credential carries `scope`. */
export function requireScope(ctx: Caller, scope: string): string {
  if (!ctx.person) fail('FORBIDDEN', 'This call is not for a person: the gateway credential names no person');
  if (!ctx.credential.scopes.includes(scope)) fail('FORBIDDEN', `The gateway credential lacks the scope ${scope}`);
  return ctx.person;
}

/** The named kinds of this domain; kinds of other domains are not ours to answer for; an unknown one of ours is an error. */
export function ownKinds(deps: Pick<RightsDeps, 'domain' | 'kinds'>, names: string[]): Kind[] {
  const out: Kind[] = [];
  for (const name of new Set(names)) {
    if (!name.startsWith(`${deps.domain}.`)) continue;
    const k = deps.kinds.get(name);
    if (!k) fail('BAD_USER_INPUT', `The ${deps.domain} domain has no kind ${name}; its kinds: ${[...deps.kinds.keys()].join(', ')}`, { kind: name });
    out.push(k);
  }
  return out;
}

/** Checks the domain's rights rules against its @personalData at startup; a rule naming a kind it does not serve stops it. */
export function buildRightsKinds(domain: string, all: KindMeta[], tables: Record<string, string>, spec: RightsSpec<AnyDB>): { kinds: Map<string, Kind>; activities: Map<string, ProcessingActivity> } {
  const kinds = new Map<string, Kind>();
  const specs = new Map((spec.kinds ?? []).map((k) => [k.kind, k]));
  for (const meta of all) {
    const table = tables[meta.typename];
    if (!table) continue;
    if (!meta.erasure) throw new Error(`${domain}: @personalData of ${meta.typename} says nothing about erasure (erasure: DELETE | ANONYMIZE | RETAIN)`);
    const ks = specs.get(meta.kind) ?? { kind: meta.kind };
    if (meta.erasure === 'ANONYMIZE' && !ks.anonymize) throw new Error(`${domain}: ${meta.kind} is ANONYMIZE but its rights rules name no columns to clear (anonymize:)`);
    if (meta.erasure !== 'RETAIN' && (ks.clearOnRetain || ks.children?.some((c) => c.clearOnRetain))) throw new Error(`${domain}: ${meta.kind} is ${meta.erasure}, but its rights rules clear columns of retained records (clearOnRetain:), which only a RETAIN kind has`);
    kinds.set(meta.kind, { meta, table, spec: ks });
  }
  for (const k of kinds.values()) {
    for (const j of k.spec.joinKeys ?? []) {
      if (!kinds.has(j.kind)) throw new Error(`${domain}: ${k.meta.kind}'s join key ${j.column} names ${j.kind}, which this subgraph does not serve`);
      if (!k.spec.anonymize || !(j.column in k.spec.anonymize)) throw new Error(`${domain}: ${k.meta.kind}'s join key ${j.column} leads to ${j.kind} but anonymize: does not clear it`);
    }
  }
  for (const k of specs.keys()) if (!kinds.has(k)) throw new Error(`${domain}: rights rules name ${k}, which this subgraph does not serve`);
  if (spec.consentRecords && !Object.values(tables).includes(spec.consentRecords.table)) throw new Error(`${domain}: consentRecords names ${spec.consentRecords.table}, which is not a table of this subgraph's kinds`);
  const activities = new Map((spec.activities ?? []).map((a) => [a.name, a]));
  for (const a of activities.values()) for (const k of a.kinds) if (!kinds.has(k)) throw new Error(`${domain}: activity ${a.name} names ${k}, which this subgraph does not serve`);
  for (const [p, o] of Object.entries(spec.objections ?? {})) for (const k of o?.erase ?? []) if (!kinds.has(k)) throw new Error(`${domain}: objection ${p} erases ${k}, which this subgraph does not serve`);
  return { kinds, activities };
}

/** A count as a number (drivers return bigint or string for some). */
export const count = (v: bigint | number | undefined | null): number => Number(v ?? 0);
