import { describe, expect, it } from 'vitest';
import type { FootprintPlan, KindPlan } from '../src/footprint/plan.js';
import { traverseFootprint, type Answer, type GraphQLErrorShape, type PageSource } from '../src/footprint/traverse.js';
import { DomainPrefetch } from '../src/exports/prefetch.js';

/**
 * DomainPrefetch on a source of known records: read kind by kind as an export job does, it gives every kind the
 * same records as asking each kind alone, in fewer requests, and each error to the kinds it concerns.
 */

const kind = (domain: string, field: string): KindPlan => ({ domain, field, typename: field, selection: 'id' });
const KINDS = [kind('cloud', 'notes'), kind('cloud', 'contacts'), kind('cloud', 'locations'), kind('music', 'playbacks')];
const SIZES: Record<string, number> = { 'cloud.notes': 3, 'cloud.contacts': 0, 'cloud.locations': 25, 'music.playbacks': 7 };

/** Records `<domain>.<field>#<n>`, paged by an index cursor; `fail` adds errors to first-page answers. */
function source(fail: (kinds: KindPlan[]) => GraphQLErrorShape[] = () => []) {
  const calls: string[] = [];
  const conn = (k: KindPlan, from: number, first: number) => {
    const total = SIZES[`${k.domain}.${k.field}`]!;
    const nodes = Array.from({ length: Math.max(0, Math.min(first, total - from)) }, (_, i) => ({ id: `${k.domain}.${k.field}#${from + i}` }));
    return { totalCount: total, pageInfo: { hasNextPage: from + nodes.length < total, endCursor: String(from + nodes.length) }, nodes };
  };
  const src: PageSource = {
    async firstPages(plan, _id, first): Promise<Answer> {
      calls.push(`first ${plan.kinds.map((k) => k.field).join(',')} ${first}`);
      const person: Record<string, Record<string, unknown>> = {};
      for (const k of plan.kinds) person[k.domain] = { ...person[k.domain], [k.field]: conn(k, 0, first) };
      const errors = fail(plan.kinds);
      return { data: { person }, ...(errors.length ? { errors } : {}) };
    },
    async nextPage(k, _id, first, after): Promise<Answer> {
      calls.push(`next ${k.field} ${after}`);
      return { data: { person: { [k.domain]: { [k.field]: conn(k, Number(after), first) } } } };
    },
  };
  return { src, calls };
}

async function readKindByKind(src: PageSource) {
  const read: Record<string, string[]> = {};
  const failed: Record<string, string> = {};
  for (const k of KINDS) {
    const plan: FootprintPlan = { kinds: [k], domains: ['cloud', 'music'] };
    await traverseFootprint(
      plan,
      'p1',
      src,
      {
        onPage: ({ records }) => {
          read[k.field] = [...(read[k.field] ?? []), ...records.map((r) => String(r.id))];
        },
        onDomainError: (_d, e) => {
          failed[k.field] = e.message;
        },
      },
      10,
    );
  }
  return { read, failed };
}

describe('DomainPrefetch', () => {
  it("reads the first pages of a domain's kinds in one request of at most half a page, and the same records as kind by kind", async () => {
    const alone = source();
    const together = source();
    const a = await readKindByKind(alone.src);
    const b = await readKindByKind(new DomainPrefetch(together.src, KINDS));
    expect(b).toEqual(a);
    expect(b.read.locations).toHaveLength(25);
    // Ten a page: cloud's three kinds share one first request of half a page (1 each), music reads alone.
    expect(together.calls.filter((c) => c.startsWith('first'))).toEqual(['first notes,contacts,locations 1', 'first playbacks 10']);
    expect(alone.calls.filter((c) => c.startsWith('first'))).toHaveLength(4);
  });

  it('fails only the kinds an error names, and every kind of a domain for an error about the domain', async () => {
    const field = source((ks) => (ks.length > 1 ? [{ message: 'notes broke', path: ['person', 'cloud', 'notes'], extensions: { domain: 'cloud' } }] : []));
    const r1 = await readKindByKind(new DomainPrefetch(field.src, KINDS));
    expect(r1.failed).toEqual({ notes: 'notes broke' });
    expect(r1.read.locations).toHaveLength(25);

    const domain = source((ks) => (ks.some((k) => k.domain === 'cloud') ? [{ message: 'cloud down', path: ['person', 'cloud'], extensions: { domain: 'cloud' } }] : []));
    const r2 = await readKindByKind(new DomainPrefetch(domain.src, KINDS));
    expect(r2.failed).toEqual({ notes: 'cloud down', contacts: 'cloud down', locations: 'cloud down' });
  });
});
