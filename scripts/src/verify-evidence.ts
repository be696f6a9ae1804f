import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '@footprint/kit';
import { Checkpoint, evidenceKey } from '@footprint/kit/evidence-checkpoint.js';
import { againstCheckpoint, checkEvidence, checkpoint } from './evidence.js';

/**
 * npm run verify-evidence [-- --checkpoint FILE] [--write-checkpoint FILE] [--key PEM] [--json]
 * npm run verify-evidence -- --new-key PEM
 *
 * Recomputes every hash chain of the append-only evidence (the gateway's audit
 * log, erasure receipts, erased accounts, request timelines; each domain's
 * erasure receipts) on the stores as configured (SQLite files or PostgreSQL),
 * and names the first row where one does not hold. --checkpoint also checks
 * that each chain still extends a signed checkpoint kept elsewhere (rows only
 * appended since); --write-checkpoint signs today's heads with the Ed25519
 * key (--key, else FOOTPRINT_EVIDENCE_KEY). Exit 0 when everything holds,
 * 1 when evidence is broken or does not extend the checkpoint, 2 on bad usage.
 */
const Args = z.object({
  checkpoint: z.string().min(1).optional(),
  'write-checkpoint': z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  'new-key': z.string().min(1).optional(),
  json: z.boolean().default(false),
});

const NO_KEY = 'needs the Ed25519 key: --key PEM or FOOTPRINT_EVIDENCE_KEY=PEM (make one with npm run verify-evidence -- --new-key PEM)';

async function main(): Promise<number> {
  const parsed = Args.safeParse(parseArgs({ options: { checkpoint: { type: 'string' }, 'write-checkpoint': { type: 'string' }, key: { type: 'string' }, 'new-key': { type: 'string' }, json: { type: 'boolean' } } }).values);
  if (!parsed.success) {
    console.error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
    return 2;
  }
  const args = parsed.data;
  if (args['new-key']) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    writeFileSync(args['new-key'], privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    console.log(`Wrote an Ed25519 private key to ${args['new-key']} (keep it off the database host). Its public key, for verifiers:\n${String(publicKey.export({ type: 'spki', format: 'pem' }))}`);
    return 0;
  }
  const keyFile = args.key ?? process.env.FOOTPRINT_EVIDENCE_KEY;
  const key = () => {
    if (!keyFile) throw new Error(`--checkpoint and --write-checkpoint ${NO_KEY}`);
    return evidenceKey(readFileSync(keyFile, 'utf8'));
  };
  const { dataDir } = loadConfig();
  const chains = await checkEvidence({ dataDir });
  const broken = chains.filter((c) => c.report.broken);
  let problems: string[] = [];
  if (args.checkpoint) {
    const cp = Checkpoint.safeParse(JSON.parse(readFileSync(args.checkpoint, 'utf8')));
    if (!cp.success) {
      console.error(`${args.checkpoint} is not a Footprint evidence checkpoint: ${cp.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return 2;
    }
    problems = againstCheckpoint(chains, cp.data, key().publicKey);
  }
  if (args.json) {
    console.log(JSON.stringify({ chains: chains.map((c) => ({ store: c.store, table: c.report.table, count: c.report.count, head: c.report.head, broken: c.report.broken })), checkpoint: args.checkpoint ? { file: args.checkpoint, problems } : null }, null, 2));
  } else {
    for (const c of chains) {
      const r = c.report;
      console.log(`${`${c.store}.${r.table}`.padEnd(38)} ${String(r.count).padStart(8)} rows  ${r.broken ? `BROKEN at link ${r.broken.seq}, row ${r.broken.key}: ${r.broken.problem}: ${r.broken.detail}` : `ok  head ${r.head.slice(0, 16)}…`}`);
    }
    if (chains.length === 0) console.log(`No chained evidence found under ${dataDir} or the configured databases.`);
    if (args.checkpoint) console.log(problems.length ? `Checkpoint ${args.checkpoint} does NOT hold:\n  ${problems.join('\n  ')}` : `Checkpoint ${args.checkpoint} holds: every chain still extends it (rows only appended since).`);
  }
  if (broken.length || problems.length) return 1;
  if (args['write-checkpoint']) {
    const { privateKey } = key();
    if (!privateKey) throw new Error(`--write-checkpoint needs the private key; ${keyFile} holds a public one`);
    writeFileSync(args['write-checkpoint'], `${JSON.stringify(checkpoint(chains, privateKey), null, 2)}\n`);
    console.log(`Signed checkpoint of ${chains.length} chains written to ${args['write-checkpoint']}: keep it outside the database.`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
