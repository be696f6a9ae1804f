import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_HEADER, ERASE_SCOPE, REPO_ROOT } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { addDuration, subtractDuration } from '@footprint/schema';
import { importSubgraphPackage } from '../support/conformance.js';
import { isolateStores, TEST_ENGINE } from '../support/engine.js';
import { requires } from '../support/requires.js';

/**
 * A retained record keeps only what its legal ground needs (issue #25): each RETAIN kind says which fields
 * (@personalData(retainFields:)), the coverage gate refuses one that does not, and erasure clears the rest of
 * a retained record in the hold's transaction — a theme purchase kept for bookkeeping loses the payment
 * provider's token and the card digits. On PostgreSQL too (`npm run test:pg`).
 */
if (TEST_ENGINE === 'postgres') await requires('postgres');
let dropStores: () => Promise<void> = async () => {};
const [PERSON, OTHER] = ['39200001', '39200002'];
let sg: TestSubgraph<unknown>;
let orders: TestSubgraph<unknown>;
const dir = mkdtempSync(join(tmpdir(), 'footprint-retained-'));

beforeAll(async () => {
  dropStores = await isolateStores('retained-fields');
  const { createServer, seed } = await importSubgraphPackage('themes');
  sg = await startTestSubgraph(createServer, seed, [
    { id: PERSON, scale: 2 },
    { id: OTHER, scale: 1 },
  ]);
  const o = await importSubgraphPackage('orders');
  orders = await startTestSubgraph(o.createServer, o.seed, [{ id: PERSON, scale: 2 }]);
});
afterAll(async () => {
  await sg?.close();
  await orders?.close();
  await dropStores();
  rmSync(dir, { recursive: true, force: true });
});

type PurchaseRow = { id: number; personId: string; pspToken: string | null; cardLast4: string | null; itemTitle: string; orderReference: string; priceMinor: number; collectedAt: string };
const erase = async (target: TestSubgraph<unknown>, requestId: string) => {
  const res = await postGraphQL<{ _erase: { kinds: { kind: string; retained: number; retainedUntil: string | null }[] } }>(
    target.url,
    'mutation($id: ID!) { _erase(requestId: $id) { kinds { kind retained retainedUntil } } }',
    { id: requestId },
    { [CREDENTIAL_HEADER]: await target.credential(PERSON, { scopes: [ERASE_SCOPE] }) },
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!._erase.kinds;
};
const purchases = async (person: string) =>
  (await sql<PurchaseRow>`select id, person_id as "personId", psp_token as "pspToken", card_last4 as "cardLast4", item_title as "itemTitle", order_reference as "orderReference", price_minor as "priceMinor", collected_at as "collectedAt" from purchase where person_id = ${person} order by id`.execute(sg.store.db)).rows;

describe('retained records keep only their declared fields', () => {
  it('a retained theme purchase loses its payment token and card digits at erasure, keeps what bookkeeping needs, and is held until its own end', async () => {
    // Every purchase a year old (inside its six years) and paid by card, so each carries a token and digits.
    const recent = subtractDuration(new Date(), 'P1Y')!.toISOString();
    await sql`update purchase set collected_at = ${recent}, psp_token = 'psp_tok_' || id, card_last4 = '4242' where person_id in (${PERSON}, ${OTHER})`.execute(sg.store.db);
    const before = await purchases(PERSON);
    expect(before.length).toBeGreaterThan(0);
    const otherBefore = await purchases(OTHER);

    const receipt = (await erase(sg, 'retained-fields-1')).find((k) => k.kind === 'themes.purchase')!;
    expect(receipt.retained).toBe(before.length);
    expect(receipt.retainedUntil).toBe(addDuration(new Date(recent), 'P6Y')!.toISOString());

    const after = await purchases(PERSON);
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    for (const [i, row] of after.entries()) {
      expect(row.pspToken, `purchase ${row.id}`).toBeNull();
      expect(row.cardLast4, `purchase ${row.id}`).toBeNull();
      // What the legal ground needs stays as it was.
      expect({ itemTitle: row.itemTitle, orderReference: row.orderReference, priceMinor: Number(row.priceMinor) }).toEqual({
        itemTitle: before[i]!.itemTitle,
        orderReference: before[i]!.orderReference,
        priceMinor: Number(before[i]!.priceMinor),
      });
    }
    // Nothing of the token is left in the store's files either (SQLite: the erasure settles its WAL).
    if (TEST_ENGINE === 'sqlite') {
      const files = spawnSync('grep', ['-rl', `psp_tok_${before[0]!.id}\\b`, sg.dataDir], { encoding: 'utf8' });
      expect(files.stdout).toBe('');
    }
    // Another person's purchases are untouched.
    expect(await purchases(OTHER)).toEqual(otherBefore);

    // Still held, per record: the purchase shows its own hold end.
    const read = await sg.entities<{ themes: { purchases: { nodes: { meta: { restricted: boolean; restriction: { ground: string; until: string | null } | null } }[] } } }>(
      PERSON,
      'themes { purchases(first: 100) { nodes { meta { restricted restriction { ground until } } } } }',
    );
    expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
    for (const n of read.data!._entities[0]!.themes.purchases.nodes) {
      expect(n.meta).toEqual({ restricted: true, restriction: { ground: 'LEGAL_HOLD', until: addDuration(new Date(recent), 'P6Y')!.toISOString() } });
    }
  });
});

describe('a retained order', () => {
  it('keeps its invoice as issued but not the address it was e-mailed to', async () => {
    const recent = subtractDuration(new Date(), 'P1Y')!.toISOString();
    await sql`update store_order set collected_at = ${recent}, invoice_number = 'INV-' || id, invoice_issued_at = ${recent}, invoice_type = 'PERSONAL', invoice_title = 'A. Person', invoice_email = 'a.person@example.com' where person_id = ${PERSON}`.execute(orders.store.db);
    const invoices = async () =>
      (await sql<{ id: number; invoiceNumber: string | null; invoiceTitle: string | null; invoiceEmail: string | null }>`select id, invoice_number as "invoiceNumber", invoice_title as "invoiceTitle", invoice_email as "invoiceEmail" from store_order where person_id = ${PERSON} order by id`.execute(orders.store.db)).rows;
    const before = await invoices();
    expect(before.length).toBeGreaterThan(0);
    const receipt = (await erase(orders, 'retained-fields-2')).find((k) => k.kind === 'orders.order')!;
    expect(receipt.retained).toBe(before.length);
    expect(await invoices()).toEqual(before.map((r) => ({ ...r, invoiceEmail: null })));
  });
});

describe('the coverage gate and retainFields', () => {
  const supergraph = readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8');
  const gate = (sdl: string, name: string) => {
    const file = join(dir, `${name}.graphql`);
    writeFileSync(file, sdl);
    return spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'dist', 'check-coverage.js'), '--supergraph', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  };

  it('refuses a RETAIN kind that does not say which fields it keeps, or names one the type lacks', () => {
    const without = supergraph.replace(/(@personalData\(kind: "themes\.purchase"[^\n]*?), retainFields: \[[^\]]*\]/, '$1');
    expect(without).not.toBe(supergraph);
    const r = gate(without, 'no-retain-fields');
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/METADATA ThemePurchase \(themes\): is RETAIN but does not say which fields its legal ground needs \(retainFields:\)/);
    expect(r.stdout).toMatch(/coverage gate: FAIL/);

    const unknown = supergraph.replace(/(@personalData\(kind: "themes\.purchase"[^\n]*?retainFields: \[)/, '$1"pspToken", ');
    const r2 = gate(unknown, 'unknown-retain-field');
    expect(r2.status).toBe(1);
    expect(r2.stdout).toMatch(/METADATA ThemePurchase \(themes\): retainFields names "pspToken", which is not a field of the type/);
  });

  it('refuses retainFields on a kind that is not RETAIN', () => {
    const onDelete = supergraph.replace(/(@personalData\(kind: "music\.playback"[^\n]*?erasure: DELETE)/, '$1, retainFields: ["id"]');
    expect(onDelete).not.toBe(supergraph);
    const r = gate(onDelete, 'delete-retain-fields');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/METADATA MusicPlayback \(music\): is DELETE: retainFields is only for RETAIN/);
  });
});
