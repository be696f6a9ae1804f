import type { Kysely, Migration } from 'kysely';
import type { GatewayDB, GatewayStore } from '../auth/audit.js';
import type { ExportJobTable } from '../exports/store.js';

/**
 * The portability tables in the gateway's store (SQLite by default, PostgreSQL with the rest):
 * - `oauth_model`: every object of the authorisation server (clients, grants, codes, tokens, sessions,
 *   interactions), as oidc-provider's adapter stores them — so they survive a restart and a second gateway sees them;
 * - `portability_grant`: what a person consented to, as Footprint needs it (kinds, period, window, revocation);
 * - `portability_transfer`: each archive job a service ran under a grant ("who received my data");
 * (the `export_job` columns of a service's job are the export store's: exports/grant-columns.ts).
 */
export interface OauthModelTable {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** Unix seconds; null: no expiry. */
  expiresAt: number | null;
  consumedAt: number | null;
}

export type GrantPeriod = 'ONE_TIME' | 'DAYS_30' | 'DAYS_180';

export interface PortabilityGrantTable {
  id: string;
  personId: string;
  clientId: string;
  clientName: string;
  /** JSON: the scopes granted. */
  scopes: string;
  /** JSON: the kinds those scopes cover, as the data map said when the person consented. */
  kinds: string;
  period: GrantPeriod;
  windowStart: string | null;
  windowEnd: string | null;
  grantedAt: string;
  expiresAt: string;
  /** One-time grants: when its one archive job was started. */
  usedAt: string | null;
  revokedAt: string | null;
  /** PERSON (privacy centre), SERVICE (RFC 7009 revocation) or ERASURE. */
  revokedBy: string | null;
}

export interface PortabilityTransferTable {
  jobId: string;
  grantId: string;
  personId: string;
  clientId: string;
  /** JSON: the kinds the job read. */
  kinds: string;
  windowStart: string | null;
  windowEnd: string | null;
  startedAt: string;
}

export interface PortabilityDB extends GatewayDB {
  oauthModel: OauthModelTable;
  portabilityGrant: PortabilityGrantTable;
  portabilityTransfer: PortabilityTransferTable;
  exportJob: ExportJobTable;
}

export const portabilityMigrations: Record<string, Migration> = {
  '950_oauth_model': {
    async up(db) {
      await db.schema
        .createTable('oauth_model')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('user_code', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('consumed_at', 'bigint')
        .addPrimaryKeyConstraint('oauth_model_pk', ['model', 'id'])
        .execute();
      await db.schema.createIndex('oauth_model_grant_idx').on('oauth_model').column('grant_id').execute();
      await db.schema.createIndex('oauth_model_uid_idx').on('oauth_model').columns(['model', 'uid']).execute();
      await db.schema.createIndex('oauth_model_expiry_idx').on('oauth_model').column('expires_at').execute();
    },
  },
  '951_portability_grant': {
    async up(db) {
      await db.schema
        .createTable('portability_grant')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('client_name', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('kinds', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('window_start', 'text')
        .addColumn('window_end', 'text')
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        .execute();
      await db.schema.createIndex('portability_grant_person_idx').on('portability_grant').columns(['person_id', 'granted_at']).execute();
      await db.schema
        .createTable('portability_transfer')
        .addColumn('job_id', 'text', (c) => c.primaryKey())
        .addColumn('grant_id', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('kinds', 'text', (c) => c.notNull())
        .addColumn('window_start', 'text')
        .addColumn('window_end', 'text')
        .addColumn('started_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('portability_transfer_grant_idx').on('portability_transfer').columns(['grant_id', 'started_at']).execute();
    },
  },
};

export type PortabilityKysely = Kysely<PortabilityDB>;

export const portabilityDb = (store: GatewayStore): PortabilityKysely => store.db.withTables<Omit<PortabilityDB, keyof GatewayDB>>();
