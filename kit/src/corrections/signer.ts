import { createHmac } from 'node:crypto';
import { valueText } from './values.js';
import type { FieldValue } from './spec.js';

/**
 * The HMACs a domain's corrections use, keyed by the internal secret: a
 * value's version (what a correction must name to replace it), the hash kept
 * of the replaced value, and a one-time code's hash (the code is never stored).
 */
export interface CorrectionSigner {
  versionOf(recordId: string, field: string, v: FieldValue): string;
  oldValueHash(recordId: string, field: string, v: FieldValue): string;
  codeHash(confirmationId: string, code: string): string;
}

export function createSigner(secret: string, domain: string): CorrectionSigner {
  const hmac = (s: string) => createHmac('sha256', secret).update(s).digest('base64url');
  return {
    versionOf: (recordId, field, v) => hmac(`version|${domain}|${recordId}|${field}|${JSON.stringify(valueText(v))}`).slice(0, 22),
    oldValueHash: (recordId, field, v) => `hmac-sha256:${hmac(`old|${domain}|${recordId}|${field}|${JSON.stringify(valueText(v))}`)}`,
    codeHash: (id, code) => hmac(`code|${id}|${code}`),
  };
}
