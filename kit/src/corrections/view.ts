import { z } from 'zod';
import { fail, erasurePolicy } from '@footprint/schema';
import { decodeCursor, encodeCursor } from '../connection.js';
import type { RecordRow } from '../store.js';
import type { CorrectionDeps } from './deps.js';
import type { Kind } from './kinds.js';
import { readField, valueText } from './values.js';

/**
 * The correction view: per kind the person holds, its fields with their
 * published rules and, per record, each value with the version a correction
 * must name; kinds that cannot be corrected, with the reason.
 */

export const ViewArgs = z.object({
  kinds: z.array(z.string().max(200)).max(100).nullish(),
  first: z.number().int().min(1, 'first must be at least 1').max(100, 'first may be at most 100').nullish(),
  after: z.string().max(200).nullish(),
});

export async function view(deps: Pick<CorrectionDeps, 'db' | 'domain' | 'all' | 'kinds' | 'signer'>, person: string, args: z.infer<typeof ViewArgs>) {
  const { domain } = deps;
  const wanted = args.kinds ? new Set(args.kinds) : null;
  if (args.after && wanted?.size !== 1) fail('BAD_USER_INPUT', 'after pages one kind: pass exactly one kind with it');
  const first = args.first ?? 20;
  const afterId = args.after ? decodeCursor(args.after) : 0;
  const correctable = [];
  const nonCorrectable = [];
  for (const meta of deps.all) {
    if (wanted && !wanted.has(meta.kind)) continue;
    const kind = deps.kinds.get(meta.kind);
    if (!meta.correctable || !kind) {
      nonCorrectable.push({
        kind: meta.kind,
        domain,
        title: meta.title,
        policySection: meta.policy,
        erasure: erasurePolicy(meta),
        reason: meta.correctable
          ? `Not correctable through Footprint yet: the ${domain} domain has no correction rules for it; ask support`
          : (meta.reason ?? 'The privacy policy does not make it correctable'),
      });
      continue;
    }
    const { rows, count } = await page(deps, kind, person, afterId, first);
    const shown = rows.slice(0, first);
    correctable.push({
      kind: meta.kind,
      domain,
      title: meta.title,
      policySection: meta.policy,
      scope: kind.spec.scope ?? null,
      erasure: erasurePolicy(meta),
      fields: [...kind.fields.values()].map((f) => ({
        name: f.name,
        label: f.spec.label,
        rule: f.rule,
        confirmation: f.spec.confirmWith ?? null,
        masked: Boolean(f.spec.mask),
        recipients: f.recipients,
      })),
      totalCount: count,
      records: shown.map((row) => {
        const recordId = `${meta.kind}:${row.id}`;
        return {
          recordId,
          label: kind.spec.label(row),
          values: [...kind.fields.values()].map((f) => {
            const v = readField(f.spec, f.name, f.rule.type, row);
            const text = valueText(v);
            return { field: f.name, value: text !== null && f.spec.mask ? f.spec.mask(text) : text, version: deps.signer.versionOf(recordId, f.name, v) };
          }),
        };
      }),
      pageInfo: { hasNextPage: rows.length > first, endCursor: shown.length ? encodeCursor(shown[shown.length - 1]!.id) : null },
    });
  }
  return { domain, correctable, nonCorrectable };
}

/** The person's correctable records of a kind after `afterId` (one more than `first`, to tell if there is a next page), and how many there are. */
async function page(deps: Pick<CorrectionDeps, 'db'>, kind: Kind, person: string, afterId: number, first: number): Promise<{ rows: RecordRow[]; count: number }> {
  const where = kind.spec.where;
  const base = () => {
    const q = deps.db.selectFrom(kind.table).where('personId', '=', person);
    return where ? q.where((eb) => where(eb)) : q;
  };
  const [rows, count] = await Promise.all([
    base().selectAll().where('id', '>', afterId).orderBy('id').limit(first + 1).execute(),
    base()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  // The kit's record tables all have RecordRow's columns (createRecordTable); AnyDB cannot say so.
  // biome-ignore lint/plugin: type-erasure boundary: AnyDB types a run-time table's rows as an index signature
  return { rows: rows as unknown as RecordRow[], count: Number(count.n) };
}
