import { AUDIT_LIMITS } from './audit.js';

/**
 * The operator's X-Footprint-Reason, as it goes into the audit log. Node hands
 * a header over as Latin-1 (one character per byte), so UTF-8 text arrived as
 * mojibake ("é" as "Ã©"); the bytes are read as UTF-8 here. A client that can
 * send only Latin-1 header values (a browser's fetch) percent-encodes instead,
 * in RFC 8187's form: `UTF-8''M%C3%BCraci%C9%99t`. A reason is evidence, so it
 * is kept exactly or refused, never altered: control characters (C0, DEL,
 * C1), line and paragraph separators and the bidi embeddings, overrides and
 * isolates that can make a log line read otherwise than it is are refused.
 */
export type ReasonHeader = { reason: string | null; refusal: null } | { reason: null; refusal: string };

const RFC_8187 = /^UTF-8''/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
// biome-ignore lint/suspicious/noControlCharactersInRegex: input validation: these control characters are what is refused
const REFUSED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const aboveLatin1 = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return true;
  return false;
};
const refuse = (refusal: string): ReasonHeader => ({ reason: null, refusal });

function decode(raw: string): string | null {
  try {
    if (RFC_8187.test(raw)) return decodeURIComponent(raw.slice(7));
    // Above U+00FF it did not come from Node's parser as bytes: it is text already.
    return aboveLatin1(raw) ? raw : utf8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return null;
  }
}

/** The reason (null when none was sent), or why it is refused (a message naming what to fix, quoting none of it). */
export function readReason(raw: string | undefined): ReasonHeader {
  if (raw === undefined) return { reason: null, refusal: null };
  const text = decode(raw)?.trim();
  if (text === undefined) {
    return refuse("X-Footprint-Reason is not UTF-8: send it as UTF-8, or percent-encoded as UTF-8''<percent-encoded UTF-8> (RFC 8187)");
  }
  if (text.length > AUDIT_LIMITS.reason) {
    return refuse(`X-Footprint-Reason is ${text.length} characters long; at most ${AUDIT_LIMITS.reason} are accepted (a ticket reference and a short sentence)`);
  }
  const bad = REFUSED.exec(text);
  if (bad) {
    const code = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return refuse(`X-Footprint-Reason contains the control character ${code} (character ${bad.index + 1}): send one line of plain text`);
  }
  return { reason: text || null, refusal: null };
}
