import { kindsByDomain, type FootprintPlan, type KindPlan } from '../footprint/plan.js';
import type { Answer, GraphQLErrorShape, PageSource } from '../footprint/traverse.js';

type PersonData = Record<string, Record<string, unknown> | null> | null | undefined;

/**
 * The first pages of a domain's kinds in one request: an export reads kind by
 * kind, and most kinds of a person are a handful of records, so one round trip
 * (and one subgraph operation) per kind was most of a small export's time. When
 * a job asks the first page of one kind, this asks the first pages of every kind
 * of that domain still to be read, in one request of at most half a page of
 * records in all (held beside the pages being read, it adds little to memory), and hands each
 * kind its own part when its turn comes. A kind longer than its share goes on
 * from its cursor with full pages, so the records, and the files, are the same.
 * Errors go to the kinds they name: one about another kind's field does not fail
 * this one; one about the domain (no path below it) fails every kind of it, as
 * one request per kind would have.
 */
export class DomainPrefetch implements PageSource {
  private readonly byDomain: Map<string, KindPlan[]>;
  private readonly asked = new Map<string, Promise<Answer>>();

  constructor(
    private readonly source: PageSource,
    kinds: KindPlan[],
  ) {
    this.byDomain = kindsByDomain(kinds);
  }

  async firstPages(plan: FootprintPlan, personId: string, first: number): Promise<Answer> {
    const k = plan.kinds.length === 1 ? plan.kinds[0]! : undefined;
    const siblings = k ? this.byDomain.get(k.domain) : undefined;
    if (!k || !siblings?.includes(k)) return this.source.firstPages(plan, personId, first);
    let asked = this.asked.get(k.domain);
    if (!asked) {
      if (siblings.length < 2) return this.source.firstPages(plan, personId, first);
      // Half a page in all: held next to the pages being read and written, it adds at most half a page to a lane's memory.
      const share = Math.max(1, Math.floor(first / (2 * siblings.length)));
      asked = this.source.firstPages({ kinds: siblings, domains: plan.domains }, personId, share);
      this.asked.set(k.domain, asked);
    }
    // Handed over once: a kind asked again (a retry) reads alone, and the answer is let go once every kind has its part.
    const rest = siblings.filter((s) => s !== k);
    this.byDomain.set(k.domain, rest);
    if (rest.length === 0) this.asked.delete(k.domain);
    const answer = await asked;
    return partFor(answer, k);
  }

  nextPage(kind: KindPlan, personId: string, first: number, after: string | null): Promise<Answer> {
    return this.source.nextPage(kind, personId, first, after);
  }
}

/** One kind's part of a domain's answer: its connection, and the errors that concern it. */
function partFor(answer: Answer, k: KindPlan): Answer {
  const person = (answer.data as { person?: PersonData } | null | undefined)?.person;
  const errors = (answer.errors ?? []).filter((e: GraphQLErrorShape) => !(e.path?.[0] === 'person' && e.path[1] === k.domain && typeof e.path[2] === 'string' && e.path[2] !== k.field));
  let data: unknown = answer.data;
  if (person) {
    const domain = person[k.domain];
    let part: Record<string, unknown> | null = null;
    if (domain) {
      part = k.field in domain ? { [k.field]: domain[k.field] } : {};
      delete domain[k.field];
    }
    data = { person: { [k.domain]: part } };
  }
  return { ...(data !== undefined ? { data } : {}), ...(errors.length > 0 ? { errors } : {}) };
}
