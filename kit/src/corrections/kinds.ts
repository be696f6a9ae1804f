import { fail, type Recipient, type KindMeta } from '@footprint/schema';
import type { AnyDB, RecordRow } from '../store.js';
import type { CorrectableFieldSpec, CorrectableKindSpec, CorrectionSpec } from './spec.js';
import { publishRule, type PublishedRule } from './values.js';

/** A correctable field as the engine uses it: its rule published once, its recipients resolved. */
export interface Field {
  name: string;
  spec: CorrectableFieldSpec<RecordRow>;
  rule: PublishedRule;
  recipients: Recipient[];
}

/** A kind the domain has correction rules for. */
export interface Kind {
  meta: KindMeta;
  table: string;
  spec: CorrectableKindSpec<AnyDB, RecordRow>;
  fields: Map<string, Field>;
}

/** The domain's kinds: all it serves (byKind), and those it has correction rules for (kinds). */
export interface CorrectionKinds {
  domain: string;
  /** Every kind the subgraph serves, in its order. */
  all: KindMeta[];
  byKind: Map<string, KindMeta>;
  kinds: Map<string, Kind>;
}

export const RECORD_ID = /^([a-z][a-z0-9]*\.[a-z][a-z0-9_]*):(\d{1,15})$/;

/** Checks the domain's rules against its @personalData at startup: a rule for a kind it does not serve, or a correctable kind without rules, stops it. */
export function buildKinds<DB>(domain: string, all: KindMeta[], tables: Record<string, string>, spec: CorrectionSpec<DB> | undefined): CorrectionKinds {
  const byKind = new Map(all.map((k) => [k.kind, k]));
  const kinds = new Map<string, Kind>();
  // The domain's rules are typed per kind (its DB, its row); the engine runs them over any domain's rows.
  // biome-ignore lint/plugin: type-erasure boundary: a kind spec is invariant in DB and Row (its callbacks take both)
  for (const ks of (spec?.kinds ?? []) as unknown as CorrectableKindSpec<AnyDB, RecordRow>[]) {
    const meta = byKind.get(ks.kind);
    if (!meta) throw new Error(`${domain}: correction rules name ${ks.kind}, which this subgraph does not serve`);
    if (!meta.correctable) throw new Error(`${domain}: correction rules name ${ks.kind}, whose @personalData says correctable: false`);
    const table = tables[meta.typename];
    if (!table) throw new Error(`${domain}: ${ks.kind} (${meta.typename}) has no table`);
    const fields = new Map<string, Field>();
    for (const [name, f] of Object.entries(ks.fields)) {
      fields.set(name, { name, spec: f, rule: publishRule(f), recipients: [...new Set([...meta.recipients, ...(f.alsoNotify ?? [])])] });
    }
    kinds.set(ks.kind, { meta, table, spec: ks, fields });
  }
  if (spec) {
    const missing = all.filter((k) => k.correctable && !kinds.has(k.kind)).map((k) => k.kind);
    if (missing.length > 0) throw new Error(`${domain}: kinds marked correctable have no correction rules: ${missing.join(', ')}`);
  }
  return { domain, all, byKind, kinds };
}

/** The kind and number of a record id, if records of that kind can be corrected. */
export function kindOf(k: CorrectionKinds, recordId: string): { kind: Kind; number: number } {
  const m = RECORD_ID.exec(recordId)!;
  const meta = k.byKind.get(m[1]!);
  if (!meta) fail('NOT_FOUND', `The ${k.domain} domain holds no ${m[1]} records`);
  if (!meta.correctable) fail('FORBIDDEN', `${meta.title} cannot be corrected: ${meta.reason ?? 'the policy does not allow it'}`, { kind: meta.kind });
  const kind = k.kinds.get(meta.kind);
  if (!kind) fail('FORBIDDEN', `${meta.title} cannot be corrected through Footprint yet: the ${k.domain} domain has no rules for it`, { kind: meta.kind });
  return { kind, number: Number(m[2]) };
}
