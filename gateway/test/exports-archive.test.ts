import { describe, expect, it } from 'vitest';
import type { Column } from '../src/exports/archive/columns.js';
import XLSX from 'xlsx';
import { CSV_BOM, csvCell, csvHeader, csvRow } from '../src/exports/archive/csv.js';
import { contactToVCard, escapeText, foldLine } from '../src/exports/archive/vcard.js';
import { isPortable, provenanceOf } from '../src/exports/archive/provenance.js';
import { downloadSignature, signedDownloadUrl, verifyDownloadSignature } from '../src/exports/signing.js';

/** The archive's encoders on the values that break naive ones; the cross-service tests check whole archives. */

const text: Column = { name: 't', path: ['t'], type: 'String', json: false, nullable: true };
const list: Column = { name: 'l', path: ['l'], type: 'JSON', json: true, nullable: false };

describe('CSV cells', () => {
  it('quote what needs quoting, double quotes, and keep null apart from the empty string', () => {
    expect(csvCell('plain', text)).toBe('plain');
    expect(csvCell('a,b', text)).toBe('"a,b"');
    expect(csvCell('say "hi"', text)).toBe('"say ""hi"""');
    expect(csvCell('line\r\nbreak', text)).toBe('"line\r\nbreak"');
    expect(csvCell(' padded ', text)).toBe('" padded "');
    expect(csvCell('', text)).toBe('""');
    expect(csvCell(null, text)).toBe('');
    expect(csvCell('Şəki, “Xan Sarayı”', text)).toBe('"Şəki, “Xan Sarayı”"');
  });

  it('write text a spreadsheet would convert or run as a text constant ="…", and numbers, booleans and lists as JSON does', () => {
    expect(csvCell('=HYPERLINK("x")', text)).toBe('"=""=HYPERLINK(""""x"""")"""');
    expect(csvCell('+994501234567', text)).toBe('"=""+994501234567"""');
    expect(csvCell('12345678901234567890', { ...text, type: 'ID' })).toBe('"=""12345678901234567890"""');
    expect(csvCell('00123', text)).toBe('"=""00123"""');
    expect(csvCell('-1', text)).toBe('"=""-1"""');
    expect(csvCell('TRUE', text)).toBe('"=""TRUE"""');
    expect(csvCell('@user', text)).toBe('"=""@user"""');
    // Text a spreadsheet keeps as text is written as it is.
    expect(csvCell("'quoted", text)).toBe("'quoted");
    expect(csvCell('account.profile:1', { ...text, type: 'ID' })).toBe('account.profile:1');
    expect(csvCell('2024-05-01T10:00:00.000Z', { ...text, type: 'DateTime' })).toBe('2024-05-01T10:00:00.000Z');
    expect(csvCell('Room 101', text)).toBe('Room 101');
    expect(csvCell(-1.5, { ...text, type: 'Float' })).toBe('-1.5');
    expect(csvCell(12345678901234567890n.toString(), { ...text, type: 'String' })).toBe('"=""12345678901234567890"""');
    expect(csvCell(true, { ...text, type: 'Boolean' })).toBe('true');
    expect(csvCell(['A', 'B,C'], list)).toBe('"[""A"",""B,C""]"');
  });

  it('show every value as JSON has it when a spreadsheet library (SheetJS) reads the CSV, and run no formula', () => {
    const values = ['+994501234567', '12345678901234567890', '00123', '=HYPERLINK("http://x","y")', '-2+3+cmd|\' /C calc\'!A0', '@SUM(1)', 'TRUE', '1/2', '12:30', 'plain, text', 'say "hi"'];
    const cols: Column[] = values.map((_, i) => ({ ...text, name: `c${i}`, path: [`c${i}`] }));
    const record = Object.fromEntries(values.map((v, i) => [`c${i}`, v]));
    const sheet = XLSX.read(CSV_BOM + csvHeader(cols) + csvRow(record, cols), { type: 'string' }).Sheets.Sheet1!;
    values.forEach((v, i) => {
      const cell = sheet[XLSX.utils.encode_cell({ r: 1, c: i })] as { t: string; v: unknown; f?: string };
      expect(cell.f, v).toBeUndefined();
      expect({ t: cell.t, v: cell.v }, v).toEqual({ t: 's', v });
    });
  });

  it('end every row with CRLF, reading nested paths', () => {
    const cols: Column[] = [text, { name: 'm.r', path: ['m', 'r'], type: 'String', json: false, nullable: true }];
    expect(csvRow({ t: 'x', m: { r: 'NETHERLANDS' } }, cols)).toBe('x,NETHERLANDS\r\n');
    expect(csvRow({ t: null, m: null }, cols)).toBe(',\r\n');
  });
});

describe('vCard', () => {
  it('escapes text and folds at 75 octets without splitting a character', () => {
    expect(escapeText('a\\b,c;d\ne')).toBe('a\\\\b\\,c\\;d\\ne');
    const folded = foldLine(`NOTE:${'ə'.repeat(100)}`);
    const lines = folded.split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(lines.map((l, i) => (i === 0 ? l : l.slice(1))).join('')).toBe(`NOTE:${'ə'.repeat(100)}`);
  });

  it('writes a contact with structured name, typed phones and e-mails, dates in basic form', () => {
    const card = contactToVCard({
      id: 'cloud.contact:7',
      uid: '38E88491-CB19-449D-9764-2C3F2787D846',
      displayName: 'Vüqar Cəfərov',
      givenName: 'Vüqar',
      familyName: 'Cəfərov',
      middleName: null,
      organisation: 'Müşfiq, Tofiq & Oğulları MMC',
      birthday: '1973-10-28',
      note: 'Salam, "dostum"!\nNecəsən?',
      phones: [{ number: '+994 50 123 45 67', type: 'CELL', preferred: true }],
      emails: [{ address: 'v@example.com', type: 'OTHER', preferred: false }],
      starred: false,
      updatedAt: '2022-09-14T01:01:08.000Z',
    });
    expect(card.split('\r\n').filter(Boolean)).toEqual([
      'BEGIN:VCARD',
      'VERSION:4.0',
      'UID:urn:uuid:38e88491-cb19-449d-9764-2c3f2787d846',
      'FN:Vüqar Cəfərov',
      'N:Cəfərov;Vüqar;;;',
      'ORG:Müşfiq\\, Tofiq & Oğulları MMC',
      'BDAY:19731028',
      'TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+994501234567',
      'EMAIL:v@example.com',
      'NOTE:Salam\\, "dostum"!\\nNecəsən?',
      'REV:20220914T010108Z',
      'X-FOOTPRINT-ID:cloud.contact:7',
      'END:VCARD',
    ]);
  });
});

describe('provenance and portability', () => {
  it('maps sources to provided / observed / inferred / received, and only provided or observed data under consent or contract is portable', () => {
    expect(['PROVIDED', 'COLLECTED', 'INFERRED', 'THIRD_PARTY'].map(provenanceOf)).toEqual(['provided', 'observed', 'inferred', 'received']);
    expect(isPortable('provided', 'CONTRACT')).toBe(true);
    expect(isPortable('observed', 'CONSENT')).toBe(true);
    expect(isPortable('observed', 'LEGITIMATE_INTEREST')).toBe(false);
    expect(isPortable('provided', 'LEGAL_OBLIGATION')).toBe(false);
    expect(isPortable('inferred', 'CONSENT')).toBe(false);
    expect(isPortable('received', 'CONTRACT')).toBe(false);
  });
});

describe('download signatures', () => {
  const secret = 's'.repeat(40);
  it('bind the job, the expiry and the person', () => {
    const sig = downloadSignature(secret, 'job-1', 2_000_000_000, '10000001');
    expect(verifyDownloadSignature(secret, 'job-1', 2_000_000_000, '10000001', sig)).toBe(true);
    expect(verifyDownloadSignature(secret, 'job-2', 2_000_000_000, '10000001', sig)).toBe(false);
    expect(verifyDownloadSignature(secret, 'job-1', 2_000_000_001, '10000001', sig)).toBe(false);
    expect(verifyDownloadSignature(secret, 'job-1', 2_000_000_000, '10000002', sig)).toBe(false);
    expect(verifyDownloadSignature('t'.repeat(40), 'job-1', 2_000_000_000, '10000001', sig)).toBe(false);
    expect(verifyDownloadSignature(secret, 'job-1', 2_000_000_000, '10000001', sig.slice(1))).toBe(false);
  });
  it('never outlive the archive', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const link = signedDownloadUrl({ publicUrl: 'http://x', secret, jobId: 'j', person: '1', ttlSeconds: 3600, archiveExpiresAt: '2026-01-01T00:10:00Z', now });
    expect(link.expiresAt.toISOString()).toBe('2026-01-01T00:10:00.000Z');
    expect(link.url).toMatch(/^http:\/\/x\/exports\/j\.zip\?expires=1767226200&sig=[\w-]{43}$/);
  });
});
