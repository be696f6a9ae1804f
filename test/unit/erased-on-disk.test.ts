import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, personProfile } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { importSubgraphPackage } from '../support/conformance.js';

/**
 * "Erased" is true on disk (SQLite): after a whole erasure through the domain's
 * own path (`_erase` over HTTP), none of the person's values is left in the
 * store's files — not in freed pages or deleted cells of the database file
 * (secure_delete), not in frames of the WAL written before the delete (the
 * checkpoint after the erasure), nor in the -shm. The raw bytes are scanned.
 */
const [ERASED, BYSTANDER] = ['39000001', '39000002'];

/** Occurrences of each value in the store's files, as UTF-8 bytes. */
function onDisk(dataDir: string, domain: string, values: string[]): Record<string, number> {
  const base = join(dataDir, `${domain}.db`);
  const files = [base, `${base}-wal`, `${base}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
  const found: Record<string, number> = {};
  for (const value of values) {
    const needle = Buffer.from(value, 'utf8');
    let n = 0;
    for (const bytes of files) for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) n += 1;
    found[value] = n;
  }
  return found;
}

/** What the test uses of a started subgraph: its HTTP address, its files and a credential. */
type Started = Pick<TestSubgraph<unknown>, 'url' | 'dataDir' | 'credential' | 'close'>;

type Profile = ReturnType<typeof personProfile>;
/**
 * What each domain holds of a person that is theirs alone. Messaging is seeded without the bystander: seeded
 * people are each other's correspondents, so the bystander's address book would rightly keep the erased phone.
 */
const cases = [
  { domain: 'account', values: (p: Profile) => [p.email, p.phone, p.fullName, p.nickname], people: [ERASED, BYSTANDER] },
  { domain: 'messaging', values: (p: Profile) => [p.phone], people: [ERASED] },
];
const started = new Map<string, Started>();
beforeAll(async () => {
  for (const { domain, people } of cases) {
    const { createServer, seed } = await importSubgraphPackage(domain);
    started.set(domain, await startTestSubgraph(createServer, seed, people.map((id) => ({ id, scale: 3 }))));
  }
});
afterAll(async () => {
  for (const sg of started.values()) await sg.close();
});

describe('erasure on disk (SQLite)', () => {
  for (const c of cases) {
    it(`${c.domain}: no value of the erased person is left in the .db, -wal or -shm file`, async () => {
      const sg = started.get(c.domain)!;
      const values = c.values(personProfile(ERASED));
      const before = onDisk(sg.dataDir, c.domain, values);
      // The values are there to be found: the scan can fail.
      expect(Object.values(before).every((n) => n > 0), JSON.stringify(before)).toBe(true);
      const res = await postGraphQL<{ _erase: { kinds: { kind: string; deleted: number; retained: number }[] } }>(
        sg.url,
        'mutation($id: ID!) { _erase(requestId: $id) { kinds { kind deleted retained } } }',
        { id: `on-disk-${c.domain}` },
        { [CREDENTIAL_HEADER]: await sg.credential(ERASED, { scopes: [ERASE_SCOPE] }) },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!._erase.kinds.reduce((n, k) => n + k.deleted, 0)).toBeGreaterThan(0);
      expect(onDisk(sg.dataDir, c.domain, values)).toEqual(Object.fromEntries(values.map((v) => [v, 0])));
      if (c.people.includes(BYSTANDER)) {
        // Only the erased person's bytes went: the bystander's are all still readable.
        const kept = onDisk(sg.dataDir, c.domain, c.values(personProfile(BYSTANDER)));
        expect(Object.values(kept).every((n) => n > 0), JSON.stringify(kept)).toBe(true);
      }
    });
  }
});
