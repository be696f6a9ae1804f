import { createHmac, timingSafeEqual } from 'node:crypto';

/** Keeps these MACs apart from anything else the internal secret signs. */
const PURPOSE = 'footprint-export-download/v1';

/**
 * HMAC-SHA256 over the job, the link's expiry and the person, with the
 * internal secret: changing any of them (another job, a later expiry, another
 * person) breaks the signature.
 */
export function downloadSignature(secret: string, jobId: string, expires: number, person: string): string {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${jobId}\n${expires}\n${person}`).digest('base64url');
}

export function verifyDownloadSignature(secret: string, jobId: string, expires: number, person: string, sig: string): boolean {
  const expected = Buffer.from(downloadSignature(secret, jobId, expires, person));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface SignedLink {
  url: string;
  expiresAt: Date;
}

/** A download link valid for `ttlSeconds`, but never beyond the archive's own deletion time. */
export function signedDownloadUrl(opts: { publicUrl: string; secret: string; jobId: string; person: string; ttlSeconds: number; archiveExpiresAt: string; now?: Date }): SignedLink {
  const now = opts.now ?? new Date();
  const expires = Math.floor(Math.min(now.getTime() + opts.ttlSeconds * 1000, Date.parse(opts.archiveExpiresAt)) / 1000);
  const sig = downloadSignature(opts.secret, opts.jobId, expires, opts.person);
  return { url: `${opts.publicUrl}/exports/${opts.jobId}.zip?expires=${expires}&sig=${sig}`, expiresAt: new Date(expires * 1000) };
}
