import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { ChainReport } from './evidence-chain.js';

/**
 * A signed checkpoint of the evidence chains' heads (evidence-chain.ts): for
 * each chain, its row count and head hash, at a time, signed with Ed25519.
 * Kept outside the database (another machine, a ticket, a printout), it lets
 * a later check prove the log only grew since: every row the checkpoint
 * covered is still there unchanged, because the chain recomputed from today's
 * rows passes through the same hash at the same count (Certificate
 * Transparency's consistency check, with the whole log at hand).
 */

export const CHECKPOINT_FORMAT = 'footprint-evidence-checkpoint/v1';

const Head = z.object({
  /** The store (gateway, or a domain) the table is in. */
  store: z.string().min(1),
  table: z.string().min(1),
  count: z.number().int().min(0),
  head: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ChainHead = z.infer<typeof Head>;

export const Checkpoint = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  at: z.iso.datetime(),
  chains: z.array(Head),
  /** SHA-256 of the public key (SPKI DER), hex: which key signed it. */
  keyId: z.string().regex(/^[0-9a-f]{64}$/),
  /** Ed25519 over the canonical JSON of { format, at, chains }, base64. */
  signature: z.string().min(1),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

/** The key from a PEM file's text: an Ed25519 private key signs; a private or public one verifies. */
export function evidenceKey(pem: string): { privateKey: KeyObject | null; publicKey: KeyObject } {
  let privateKey: KeyObject | null = null;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // Not a private key: a verifier may hold only the public one.
  }
  const publicKey = privateKey ? createPublicKey(privateKey) : createPublicKey(pem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`The evidence key must be Ed25519, not ${publicKey.asymmetricKeyType ?? 'unknown'} (openssl genpkey -algorithm ed25519)`);
  return { privateKey, publicKey };
}

const keyId = (publicKey: KeyObject) => createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
const signedText = (c: Pick<Checkpoint, 'format' | 'at' | 'chains'>) =>
  Buffer.from(JSON.stringify({ format: c.format, at: c.at, chains: c.chains.map((h) => ({ store: h.store, table: h.table, count: h.count, head: h.head })) }));

export function signCheckpoint(chains: ChainHead[], privateKey: KeyObject, at = new Date()): Checkpoint {
  const body = { format: CHECKPOINT_FORMAT, at: at.toISOString(), chains } as const;
  return { ...body, keyId: keyId(createPublicKey(privateKey)), signature: sign(null, signedText(body), privateKey).toString('base64') };
}

/** Whether the checkpoint was signed by this key (and not altered since). */
export function checkpointSignatureValid(c: Checkpoint, publicKey: KeyObject): boolean {
  return c.keyId === keyId(publicKey) && verify(null, signedText(c), publicKey, Buffer.from(c.signature, 'base64'));
}

/**
 * Whether today's chain still extends the checkpointed head: it verifies from
 * its first row, has at least as many rows, and its hash at the checkpoint's
 * count is the checkpoint's head. Null when it does; otherwise what differs.
 */
export function extendsCheckpoint(head: ChainHead, now: ChainReport | null): string | null {
  const where = `${head.store}.${head.table}`;
  if (!now) return `${where}: the chain is gone (the checkpoint has ${head.count} rows)`;
  if (now.broken) return `${where}: the chain is broken at row ${now.broken.key} (link ${now.broken.seq}): ${now.broken.detail}`;
  if (now.count < head.count) return `${where}: ${now.count} rows now, the checkpoint had ${head.count}: rows were removed`;
  const at = now.hashAt(head.count);
  if (at !== head.head) return `${where}: the chain's hash at row ${head.count} is ${at?.slice(0, 16)}…, the checkpoint signed ${head.head.slice(0, 16)}…: rows up to there were rewritten`;
  return null;
}
