/**
 * Synced contacts as vCard 4.0 (RFC 6350), the format every address book
 * imports: CRLF lines folded at 75 octets without splitting a UTF-8 character,
 * text escaped (\\ \, \; \n), dates in the basic ISO-8601 form vCard uses.
 * Which kinds are written so is the owning domain's to say: @personalData(format: VCARD).
 */

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;').replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 6350 §3.2), never inside a multi-byte character. */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line) <= 75) return `${line}\r\n`;
  let out = '';
  let current = '';
  let bytes = 0;
  let limit = 75;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > limit) {
      out += `${current}\r\n `;
      current = '';
      bytes = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += ch;
    bytes += n;
  }
  return `${out + current}\r\n`;
}

const TEL_TYPES: Record<string, string> = { CELL: 'cell', HOME: 'home', WORK: 'work', FAX: 'fax', PAGER: 'pager' };
const EMAIL_TYPES: Record<string, string> = { HOME: 'home', WORK: 'work' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function params(type: string | undefined, preferred: unknown): string {
  return `${type ? `;TYPE=${type}` : ''}${preferred === true ? ';PREF=1' : ''}`;
}

function basicDate(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso.replace(/-/g, '') : iso;
}

function basicTimestamp(iso: string): string | null {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : new Date(t).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
}

/** One contact record (as read through the gateway) as a vCard. */
export function contactToVCard(r: Record<string, unknown>): string {
  const lines: string[] = ['BEGIN:VCARD', 'VERSION:4.0'];
  const uid = str(r.uid);
  if (uid) lines.push(UUID.test(uid) ? `UID:urn:uuid:${uid.toLowerCase()}` : `UID;VALUE=text:${escapeText(uid)}`);
  const given = str(r.givenName);
  const family = str(r.familyName);
  const middle = str(r.middleName);
  const fn = str(r.displayName) ?? ([given, middle, family].filter(Boolean).join(' ') || 'Unnamed contact');
  lines.push(`FN:${escapeText(fn)}`);
  lines.push(`N:${[family, given, middle, null, null].map((c) => escapeText(c ?? '')).join(';')}`);
  const org = str(r.organisation);
  if (org) lines.push(`ORG:${escapeText(org)}`);
  const title = str(r.jobTitle);
  if (title) lines.push(`TITLE:${escapeText(title)}`);
  const bday = str(r.birthday);
  if (bday) lines.push(`BDAY:${basicDate(bday)}`);
  for (const p of Array.isArray(r.phones) ? (r.phones as Record<string, unknown>[]) : []) {
    const number = str(p.number);
    if (!number) continue;
    const compact = number.replace(/[\s().-]/g, '');
    const type = TEL_TYPES[String(p.type)];
    lines.push(/^\+?\d+$/.test(compact) ? `TEL;VALUE=uri${params(type, p.preferred)}:tel:${compact}` : `TEL;VALUE=text${params(type, p.preferred)}:${escapeText(number)}`);
  }
  for (const e of Array.isArray(r.emails) ? (r.emails as Record<string, unknown>[]) : []) {
    const address = str(e.address);
    if (address) lines.push(`EMAIL${params(EMAIL_TYPES[String(e.type)], e.preferred)}:${escapeText(address)}`);
  }
  const note = str(r.note);
  if (note) lines.push(`NOTE:${escapeText(note)}`);
  if (r.starred === true) lines.push('X-FOOTPRINT-STARRED:TRUE');
  const rev = typeof r.updatedAt === 'string' ? basicTimestamp(r.updatedAt) : null;
  if (rev) lines.push(`REV:${rev}`);
  if (typeof r.id === 'string') lines.push(`X-FOOTPRINT-ID:${escapeText(r.id)}`);
  lines.push('END:VCARD');
  return lines.map(foldLine).join('');
}
