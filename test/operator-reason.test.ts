import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { bearer, operatorToken } from './support/client.js';

/**
 * An operator's X-Footprint-Reason, through the real gateway into its audit
 * log. Before: UTF-8 was stored as Latin-1 mojibake ("a\\u2028b é" became
 * "aâ\\u0080¨b Ã©", a C1 control character in the log), and a refused
 * (over-long) reason wrote no audit row at all.
 */
const url = inject('gatewayUrl');
const dataDir = inject('dataDir');

/** A header value as the UTF-8 bytes a client sends (fetch writes header strings one byte per character). */
const utf8Header = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

interface AuditRow {
  person: string | null;
  reason: string | null;
  operation: string;
  outcome: string;
}

function auditRows(actor: string): AuditRow[] {
  const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
  try {
    return db.prepare<[string], AuditRow>('select person, reason, operation, outcome from audit_log where actor = ? order by id').all(actor);
  } finally {
    db.close();
  }
}

async function readAsOperator(reason: string) {
  const actor = `ops-${Math.random().toString(36).slice(2, 10)}`;
  const headers = bearer(await operatorToken(['footprint:read'], actor), { 'x-footprint-reason': reason, 'content-type': 'application/json' });
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: '{ person(id: "10000002") { id } }' }) });
  const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, body, rows: auditRows(actor) };
}

describe("an operator's X-Footprint-Reason", () => {
  it('in UTF-8 is stored exactly', async () => {
    const reason = 'Müraciət №4711 — şəxsi məlumat';
    const res = await readAsOperator(utf8Header(reason));
    expect(res.body).toEqual({ data: { person: { id: '10000002' } } });
    expect(res.rows).toEqual([{ person: '10000002', reason, operation: 'query (anonymous) [person]', outcome: 'allowed' }]);
  });

  it("percent-encoded (UTF-8''…, RFC 8187) is stored decoded", async () => {
    const reason = 'Müraciət №4711';
    const res = await readAsOperator(`UTF-8''${encodeURIComponent(reason)}`);
    expect(res.body.errors).toBeUndefined();
    expect(res.rows).toMatchObject([{ reason, outcome: 'allowed' }]);
  });

  it('with a control character is refused, nothing read, and the refusal audited without the value', async () => {
    const res = await readAsOperator(utf8Header('a\u2028b é'));
    expect(res.status).toBe(200);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toEqual([{ message: 'X-Footprint-Reason contains the control character U+2028 (character 2): send one line of plain text', extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(res.rows).toEqual([{ person: '10000002', reason: null, operation: 'query (anonymous) [person]', outcome: 'refused: X-Footprint-Reason contains the control character U+2028 (character 2): send one line of plain text' }]);
    const c1 = await readAsOperator(utf8Header('ticket \u0085 4711'));
    expect(c1.body.errors?.[0]?.message).toMatch(/control character U\+0085/);
    expect(c1.rows).toMatchObject([{ reason: null, outcome: expect.stringMatching(/^refused: X-Footprint-Reason contains the control character U\+0085/) }]);
  });

  it('over 500 characters is refused and audited, without storing it', async () => {
    const res = await readAsOperator(utf8Header('ə'.repeat(501)));
    expect(res.body.errors).toEqual([{ message: 'X-Footprint-Reason is 501 characters long; at most 500 are accepted (a ticket reference and a short sentence)', extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(res.rows).toEqual([{ person: '10000002', reason: null, operation: 'query (anonymous) [person]', outcome: 'refused: X-Footprint-Reason is 501 characters long; at most 500 are accepted (a ticket reference and a short sentence)' }]);
  });

  it('that is not UTF-8 is refused and audited', async () => {
    const res = await readAsOperator('caf\u00e9');
    expect(res.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^X-Footprint-Reason is not UTF-8/), extensions: { code: 'BAD_USER_INPUT' } });
    expect(res.rows).toMatchObject([{ reason: null, outcome: expect.stringMatching(/^refused: X-Footprint-Reason is not UTF-8/) }]);
  });
});
