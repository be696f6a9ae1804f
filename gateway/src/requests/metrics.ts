import type { Route } from '@footprint/kit';
import { DAY_MS } from './clock.js';
import { OPEN_STATES, REQUEST_TYPES } from './model.js';
import type { PrivacyRequestService } from './service.js';

/**
 * GET /metrics: the figures operators and regulators ask for, in the
 * Prometheus text format (0.0.4). Counts only — no person, no request id.
 * Every state × type series is present (0 included), so a rate never breaks
 * when a series first appears.
 */
export function metricsRoute(service: PrivacyRequestService): Route {
  return async (req, res, url) => {
    if (url.pathname !== '/metrics') return false;
    const s = await service.store.stats(service.now());
    const lines = [
      '# HELP footprint_privacy_requests_open Open privacy requests, by state and type.',
      '# TYPE footprint_privacy_requests_open gauge',
    ];
    for (const state of OPEN_STATES) {
      for (const type of REQUEST_TYPES) {
        const n = s.open.find((o) => o.state === state && o.type === type)?.count ?? 0;
        lines.push(`footprint_privacy_requests_open{state="${state}",type="${type}"} ${n}`);
      }
    }
    lines.push(
      '# HELP footprint_privacy_requests_overdue Open privacy requests past the deadline in force.',
      '# TYPE footprint_privacy_requests_overdue gauge',
      `footprint_privacy_requests_overdue ${s.overdue}`,
      '# HELP footprint_privacy_requests_answered Privacy requests answered (completed or refused).',
      '# TYPE footprint_privacy_requests_answered gauge',
      `footprint_privacy_requests_answered ${s.answered}`,
      '# HELP footprint_privacy_requests_answer_days_median Median days from receipt to answer (NaN before any answer).',
      '# TYPE footprint_privacy_requests_answer_days_median gauge',
      `footprint_privacy_requests_answer_days_median ${s.medianAnswerMs === null ? 'NaN' : (s.medianAnswerMs / DAY_MS).toFixed(3)}`,
      '',
    );
    const body = Buffer.from(lines.join('\n'));
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
