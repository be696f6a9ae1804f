/**
 * What really went wrong with a network call. Node's fetch throws "fetch
 * failed" and keeps the reason in `cause` (ECONNREFUSED and the address, a
 * "bad port", a DNS failure, a reset…); this joins the chain so that logs and
 * messages say it: "fetch failed: connect ECONNREFUSED 127.0.0.1:4000".
 */
export function describeNetworkError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const e = current as { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
    const message = current instanceof Error || typeof e.message === 'string' ? String(e.message) : String(current);
    const code = typeof e.code === 'string' && !message.includes(e.code) ? ` (${e.code})` : '';
    if (message && !parts.some((p) => p.includes(message))) parts.push(message + code);
    // AggregateError (e.g. happy-eyeballs over IPv4 and IPv6): its first error says enough.
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return parts.join(': ') || 'unknown network error';
}

/** Whether nothing accepted the connection (ECONNREFUSED: no process listens there), in `err` or the chain it wraps. */
export function connectionRefused(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current !== null && typeof current === 'object' && depth < 5; depth++) {
    const e = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (e.code === 'ECONNREFUSED') return true;
    current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return false;
}
