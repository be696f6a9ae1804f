/** A share of the budget held by one request; released once, when the request is over. */
export interface Lease {
  records: number;
  release(): void;
}

/** Why a request was not admitted: the gateway as a whole is full, or its principal holds its share already. */
export interface Refusal {
  scope: 'gateway' | 'principal';
  /** Records held (by everyone, or by this principal) when it was refused. */
  held: number;
  /** The most that may be held (by everyone, or by one principal). */
  limit: number;
}

export interface BudgetOptions {
  /** Records all requests in flight may hold together. */
  records: number;
  /** Records one principal's requests in flight may hold together (≤ records). */
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
 * A request asking more than one principal may hold is charged that share
 * (it may run, alone for its principal) rather than refused for ever: its
 * estimate is an upper bound, and paging a whole footprint is the client's
 * choice, not the only way to read it.
 */
export class WorkBudget {
  private held = 0;
  private readonly byPrincipal = new Map<string, number>();

  constructor(readonly opts: BudgetOptions) {}

  admit(principal: string, estimate: number): Lease | Refusal {
    const records = Math.min(estimate, this.opts.perPrincipal);
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
