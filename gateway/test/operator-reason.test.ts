import { describe, expect, it } from 'vitest';
import { readReason } from '../src/auth/reason.js';

/** How Node hands over a header whose bytes are UTF-8: one Latin-1 character per byte. */
const asNodeGivesIt = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('the X-Footprint-Reason header', () => {
  it('is read as UTF-8, exactly', () => {
    expect(readReason(asNodeGivesIt('Müraciət №4711 — şəxsi məlumat'))).toEqual({ reason: 'Müraciət №4711 — şəxsi məlumat', refusal: null });
    expect(readReason('DSAR ticket 4711')).toEqual({ reason: 'DSAR ticket 4711', refusal: null });
    expect(readReason('  ')).toEqual({ reason: null, refusal: null });
    expect(readReason(undefined)).toEqual({ reason: null, refusal: null });
  });
  it("or percent-encoded in RFC 8187's form", () => {
    expect(readReason(`UTF-8''${encodeURIComponent('Müraciət №4711')}`)).toEqual({ reason: 'Müraciət №4711', refusal: null });
    expect(readReason("utf-8''%E2%82%AC%20rate")).toEqual({ reason: '€ rate', refusal: null });
    expect(readReason("UTF-8''%C3%28").refusal).toMatch(/^X-Footprint-Reason is not UTF-8/);
  });
  it('refuses bytes that are not UTF-8 rather than guess', () => {
    // "é" as the single Latin-1 byte 0xE9.
    expect(readReason('caf\u00e9').refusal).toBe("X-Footprint-Reason is not UTF-8: send it as UTF-8, or percent-encoded as UTF-8''<percent-encoded UTF-8> (RFC 8187)");
  });
  it('refuses control characters, separators and bidi overrides, naming the first', () => {
    for (const [text, code, at] of [
      ['a\u2028b é', 'U+2028', 2],
      ['a\u0085b', 'U+0085', 2],
      ['ok\tthen', 'U+0009', 3],
      ['ticket \u202Eevil', 'U+202E', 8],
      ['x\u2066y', 'U+2066', 2],
      ['del\u007f', 'U+007F', 4],
    ] as const) {
      expect(readReason(asNodeGivesIt(text)), text).toEqual({ reason: null, refusal: `X-Footprint-Reason contains the control character ${code} (character ${at}): send one line of plain text` });
    }
  });
  it('counts its length in characters after decoding', () => {
    expect(readReason(asNodeGivesIt('ə'.repeat(500)))).toEqual({ reason: 'ə'.repeat(500), refusal: null });
    expect(readReason(asNodeGivesIt('ə'.repeat(501))).refusal).toBe('X-Footprint-Reason is 501 characters long; at most 500 are accepted (a ticket reference and a short sentence)');
  });
});
