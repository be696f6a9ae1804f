import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { PortabilityKysely } from './store.js';

const now = () => Math.floor(Date.now() / 1000);

/**
 * oidc-provider's storage (its Adapter interface) over the gateway's store: one row per object, keyed by model
 * and id, its payload as JSON, with the grant, uid and user code lifted into columns for the lookups the provider
 * makes. An expired row is never returned (and is deleted by the sweep); `revokeByGrantId` removes every token and
 * code of a grant in one statement, which is what makes a revocation take effect at once for every gateway.
 */
export class StoreAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly db: PortabilityKysely,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    const row = {
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      grantId: typeof payload.grantId === 'string' ? payload.grantId : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      userCode: typeof payload.userCode === 'string' ? payload.userCode : null,
      expiresAt: typeof expiresIn === 'number' && expiresIn > 0 ? now() + expiresIn : null,
      consumedAt: typeof payload.consumed === 'number' ? payload.consumed : null,
    };
    await this.db
      .insertInto('oauthModel')
      .values(row)
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({ payload: row.payload, grantId: row.grantId, uid: row.uid, userCode: row.userCode, expiresAt: row.expiresAt, consumedAt: row.consumedAt }))
      .execute();
  }

  private async findWhere(column: 'id' | 'uid' | 'userCode', value: string): Promise<AdapterPayload | undefined> {
    const row = await this.db
      .selectFrom('oauthModel')
      .select(['payload', 'expiresAt', 'consumedAt'])
      .where('model', '=', this.model)
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.expiresAt !== null && Number(row.expiresAt) <= now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return row.consumedAt === null ? payload : { ...payload, consumed: Number(row.consumedAt) };
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('id', id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere('userCode', userCode);
  }

  /** Marks a code or a refresh token used: a replay of it is then refused (and oidc-provider revokes its grant). */
  async consume(id: string): Promise<void> {
    await this.db.updateTable('oauthModel').set({ consumedAt: now() }).where('model', '=', this.model).where('id', '=', id).execute();
  }

  async destroy(id: string): Promise<void> {
    await this.db.deleteFrom('oauthModel').where('model', '=', this.model).where('id', '=', id).execute();
  }

  /** Every token and code of the grant, whatever its model: called once per model by the provider. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oauthModel').where('grantId', '=', grantId).execute();
  }
}

/** Deletes rows past their expiry; returns how many. */
export async function sweepExpired(db: PortabilityKysely): Promise<number> {
  const res = await db.deleteFrom('oauthModel').where('expiresAt', '<=', now()).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Destroys a grant and everything issued under it (tokens, codes), for every gateway at once. */
export async function destroyGrant(db: PortabilityKysely, grantId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('oauthModel').where('grantId', '=', grantId).execute();
    await trx.deleteFrom('oauthModel').where('model', '=', 'Grant').where('id', '=', grantId).execute();
  });
}
