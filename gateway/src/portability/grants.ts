import type { GrantPeriod, PortabilityGrantTable, PortabilityKysely, PortabilityTransferTable } from './store.js';

export const PERIODS: readonly GrantPeriod[] = ['ONE_TIME', 'DAYS_30', 'DAYS_180'];
export const PERIOD_DAYS: Record<GrantPeriod, number | null> = { ONE_TIME: null, DAYS_30: 30, DAYS_180: 180 };

/** A person's consent to one receiving service, as Footprint keeps it. */
export interface PortabilityGrant {
  id: string;
  personId: string;
  clientId: string;
  clientName: string;
  scopes: string[];
  kinds: string[];
  period: GrantPeriod;
  windowStart: string | null;
  windowEnd: string | null;
  grantedAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface Transfer {
  jobId: string;
  grantId: string;
  personId: string;
  clientId: string;
  kinds: string[];
  windowStart: string | null;
  windowEnd: string | null;
  startedAt: string;
}

const toGrant = (r: PortabilityGrantTable): PortabilityGrant => ({ ...r, scopes: JSON.parse(r.scopes) as string[], kinds: JSON.parse(r.kinds) as string[] });
const toTransfer = (r: PortabilityTransferTable): Transfer => ({ ...r, kinds: JSON.parse(r.kinds) as string[] });

/** Whether a grant may still be used now: not revoked, not past its period. */
export function grantActive(g: PortabilityGrant, at = Date.now()): boolean {
  return g.revokedAt === null && Date.parse(g.expiresAt) > at;
}

export class PortabilityGrants {
  constructor(private readonly db: PortabilityKysely) {}

  async create(g: Omit<PortabilityGrant, 'usedAt' | 'revokedAt' | 'revokedBy'>): Promise<void> {
    await this.db
      .insertInto('portabilityGrant')
      .values({ ...g, scopes: JSON.stringify(g.scopes), kinds: JSON.stringify(g.kinds), usedAt: null, revokedAt: null, revokedBy: null })
      .execute();
  }

  async get(id: string): Promise<PortabilityGrant | null> {
    const row = await this.db.selectFrom('portabilityGrant').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toGrant(row) : null;
  }

  async forPerson(personId: string, limit = 100): Promise<PortabilityGrant[]> {
    const rows = await this.db.selectFrom('portabilityGrant').selectAll().where('personId', '=', personId).orderBy('grantedAt', 'desc').orderBy('id').limit(limit).execute();
    return rows.map(toGrant);
  }

  async countForPerson(personId: string): Promise<number> {
    const row = await this.db.selectFrom('portabilityGrant').select((eb) => eb.fn.countAll<number>().as('n')).where('personId', '=', personId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Marks the grant revoked (once; the first revocation's time and cause are kept). Returns whether this call did it. */
  async revoke(id: string, by: 'PERSON' | 'SERVICE' | 'ERASURE', at = new Date()): Promise<boolean> {
    const res = await this.db.updateTable('portabilityGrant').set({ revokedAt: at.toISOString(), revokedBy: by }).where('id', '=', id).where('revokedAt', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** A one-time grant's one job: true for the first caller only. */
  async markUsed(id: string, at = new Date()): Promise<boolean> {
    const res = await this.db.updateTable('portabilityGrant').set({ usedAt: at.toISOString() }).where('id', '=', id).where('usedAt', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async recordTransfer(t: Transfer): Promise<void> {
    await this.db.insertInto('portabilityTransfer').values({ ...t, kinds: JSON.stringify(t.kinds) }).execute();
  }

  /** The transfers of these grants, oldest first, with each job's state and record count. */
  async transfers(grantIds: string[]): Promise<(Transfer & { state: string | null; records: number | null; finishedAt: string | null })[]> {
    if (grantIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('portabilityTransfer as t')
      .leftJoin('exportJob as j', 'j.id', 't.jobId')
      .select(['t.jobId', 't.grantId', 't.personId', 't.clientId', 't.kinds', 't.windowStart', 't.windowEnd', 't.startedAt', 'j.state', 'j.records', 'j.finishedAt'])
      .where('t.grantId', 'in', grantIds)
      .orderBy('t.startedAt')
      .execute();
    return rows.map((r) => ({ ...toTransfer(r), state: r.state ?? null, records: r.records === null || r.records === undefined ? null : Number(r.records), finishedAt: r.finishedAt ?? null }));
  }

  async jobsStartedSince(grantId: string, since: string): Promise<number> {
    const row = await this.db.selectFrom('portabilityTransfer').select((eb) => eb.fn.countAll<number>().as('n')).where('grantId', '=', grantId).where('startedAt', '>', since).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async transfer(jobId: string): Promise<Transfer | null> {
    const row = await this.db.selectFrom('portabilityTransfer').selectAll().where('jobId', '=', jobId).executeTakeFirst();
    return row ? toTransfer(row) : null;
  }
}
