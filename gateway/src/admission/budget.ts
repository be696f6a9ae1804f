/** A share of the budget held by one request; released once, when the request is over. */
export interface Lease {
  records: number;
  release(): void;
}

/**
 * Why a request was not admitted: the gateway as a whole is full, its principal holds its share already, or the
 * request alone asks more than one principal may ever hold (asking again cannot help).
 */
export interface Refusal {
  scope: 'gateway' | 'principal' | 'request';
  /** Records held (by everyone, or by this principal) when it was refused. */
  held: number;
  /** The most that may be held (by everyone, or by one principal). */
  limit: number;
}

export interface BudgetOptions {
  /** Records all requests in flight may hold together. */
  records: number;
  /** Records one principal's requests in flight may hold together (≤ records), and so the most one request may ask. */
  perPrincipal: number;
}

/**
 * Work in flight, counted in the records requests may assemble (see
 * estimate.ts), admitted or refused at once — never queued: a queue would
 * hold the very requests the gateway has no memory for, and a client told
 * "busy, ask again in N s" can choose to page or export instead.
 *
 * Own code rather than a library: rate limiters (rate-limiter-flexible)
 * count requests per time window and do not give a share back when a request
 * ends; semaphores (async-sema, p-limit) queue rather than refuse and have no
 * second, per-principal bound. This is two counters.
 *
 * A request asking more than one principal may hold is refused outright, not
 * run alone: measured, one whole heavy footprint in one request (55,000
 * records, estimated 245,000) filled a 256 MB gateway heap by itself and held
 * every other request up for 30 s; in pages or as an export it is read in
 * bounded pieces.
 */
export class WorkBudget {
  private held = 0;
  private readonly byPrincipal = new Map<string, number>();

  constructor(readonly opts: BudgetOptions) {}

  admit(principal: string, records: number): Lease | Refusal {
    if (records > this.opts.perPrincipal) return { scope: 'request', held: 0, limit: this.opts.perPrincipal };
    const mine = this.byPrincipal.get(principal) ?? 0;
    if (mine + records > this.opts.perPrincipal) return { scope: 'principal', held: mine, limit: this.opts.perPrincipal };
    if (this.held + records > this.opts.records) return { scope: 'gateway', held: this.held, limit: this.opts.records };
    this.held += records;
    this.byPrincipal.set(principal, mine + records);
    let released = false;
    return {
      records,
      release: () => {
        if (released) return;
        released = true;
        this.held -= records;
        const left = (this.byPrincipal.get(principal) ?? 0) - records;
        if (left > 0) this.byPrincipal.set(principal, left);
        else this.byPrincipal.delete(principal);
      },
    };
  }

  /** What is held now (for /health). */
  status(): { records: number; limit: number; perPrincipal: number; principals: number } {
    return { records: this.held, limit: this.opts.records, perPrincipal: this.opts.perPrincipal, principals: this.byPrincipal.size };
  }
}
