import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { linkHash, rowHash, rowKey, type EvidenceTable } from '@footprint/kit/evidence-chain.js';
import { againstCheckpoint, checkEvidence, checkpoint, type StoreChain } from '@footprint/scripts/evidence';
import { audit, AUDIT_EVIDENCE, openGatewayStore, type GatewayStore } from '../../gateway/src/auth/audit.js';
import { EVENT_EVIDENCE, PrivacyRequestStore, requestMigrations, type PrivacyRequestTable } from '../../gateway/src/requests/store.js';
import { ERASED_EVIDENCE, ErasureJobs, RECEIPT_EVIDENCE, rightsMigrations, type ErasureProgress } from '../../gateway/src/rights/store.js';
import { createTestDatabase, type TestDatabase } from '../support/engine.js';
import { requires } from '../support/requires.js';

await requires('postgres');

/**
 * The gateway's evidence (audit log, erasure receipts, erased accounts,
 * request timelines) on SQLite and on a real PostgreSQL: REPLACE, upsert and
 * TRUNCATE are refused by the database; a row edited behind the triggers (as
 * someone with the file or the owner's login could) is named by the verifier;
 * a signed checkpoint holds while rows are only appended and fails once one
 * is rewritten, even with the chain recomputed after it; concurrent appends
 * from two stores (two gateways) stay one chain.
 */

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const EVIDENCE: EvidenceTable[] = [AUDIT_EVIDENCE, RECEIPT_EVIDENCE, ERASED_EVIDENCE, EVENT_EVIDENCE];
const MIGRATIONS = { ...rightsMigrations, ...requestMigrations };

/** Raw SQL as the owner of the tables (the SQLite file, the PostgreSQL login that migrated them): what an attacker with access would use. */
interface Owner {
  run(sql: string, params?: unknown[]): Promise<void>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

interface Engine {
  name: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  open(): GatewayStore;
  owner: Owner;
  /** Lets the owner change a table's rows, as one who can drop triggers would. */
  dropTriggers(table: string): Promise<void>;
}

async function sqliteEngine(): Promise<Engine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-evidence-'));
  let file: SQLite.Database | null = null;
  const db = () => (file ??= new SQLite(join(dataDir, 'gateway.db')));
  cleanups.push(async () => {
    file?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = { FOOTPRINT_DATA_DIR: dataDir };
  return {
    name: 'SQLite',
    dataDir,
    env,
    open: () => withEnv(env, () => openGatewayStore(dataDir, MIGRATIONS)),
    owner: {
      run: async (sql, params = []) => void db().prepare(sql).run(...params),
      rows: async <T>(sql: string, params: unknown[] = []) => db().prepare(sql).all(...params) as T[],
    },
    dropTriggers: async (table) => {
      for (const { name } of db().prepare(`select name from sqlite_master where type = 'trigger' and tbl_name = ?`).all(table) as { name: string }[]) db().exec(`drop trigger ${name}`);
    },
  };
}

async function postgresEngine(): Promise<Engine> {
  const database: TestDatabase = await createTestDatabase('evidence');
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-evidence-pg-'));
  const pool = new pg.Pool({ connectionString: database.url, max: 2, options: '-c search_path=gateway' });
  cleanups.push(async () => {
    await pool.end();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = { FOOTPRINT_DATA_DIR: dataDir, FOOTPRINT_GATEWAY_DATABASE_URL: database.url };
  return {
    name: 'PostgreSQL',
    dataDir,
    env,
    open: () => withEnv(env, () => openGatewayStore(dataDir, MIGRATIONS)),
    owner: {
      run: async (sql, params = []) => void (await pool.query(sql, params)),
      rows: async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
    },
    dropTriggers: async (table) => void (await pool.query(`alter table ${table} disable trigger user`)),
  };
}

function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => T): T {
  const before = { ...process.env };
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const k of Object.keys(env)) if (before[k] === undefined) delete process.env[k];
    Object.assign(process.env, before);
  }
}

const progress: ErasureProgress = { exportJob: null, domains: [{ domain: 'themes', kinds: null, status: 'PENDING', attempts: 0, error: null }] };

function requestRow(personId: string, at: string): PrivacyRequestTable {
  return {
    id: randomUUID(), personId, type: 'ACCESS', channel: 'SELF_SERVICE', originalText: null, details: null, scope: '{}', receivedAt: at, dueAt: at, extendedTo: null, extensionReason: null,
    deadline: at, state: 'RECEIVED', heldFrom: null, verificationMethod: null, verifiedAt: null, verifiedBy: null, assignee: null, possiblyExcessive: 0, excessiveOf: null,
    excessiveDecidedBy: null, work: '{}', evidence: '{}', failure: null, answer: null, refusalGround: null, refusalReason: null, createdBy: personId, createdByType: 'subject',
    closedAt: null, answeredMs: null, updatedAt: at,
  };
}

/** A few rows in every evidence table, through the gateway's own code. */
async function writeEvidence(store: GatewayStore, person: string): Promise<{ jobId: string; requestId: string }> {
  for (const n of [1, 2, 3]) await audit(store, { actor: `ops-${n}`, actorType: 'operator', person, operation: 'query Q', reason: `ticket ${n}`, requestId: `r${n}`, outcome: 'allowed' });
  const jobs = new ErasureJobs(store);
  const job = await jobs.create({ personId: person, requestedBy: person, requesterType: 'subject', reason: null, kinds: null, progress });
  const receipt = { domain: 'themes', requestId: job.id, erasedAt: new Date().toISOString(), replayed: false, kinds: [{ kind: 'themes.download', action: 'DELETE' as const, deleted: 3, anonymized: 0, retained: 0, fields: [], ground: null, retainedUntil: null, noticesRecorded: 0, filesDeleted: 0 }] };
  await jobs.recordReceipt(job.id, receipt, { 'themes.download': 0 });
  // A replay after a resume adds nothing (and is not refused).
  await jobs.recordReceipt(job.id, { ...receipt, replayed: true }, { 'themes.download': 0 });
  await jobs.markErased(person, job.id);
  await jobs.markErased(person, job.id);
  const requests = new PrivacyRequestStore(store);
  const at = new Date().toISOString();
  const req = await requests.insert(requestRow(person, at), [{ action: 'RECEIVED', fromState: null, toState: 'RECEIVED' }], { id: person, type: 'subject' }, at);
  await requests.note(req, { action: 'CODE_REJECTED', fromState: 'RECEIVED', toState: 'RECEIVED', reason: 'wrong code' }, { id: 'ops-1', type: 'operator' }, at);
  return { jobId: job.id, requestId: req.id };
}

const gatewayChains = async (e: Engine): Promise<StoreChain[]> => (await checkEvidence({ dataDir: e.dataDir, env: e.env })).filter((c) => c.store === 'gateway');
const report = (chains: StoreChain[], table: string) => chains.find((c) => c.report.table === table)!.report;

/** An INSERT of a row that already exists, with one column changed: what REPLACE and upsert would write. */
async function forgedInsert(e: Engine, spec: EvidenceTable): Promise<{ columns: string[]; values: unknown[]; original: Record<string, unknown> }> {
  const [original] = await e.owner.rows<Record<string, unknown>>(`select * from ${spec.table} order by ${spec.order.join(', ')} limit 1`);
  const columns = Object.keys(original!);
  const forged = { ...original!, [columns.find((c) => !spec.key.includes(c) && typeof original![c] === 'string')!]: 'forged' };
  return { columns, values: columns.map((c) => forged[c]), original: original! };
}

describe.each([
  ['SQLite', sqliteEngine],
  ['PostgreSQL', postgresEngine],
])('evidence on %s', (_name, make) => {
  it('refuses REPLACE, upsert and TRUNCATE on every evidence table and on the chain itself, and answers each row’s place in its chain', async () => {
    const e = await make();
    const store = e.open();
    await store.migrate();
    const { jobId } = await writeEvidence(store, '10000001');
    await store.close();

    for (const spec of [...EVIDENCE, { table: 'evidence_link', key: ['chain', 'seq'], order: ['chain', 'seq'] }]) {
      const { columns, values, original } = await forgedInsert(e, spec);
      const marks = e.name === 'SQLite' ? columns.map(() => '?') : columns.map((_, i) => `$${i + 1}`);
      const attempts =
        e.name === 'SQLite'
          ? [`insert or replace into ${spec.table} (${columns}) values (${marks})`, `replace into ${spec.table} (${columns}) values (${marks})`]
          : [`truncate ${spec.table}`];
      attempts.push(`insert into ${spec.table} (${columns}) values (${marks}) on conflict (${spec.key}) do update set ${columns.map((c) => `${c} = excluded.${c}`)}`);
      for (const attempt of attempts) await expect(e.owner.run(attempt, attempt.startsWith('truncate') ? [] : values), attempt).rejects.toThrow(/append-only/);
      const [after] = await e.owner.rows<Record<string, unknown>>(`select * from ${spec.table} where ${spec.key.map((k, i) => `${k} = ${e.name === 'SQLite' ? '?' : `$${i + 1}`}`).join(' and ')}`, spec.key.map((k) => original[k]));
      expect(after).toEqual(original);
    }
    const chains = await gatewayChains(e);
    expect(chains.map((c) => [c.report.table, c.report.count, c.report.broken])).toEqual([
      ['audit_log', 3, null],
      ['erasure_receipt', 1, null],
      ['erased_account', 1, null],
      ['privacy_request_event', 2, null],
      // Nothing purged yet: the purge records' chain is empty.
      ['evidence_purge', 0, null],
    ]);
    // The receipt says where it sits: the first link of the receipts' chain.
    const reopened = e.open();
    try {
      const [receipt] = await new ErasureJobs(reopened).receipts(jobId);
      expect(receipt!.chain).toEqual({ table: 'erasure_receipt', seq: 1, hash: report(chains, 'erasure_receipt').head });
    } finally {
      await reopened.close();
    }
  });

  it('names the first row edited behind the triggers, and a checkpoint holds while rows are appended but not once one is rewritten', async () => {
    const e = await make();
    const store = e.open();
    await store.migrate();
    await writeEvidence(store, '10000002');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signed = checkpoint(await gatewayChains(e), privateKey);
    expect(againstCheckpoint(await gatewayChains(e), signed, publicKey)).toEqual([]);
    // Appending keeps it: the log only grew.
    await audit(store, { actor: 'ops-4', actorType: 'operator', person: '10000002', operation: 'query Q', reason: 'ticket 4', requestId: 'r4', outcome: 'allowed' });
    await store.close();
    expect(againstCheckpoint(await gatewayChains(e), signed, publicKey)).toEqual([]);
    // A checkpoint signed by another key, or altered, is refused.
    expect(againstCheckpoint(await gatewayChains(e), { ...signed, chains: signed.chains.map((c) => ({ ...c, count: c.count + 1 })) }, publicKey)).toEqual([expect.stringMatching(/signature does not verify/)]);

    // The audit row's actor becomes "nobody", the timeline's first event "COMPLETED forged".
    await e.dropTriggers('audit_log');
    await e.dropTriggers('privacy_request_event');
    const [second] = await e.owner.rows<{ id: number }>('select id from audit_log order by id limit 1 offset 1');
    await e.owner.run(`update audit_log set actor = 'nobody' where id = ${second!.id}`);
    const [first] = await e.owner.rows<{ id: number }>('select id from privacy_request_event order by id limit 1');
    await e.owner.run(`update privacy_request_event set to_state = 'COMPLETED', reason = 'forged' where id = ${first!.id}`);
    let chains = await gatewayChains(e);
    expect(report(chains, 'audit_log').broken).toMatchObject({ seq: 2, key: `["${second!.id}"]`, problem: 'ROW_CHANGED', detail: expect.stringMatching(/was changed after it was written/) });
    expect(report(chains, 'privacy_request_event').broken).toMatchObject({ seq: 1, key: `["${first!.id}"]`, problem: 'ROW_CHANGED' });
    expect(againstCheckpoint(chains, signed, publicKey)).toEqual([expect.stringMatching(/gateway\.audit_log: the chain is broken at row \["\d+"\] \(link 2\)/), expect.stringMatching(/gateway\.privacy_request_event: the chain is broken/)]);

    // One who also rewrites every link after the row makes the chain whole again: only the checkpoint still sees it.
    await e.dropTriggers('evidence_link');
    for (const spec of [AUDIT_EVIDENCE, EVENT_EVIDENCE]) {
      await e.owner.run(`delete from evidence_link where chain = '${spec.table}'`);
      let prev = '0'.repeat(64);
      const rows = await e.owner.rows<Record<string, unknown>>(`select * from ${spec.table} order by id`);
      for (const [i, row] of rows.entries()) {
        const key = rowKey(spec, row);
        const rh = rowHash(spec.table, row);
        prev = linkHash(prev, i + 1, key, rh);
        await e.owner.run(`insert into evidence_link (chain, seq, row_key, row_hash, hash, linked_at) values ('${spec.table}', ${i + 1}, '${key}', '${rh}', '${prev}', 'now')`);
      }
    }
    chains = await gatewayChains(e);
    expect(chains.every((c) => c.report.broken === null)).toBe(true);
    expect(againstCheckpoint(chains, signed, publicKey)).toEqual([
      expect.stringMatching(/gateway\.audit_log: the chain's hash at row 3 is .* rows up to there were rewritten/),
      expect.stringMatching(/gateway\.privacy_request_event: the chain's hash at row 2 is .* rows up to there were rewritten/),
    ]);
  });

  it('names a row slipped in without a link, and one deleted', async () => {
    const e = await make();
    const store = e.open();
    await store.migrate();
    await writeEvidence(store, '10000003');
    await store.close();
    await e.owner.run(`insert into audit_log (at, actor, actor_type, person, operation, reason, request_id, outcome) values ('2020-01-01T00:00:00.000Z', 'ghost', 'operator', '10000003', 'query Q', null, 'rx', 'allowed')`);
    expect(report(await gatewayChains(e), 'audit_log').broken).toMatchObject({ seq: 4, problem: 'ROW_NOT_CHAINED' });
    await e.dropTriggers('erased_account');
    await e.owner.run(`delete from erased_account`);
    expect(report(await gatewayChains(e), 'erased_account').broken).toMatchObject({ seq: 1, key: '["10000003"]', problem: 'ROW_MISSING' });
  });

  it('accepts rows purged when their hold ended (each covered by a chained purge record), and still names any other deleted row or a purge record edited after', async () => {
    const e = await make();
    const store = e.open();
    await store.migrate();
    const { requestId } = await writeEvidence(store, '10000005');
    const kept = await writeEvidence(store, '10000006');
    const requests = new PrivacyRequestStore(store);
    const timeline = await requests.timeline(requestId);
    await requests.db.updateTable('privacyRequest').set({ heldSince: '2026-01-01T00:00:00.000Z', heldUntil: '2029-01-01T00:00:00.000Z' }).where('id', '=', requestId).execute();
    expect(await requests.purgeHeld('2028-12-31T00:00:00.000Z')).toEqual({ requests: 0, events: 0 });
    expect(await requests.purgeHeld('2029-01-01T00:00:00.000Z')).toEqual({ requests: 1, events: timeline.length });
    expect(await requests.timeline(requestId)).toEqual([]);
    const keptTimeline = await requests.timeline(kept.requestId);
    expect(keptTimeline).toHaveLength(2);
    await store.close();
    const chains = await gatewayChains(e);
    expect(report(chains, 'privacy_request_event').broken).toBeNull();
    expect(report(chains, 'evidence_purge')).toMatchObject({ count: timeline.length, broken: null });
    const purged = await e.owner.rows<{ row_key: string; reason: string }>(`select row_key, reason from evidence_purge order by row_key`);
    expect(purged.map((p) => p.row_key).sort()).toEqual(timeline.map((t) => `["${t.id}"]`).sort());
    expect(purged[0]!.reason).toContain(requestId);

    // Another row deleted behind the triggers, with no purge record: named.
    await e.dropTriggers('privacy_request_event');
    const victim = keptTimeline[0]!.id;
    await e.owner.run(`delete from privacy_request_event where id = ${victim}`);
    expect(report(await gatewayChains(e), 'privacy_request_event').broken).toMatchObject({ key: `["${victim}"]`, problem: 'ROW_MISSING' });
  });

  it('a purge record whose row hash is edited no longer covers its row', async () => {
    const e = await make();
    const store = e.open();
    await store.migrate();
    const { requestId } = await writeEvidence(store, '10000007');
    const requests = new PrivacyRequestStore(store);
    await requests.db.updateTable('privacyRequest').set({ heldSince: '2026-01-01T00:00:00.000Z', heldUntil: '2026-06-01T00:00:00.000Z' }).where('id', '=', requestId).execute();
    expect((await requests.purgeHeld('2026-06-02T00:00:00.000Z')).requests).toBe(1);
    await store.close();
    await e.dropTriggers('evidence_purge');
    await e.owner.run(`update evidence_purge set row_hash = '${'0'.repeat(64)}'`);
    const chains = await gatewayChains(e);
    expect(report(chains, 'privacy_request_event').broken).toMatchObject({ problem: 'ROW_MISSING' });
    expect(report(chains, 'evidence_purge').broken).toMatchObject({ problem: 'ROW_CHANGED' });
  });

  it('keeps one linear chain when two gateways append at once', async () => {
    const e = await make();
    const a = e.open();
    await a.migrate();
    const append = (store: GatewayStore, who: string) =>
      Promise.all(Array.from({ length: 25 }, (_, n) => audit(store, { actor: who, actorType: 'operator', person: '10000004', operation: 'query Q', reason: `ticket ${n}`, requestId: `${who}-${n}`, outcome: 'allowed' })));
    // The other gateway: a thread of its own with its own connection (SQLite waits for its lock synchronously).
    const other = new Worker(new URL('../support/evidence-appender.mjs', import.meta.url), { workerData: { dataDir: e.dataDir, who: 'gateway-b', count: 25 }, env: { ...process.env, ...e.env } });
    const otherDone = new Promise<void>((resolve, reject) => {
      other.once('message', () => resolve());
      other.once('error', reject);
      other.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`appender exited ${code}`))));
    });
    try {
      await Promise.all([append(a, 'gateway-a'), otherDone]);
    } finally {
      await a.close();
    }
    const chain = report(await gatewayChains(e), 'audit_log');
    expect(chain).toMatchObject({ count: 50, broken: null });
    const actors = await e.owner.rows<{ actor: string; n: number }>('select actor, count(*) as n from audit_log group by actor order by actor');
    expect(actors.map((r) => [r.actor, Number(r.n)])).toEqual([
      ['gateway-a', 25],
      ['gateway-b', 25],
    ]);
  });

  it('chains the rows already there when an upgraded database migrates (genesis)', async () => {
    const e = await make();
    // The erasure tables as the shipped migration made them, with rows written before the chain existed.
    const old = withEnv(e.env, () => openGatewayStore(e.dataDir, { '201_erasure': rightsMigrations['201_erasure']! }));
    await old.migrate();
    await old.close();
    for (const n of [1, 2]) {
      await e.owner.run(`insert into erasure_receipt (job_id, domain, request_id, erased_at, kinds, verified, recorded_at) values ('job-${n}', 'themes', 'job-${n}', '2025-01-0${n}T00:00:00.000Z', '[]', '{}', '2025-01-0${n}T00:00:00.000Z')`);
    }
    await e.owner.run(`insert into erased_account (person_id, erased_at, job_id) values ('10000005', '2025-01-02T00:00:00.000Z', 'job-2')`);
    // Only the erasure feature's migrations: this database never had the requests feature's 501 (Kysely runs migrations in order).
    const upgraded = withEnv(e.env, () => openGatewayStore(e.dataDir, rightsMigrations));
    await upgraded.migrate();
    await new ErasureJobs(upgraded).markErased('10000006', 'job-3');
    await upgraded.close();
    const chains = await gatewayChains(e);
    expect(report(chains, 'erasure_receipt')).toMatchObject({ count: 2, broken: null });
    expect(report(chains, 'erased_account')).toMatchObject({ count: 2, broken: null });
  });
});

