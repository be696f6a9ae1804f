import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRole, storeUrl } from '@footprint/kit';
import { audit, openGatewayStore } from '@footprint/gateway/auth/audit';
import { seedAll } from '@footprint/scripts/seeding';
import { createTestDatabase, type TestDatabase } from './support/engine.js';
import { requires } from './support/requires.js';

await requires('postgres');

/**
 * The store layer on a real PostgreSQL (CI has one at 127.0.0.1:5432; this
 * test fails, not skips, without it), whatever engine the rest of the run
 * uses: a database of its own, dropped afterwards.
 */

let database: TestDatabase;
const dataDir = mkdtempSync(join(tmpdir(), 'footprint-pg-stores-'));

beforeAll(async () => {
  database = await createTestDatabase('stores');
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

describe('where a store lives', () => {
  it('FOOTPRINT_DATABASE_URL moves every store; a store’s own URL wins; SQLite files otherwise', () => {
    const env = { FOOTPRINT_DATABASE_URL: 'postgres://db/all', FOOTPRINT_ORDERS_DATABASE_URL: 'postgres://db/orders' };
    expect(storeUrl('account', '/d', env)).toBe('postgres://db/all');
    expect(storeUrl('orders', '/d', env)).toBe('postgres://db/orders');
    expect(storeUrl('gateway', '/d', env)).toBe('postgres://db/all');
    expect(storeUrl('account', '/d', {})).toBe(join('/d', 'account.db'));
    expect(storeRole('gateway', {})).toBe('footprint_gateway');
    expect(() => storeRole('gateway', { FOOTPRINT_GATEWAY_DATABASE_ROLE: 'x; drop table y' })).toThrow(/FOOTPRINT_GATEWAY_DATABASE_ROLE/);
  });
});

describe('two stores on one PostgreSQL database', () => {
  it('each migrates and seeds into its own schema (the account store’s migration tables do not hide the orders store’s)', async () => {
    const env = { FOOTPRINT_ACCOUNT_DATABASE_URL: database.url, FOOTPRINT_ORDERS_DATABASE_URL: database.url };
    const before = { ...process.env };
    Object.assign(process.env, env);
    try {
      await seedAll({ dataDir, only: ['account', 'orders'] });
    } finally {
      for (const k of Object.keys(env)) if (before[k] === undefined) delete process.env[k];
    }
    const tables = await query<{ schema: string; table: string }>(
      `select table_schema as schema, table_name as table from information_schema.tables where table_schema in ('account', 'orders') and table_name like 'kysely_migration%' order by 1, 2`,
    );
    expect(tables).toEqual([
      { schema: 'account', table: 'kysely_migration' },
      { schema: 'account', table: 'kysely_migration_lock' },
      { schema: 'orders', table: 'kysely_migration' },
      { schema: 'orders', table: 'kysely_migration_lock' },
    ]);
    const [orders] = await query<{ n: number }>('select count(*)::int as n from orders.store_order');
    expect(orders!.n).toBeGreaterThan(0);
  });
});

describe('the audit log on PostgreSQL', () => {
  it('is append-only by privilege: the gateway’s role may insert and read but not update, delete or truncate; the owner is stopped by the trigger', async () => {
    process.env.FOOTPRINT_GATEWAY_DATABASE_URL = database.url;
    const store = openGatewayStore(dataDir);
    try {
      await store.migrate();
      await audit(store, { actor: 'ops-1', actorType: 'operator', person: '10000001', operation: 'query Q', reason: 'ticket 1', requestId: 'r1', outcome: 'allowed' });
      const [who] = (await sql<{ role: string; owner: string }>`select current_user as role, (select tableowner from pg_tables where schemaname = 'gateway' and tablename = 'audit_log') as owner`.execute(store.db)).rows;
      expect(who!.role).toBe('footprint_gateway');
      expect(who!.owner).not.toBe('footprint_gateway');
      for (const statement of [sql`update audit_log set reason = 'rewritten'`, sql`delete from audit_log`, sql`truncate audit_log`, sql`drop table audit_log`, sql`drop trigger audit_log_no_update on audit_log`]) {
        await expect(statement.execute(store.db), statement.compile(store.db).sql).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
      }
      // The login that owns the tables (the migrator) is stopped by the trigger.
      await expect(query(`update gateway.audit_log set reason = 'rewritten'`)).rejects.toThrow(/append-only/);
      const rows = await query<{ reason: string }>('select reason from gateway.audit_log');
      expect(rows).toEqual([{ reason: 'ticket 1' }]);
      // The role still writes the gateway's other tables.
      await expect(sql`select count(*) from export_job`.execute(store.db).catch((e: { code?: string }) => e.code)).resolves.not.toBe('42501');
    } finally {
      delete process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
      await store.close();
    }
  });
});
