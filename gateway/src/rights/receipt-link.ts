import { createHmac, timingSafeEqual } from 'node:crypto';
import { sendError, sendJson, type Route } from '@footprint/kit';
import type { RightsDomains } from './domains.js';
import type { RightsService } from './service.js';

/** Keeps these MACs apart from anything else the internal secret signs. */
const PURPOSE = 'footprint-erasure-receipt/v1';
const PATH = /^\/rights\/erasures\/([0-9a-f-]{36})\/receipt$/;

function signature(secret: string, jobId: string, expires: number, person: string): string {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${jobId}\n${expires}\n${person}`).digest('base64url');
}

/**
 * A link to one erasure's receipts that works without a token: after the whole
 * account is erased the person's tokens are refused, yet they must still be
 * able to see what was erased and what was kept, and why. HMAC-signed over the
 * job, the person and the expiry.
 */
export function signedReceiptUrl(opts: { publicUrl: string; secret: string; jobId: string; person: string; ttlSeconds: number }): string {
  // Anchored to the day, so the same job gives the same link all day (pages may cache it).
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  const expires = day + opts.ttlSeconds;
  return `${opts.publicUrl}/rights/erasures/${opts.jobId}/receipt?expires=${expires}&sig=${signature(opts.secret, opts.jobId, expires, opts.person)}`;
}

export function receiptRoute(deps: { service: RightsService; domains: RightsDomains; secret: string }): Route {
  return async (req, res, url) => {
    const m = PATH.exec(url.pathname);
    if (!m) return false;
    if (req.method !== 'GET') { sendError(res, 'BAD_USER_INPUT', 'GET only'); return true; }
    const jobId = m[1]!;
    const expires = Number(url.searchParams.get('expires'));
    const sig = url.searchParams.get('sig') ?? '';
    const outcome = await deps.service.erasureOutcome(jobId);
    const expected = outcome ? Buffer.from(signature(deps.secret, jobId, expires, outcome.job.personId)) : Buffer.alloc(0);
    const given = Buffer.from(sig);
    if (!outcome || !Number.isFinite(expires) || expected.length !== given.length || !timingSafeEqual(expected, given)) {
      sendError(res, 'FORBIDDEN', 'This receipt link is not valid');
      return true;
    }
    if (expires * 1000 < Date.now()) { sendError(res, 'FORBIDDEN', 'This receipt link has expired'); return true; }
    const { job, receipts } = outcome;
    sendJson(
      res,
      200,
      {
        jobId: job.id,
        person: job.personId,
        state: job.state,
        wholeAccount: job.kinds === null,
        kinds: job.kinds,
        createdAt: job.createdAt,
        finishedAt: job.finishedAt,
        error: job.error,
        receipts: receipts.map((r) => ({ ...r, kinds: r.kinds.map((k) => ({ ...k, title: deps.domains.entry(k.kind)?.title ?? k.kind, remaining: r.verified[k.kind] ?? 0 })) })),
      },
      { 'cache-control': 'no-store' },
    );
    return true;
  };
}
