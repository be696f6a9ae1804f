import { existsSync } from 'node:fs';
import { listSubgraphs } from '@footprint/schema';
import { isPostgresUrl, openStore, storeUrl } from '@footprint/kit/store.js';
import { DOMAIN_RECEIPT_EVIDENCE } from '@footprint/kit/rights/store.js';
import { tableExists, verifyEvidenceChain, type ChainReport, type EvidenceTable } from '@footprint/kit/evidence-chain.js';
import { checkpointSignatureValid, extendsCheckpoint, signCheckpoint, type ChainHead, type Checkpoint } from '@footprint/kit/evidence-checkpoint.js';
import { GATEWAY_EVIDENCE } from '@footprint/gateway/evidence';
import type { KeyObject } from 'node:crypto';

/** One chain as found in a store today. */
export interface StoreChain {
  store: string;
  report: ChainReport;
}

/** The stores holding chained evidence: the gateway's and every domain's (their erasure receipts). */
function evidenceStores(): { store: string; tables: readonly EvidenceTable[] }[] {
  return [{ store: 'gateway', tables: GATEWAY_EVIDENCE }, ...listSubgraphs().map((s) => ({ store: s.name, tables: [DOMAIN_RECEIPT_EVIDENCE] }))];
}

/**
 * Verifies every chain of every store that exists (a SQLite file not yet
 * made, or a domain that never erased anything, has none), on whichever
 * engine each store is configured for (FOOTPRINT_DATABASE_URL and the rest,
 * as the services read them). Reads only.
 */
export async function checkEvidence(opts: { dataDir: string; env?: NodeJS.ProcessEnv }): Promise<StoreChain[]> {
  const env = opts.env ?? process.env;
  const out: StoreChain[] = [];
  for (const { store, tables } of evidenceStores()) {
    const url = storeUrl(store, opts.dataDir, env);
    if (!isPostgresUrl(url) && !existsSync(url.replace(/^sqlite:/, ''))) continue;
    const s = openStore<unknown>({ domain: store, url, dataDir: opts.dataDir, migrations: {}, env });
    try {
      // A PostgreSQL schema the service has not created yet holds nothing to check.
      for (const spec of tables) if (await tableExists(s.db, spec.table)) out.push({ store, report: await verifyEvidenceChain(s.db, spec) });
    } finally {
      await s.close();
    }
  }
  return out;
}

export const headsOf = (chains: StoreChain[]): ChainHead[] => chains.map((c) => ({ store: c.store, table: c.report.table, count: c.report.count, head: c.report.head }));

export function checkpoint(chains: StoreChain[], privateKey: KeyObject, at?: Date): Checkpoint {
  return signCheckpoint(headsOf(chains), privateKey, at);
}

/** Problems of today's chains against a checkpoint: a bad signature, or a chain that no longer extends its signed head. Empty when it holds. */
export function againstCheckpoint(chains: StoreChain[], cp: Checkpoint, publicKey: KeyObject): string[] {
  if (!checkpointSignatureValid(cp, publicKey)) return ['The checkpoint’s signature does not verify with this key: it was altered, or signed with another key'];
  const problems: string[] = [];
  for (const head of cp.chains) {
    const now = chains.find((c) => c.store === head.store && c.report.table === head.table)?.report ?? null;
    const problem = extendsCheckpoint(head, now);
    if (problem) problems.push(problem);
  }
  return problems;
}
