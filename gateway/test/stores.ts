import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Migration } from 'kysely';
import pg from 'pg';
import { afterAll } from 'vitest';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';

const PG_ADMIN = process.env.FOOTPRINT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Gateway stores for a store test, on both of the gateway's engines: a temp SQLite folder, or a database of its own
 * on the real PostgreSQL (FOOTPRINT_TEST_POSTGRES_URL), so each store starts from empty tables. Everything made is
 * closed and deleted after the file's tests.
 */
export function gatewayStores(name: string, migrations: Record<string, Migration>): { sqliteStore(): Promise<GatewayStore>; postgresStore(): Promise<GatewayStore> } {
  const run = `${name}_${randomUUID().slice(0, 8)}`;
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  let databases = 0;
  return {
    async sqliteStore() {
      const dir = mkdtempSync(join(tmpdir(), `footprint-${name}-store-`));
      const store = openGatewayStore(dir, migrations);
      cleanups.push(async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return store;
    },
    async postgresStore() {
      const db = `${run}_${++databases}`;
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      await admin.query(`create database ${db}`);
      await admin.end();
      const url = new URL(PG_ADMIN);
      url.pathname = `/${db}`;
      const before = process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
      process.env.FOOTPRINT_GATEWAY_DATABASE_URL = url.toString();
      const dir = mkdtempSync(join(tmpdir(), `footprint-${name}-pg-`));
      const store = openGatewayStore(dir, migrations);
      if (before === undefined) delete process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
      else process.env.FOOTPRINT_GATEWAY_DATABASE_URL = before;
      cleanups.push(async () => {
        await store.close();
        const a = new pg.Client({ connectionString: PG_ADMIN });
        await a.connect();
        await a.query(`drop database if exists ${db} with (force)`);
        await a.end();
        rmSync(dir, { recursive: true, force: true });
      });
      return store;
    },
  };
}
