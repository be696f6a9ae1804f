import { readFileSync } from 'node:fs';
import { getNamedType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { readKindMeta, type KindMeta } from '@footprint/schema';
import { kindOwners, type KindOwner } from '../footprint/owners.js';
import { planFootprint, schemaFromSupergraph, type FootprintPlan, type KindPlan } from '../footprint/plan.js';
import { columnsFor, type Column } from './archive/columns.js';
import { contentFieldOf } from './archive/content.js';
import { archiveSchema, schemaHash } from './archive/schema.js';
import { kindStem, type KindSpec } from './archive/stage.js';
import type { KindProgress, Progress } from './store.js';
import { emptyProvenance } from './archive/provenance.js';

export type ExportKind = KindPlan & KindSpec;

/** Everything an export needs from the schema, computed once when the gateway (or a worker) starts. */
export interface ExportPlan {
  footprint: FootprintPlan;
  kinds: ExportKind[];
  meta: Map<string, KindMeta>;
  columns: Map<string, Column[]>;
  /** The subgraph that serves each kind alone (by `domain.field`), for direct reads; URLs as composition saw them. */
  owners: Map<string, KindOwner>;
  /** Domains whose data type has `discovery` (counts for progress before reading). */
  discoveryDomains: string[];
  schemaText: string;
  schemaHash: string;
  footprintVersion: string;
  /** Kinds whose records hold file content (photos, synced files: archive/content.ts), served at /files/<record id>. */
  contentKinds: Set<string>;
}

const Pkg = z.object({ version: z.string() });

export function footprintVersion(): string {
  // dist/exports/plan.js and src/exports/plan.ts are both two levels below gateway/package.json.
  return Pkg.parse(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))).version;
}

function hasDiscovery(schema: GraphQLSchema, domain: string): boolean {
  const person = schema.getType('Person');
  if (!isObjectType(person)) return false;
  const t = person.getFields()[domain] ? getNamedType(person.getFields()[domain]!.type) : null;
  return isObjectType(t) && 'discovery' in t.getFields();
}

/**
 * The export plan: the schema-driven footprint plan (every PersonalData
 * connection of every domain), each kind's @personalData metadata, its CSV
 * columns and file names, and the archive's schema.graphql.
 */
export function exportPlan(supergraphSdl: string): ExportPlan {
  const schema = schemaFromSupergraph(supergraphSdl);
  // Per record only the metadata that varies (kind, source, region, collectedAt); the kind's own metadata
  // (@personalData: purposes, basis, retention, recipients …) goes into processing.json and the manifest once.
  const footprint = planFootprint(schema, { meta: 'record' });
  const byType = new Map(readKindMeta(parse(supergraphSdl)).map((m) => [m.typename, m]));
  const meta = new Map<string, KindMeta>();
  const columns = new Map<string, Column[]>();
  const stems = new Set<string>();
  const kinds: ExportKind[] = footprint.kinds.map((k) => {
    const m = byType.get(k.typename);
    const kind = m?.kind ?? `${k.domain}.${k.field}`;
    let stem = kindStem(kind, k.domain);
    // Two fields of one domain serving the same kind would otherwise share a file.
    if (stems.has(`${k.domain}/${stem}`)) stem = `${stem}-${k.field}`;
    stems.add(`${k.domain}/${stem}`);
    const cols = columnsFor(schema, k.typename, k.selection);
    if (m) meta.set(kind, m);
    columns.set(kind, cols);
    return { ...k, kind, stem, meta: m, columns: cols };
  });
  const hash = schemaHash(supergraphSdl);
  return {
    footprint,
    kinds,
    meta,
    columns,
    owners: kindOwners(schema, footprint),
    discoveryDomains: footprint.domains.filter((d) => hasDiscovery(schema, d)),
    schemaText: archiveSchema(schema, kinds, hash),
    schemaHash: hash,
    footprintVersion: footprintVersion(),
    contentKinds: new Set(kinds.filter((k) => contentFieldOf(k.columns) !== null).map((k) => k.kind)),
  };
}

export function emptyKindProgress(k: ExportKind): KindProgress {
  return {
    kind: k.kind,
    domain: k.domain,
    field: k.field,
    typename: k.typename,
    status: 'PENDING',
    done: 0,
    total: null,
    run: null,
    files: [],
    contents: [],
    regions: [],
    sources: [],
    origins: [],
    provenance: emptyProvenance(),
    portable: 0,
    error: null,
    residence: null,
    changes: null,
  };
}

/** A new job's progress: every kind of the plan, or the chosen ones (selection.ts). */
export function initialProgress(plan: ExportPlan, kinds?: readonly string[] | null): Progress {
  const chosen = kinds ? new Set(kinds) : null;
  return { schemaHash: plan.schemaHash, kinds: plan.kinds.filter((k) => !chosen || chosen.has(k.kind)).map(emptyKindProgress) };
}
