import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAccessLog, readWholeAccessLog } from '../src/auth/access-log.js';
import { audit, } from '../src/auth/audit.js';
import { exportMigrations, ExportJobs } from '../src/exports/store.js';
import { ErasureJobs, rightsMigrations } from '../src/rights/store.js';
import { requires } from '../../test/support/requires.js';
import { gatewayStores } from './stores.js';

await requires('postgres');

/**
 * The access log's reader and the export job's language on both of the
 * gateway's databases: entries from the audit log and the job tables merged
 * newest first, paged by cursor without loss or repeat (ties in time too),
 * one person's only, refused reads and job runs left out; and a job's language
 * kept through a claim, a release and a second claim (a resumed run).
 */

const migrations = { ...exportMigrations, ...rightsMigrations };
const { sqliteStore, postgresStore } = gatewayStores('accesslog', migrations);

const PERSON = '10000001';
const progress = { schemaHash: 'h', kinds: [] };

describe.each([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('the access log on %s', (_name, open) => {
  it('merges reads and jobs newest first, pages without loss or repeat, and shows one person only', async () => {
    const store = await open();
    await store.migrate();
    const exportsStore = new ExportJobs(store);
    const erasures = new ErasureJobs(store);
    const read = (reason: string, outcome = 'allowed', person = PERSON, actorType = 'operator') =>
      audit(store, { actor: 'ops-alice', actorType, person, operation: 'query Q [person]', reason, requestId: randomUUID(), outcome });
    for (let i = 0; i < 7; i++) await read(`ticket ${i}`);
    await read('refused one', 'refused: Operator token lacks the scope footprint:read');
    await read('someone else', 'allowed', '10000002');
    await read('job run', 'started', PERSON, 'job');
    const limits = { windowMs: 3600_000, maxPerWindow: 50 };
    const first = await exportsStore.create({ personId: PERSON, requestedBy: PERSON, requesterType: 'subject', reason: null, allowPartial: false, progress, language: 'az', timeZone: 'Asia/Baku' }, limits);
    await exportsStore.cancel(first.id);
    await exportsStore.create({ personId: PERSON, requestedBy: 'ops-bob', requesterType: 'operator', reason: 'DSAR 9', allowPartial: false, progress }, limits);
    await erasures.create({ personId: PERSON, requestedBy: PERSON, requesterType: 'subject', reason: null, kinds: ['themes.download'], progress: { exportJob: null, domains: [] } });

    const all = await readWholeAccessLog(store, PERSON);
    expect(all.truncated).toBe(false);
    expect(all.entries.filter((e) => e.source === 'AUDIT').map((e) => e.reason).sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `ticket ${i}`));
    expect(all.entries.filter((e) => e.source === 'EXPORT').map((e) => e.actor).sort()).toEqual(['PRIVACY_TEAM', 'YOU']);
    expect(all.entries.find((e) => e.source === 'ERASURE')).toMatchObject({ actor: 'YOU', action: 'ERASURE', what: 'themes.download' });
    expect(all.entries).toHaveLength(10);
    expect(JSON.stringify(all.entries)).not.toMatch(/ops-alice|ops-bob|someone else|refused one|job run/);
    const times = all.entries.map((e) => e.at);
    expect([...times].sort().reverse()).toEqual(times);

    for (const size of [1, 3, 4]) {
      const ids: string[] = [];
      let after: string | null = null;
      for (let n = 0; n < 20; n++) {
        const page = await readAccessLog(store, PERSON, { first: size, after });
        expect(page.entries.length).toBeLessThanOrEqual(size);
        ids.push(...page.entries.map((e) => e.id));
        if (!page.hasNextPage) break;
        after = page.endCursor;
      }
      expect(ids, `pages of ${size}`).toEqual(all.entries.map((e) => e.id));
    }
    await expect(readAccessLog(store, PERSON, { first: 5, after: 'Zm9v' })).rejects.toThrow(/not a cursor/);
    expect((await readWholeAccessLog(store, PERSON, 4)).truncated).toBe(true);
  });

  it('keeps a job’s language and time zone through a claim, a release and the resumed run', async () => {
    const store = await open();
    await store.migrate();
    const jobs = new ExportJobs(store);
    const limits = { windowMs: 3600_000, maxPerWindow: 50 };
    const job = await jobs.create({ personId: '10000002', requestedBy: '10000002', requesterType: 'subject', reason: null, allowPartial: false, progress, language: 'az', timeZone: 'Asia/Baku' }, limits);
    expect(await jobs.claim(job.id, 'w/1')).toMatchObject({ language: 'az', timeZone: 'Asia/Baku' });
    expect(await jobs.release(job.id, 'w/1')).toBe(true);
    expect(await jobs.claim(job.id, 'w/2')).toMatchObject({ language: 'az', timeZone: 'Asia/Baku', runs: 2 });
    expect(await jobs.lastLanguage('10000002')).toBe('az');
    // A job asked for without a language is English.
    const plain = await jobs.create({ personId: '10000003', requestedBy: '10000003', requesterType: 'subject', reason: null, allowPartial: false, progress }, limits);
    expect(plain).toMatchObject({ language: 'en', timeZone: null });
  });
});
