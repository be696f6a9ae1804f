import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { HeavyFederation } from './bench-heavy.js';

/**
 * What the discovery row needs beside its requests per second (issue 24 §7): how many domains one discovery
 * answers (a domain that fails is null in `domains`), and whether its counts are live — a record added between
 * two requests is counted by the second (no cross-request cache of the summary).
 */
export const DISCOVERY_QUERY = 'query Discovery($id: ID!) { person(id: $id) { discovery { domains { domain kinds { kind title count earliest latest regions sources } } } } }';

/** The kind the liveness check adds a record to and takes it away again, and the table that holds it. */
const LIVE = { domain: 'cloud', kind: 'cloud.note', table: 'note' } as const;

interface DiscoveryAnswer {
  data?: { person?: { discovery?: { domains?: ({ domain: string; kinds: { kind: string; count: number }[] } | null)[] } } | null };
  errors?: unknown[];
}

async function discover(h: HeavyFederation, person: string, headers: Record<string, string>): Promise<{ answered: number; count: number | null }> {
  const res = await fetch(h.fed.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: DISCOVERY_QUERY, variables: { id: person } }) });
  const body = (await res.json()) as DiscoveryAnswer;
  const domains = body.data?.person?.discovery?.domains ?? [];
  const live = domains.find((d) => d?.domain === LIVE.domain)?.kinds.find((k) => k.kind === LIVE.kind);
  return { answered: domains.filter((d) => d !== null).length, count: live?.count ?? null };
}

export interface DiscoveryFacts {
  /** Domains answered by one discovery (the fewest of the samples taken). */
  answered: number;
  /** Whether a record added (and then removed) straight in the store changed the next discovery's count each time. */
  live: boolean;
  /** What was seen, for the printout. */
  counts: string;
}

/** Asks discovery, adds one of the person's cloud notes straight in the SQLite file, asks again, removes it, asks again. */
export async function discoveryFacts(h: HeavyFederation, person: string, headers: Record<string, string>): Promise<DiscoveryFacts> {
  const before = await discover(h, person, headers);
  const db = new Database(join(h.dataDir, `${LIVE.domain}.db`), { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  try {
    const cols = (db.prepare(`pragma table_info("${LIVE.table}")`).all() as { name: string }[]).map((c) => `"${c.name}"`).filter((c) => c !== '"id"');
    const added = db.prepare(`insert into "${LIVE.table}" (${cols.join(', ')}) select ${cols.join(', ')} from "${LIVE.table}" where person_id = ? order by id limit 1`).run(person);
    if (added.changes !== 1) throw new Error(`discovery check: person ${person} has no ${LIVE.kind} record to copy`);
    let during: Awaited<ReturnType<typeof discover>>;
    try {
      during = await discover(h, person, headers);
    } finally {
      // The person's data as it was, whatever the request did: later rows read the same federation.
      db.prepare(`delete from "${LIVE.table}" where id = ?`).run(added.lastInsertRowid);
    }
    const after = await discover(h, person, headers);
    const live = before.count !== null && during.count === before.count + 1 && after.count === before.count;
    return { answered: Math.min(before.answered, during.answered, after.answered), live, counts: `${LIVE.kind} ${before.count} → ${during.count} → ${after.count}` };
  } finally {
    db.close();
  }
}
