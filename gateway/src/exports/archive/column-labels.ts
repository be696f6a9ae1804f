import type { Translator } from '@footprint/i18n';
import type { Column } from './columns.js';
import { messageKey } from './texts.js';

/**
 * The CSV header row in the archive's language. A column keeps its machine
 * identity (name, GraphQL type, how it is written) in the manifest, in the same
 * order; the header cell is its label, `fields.<name>` (nested fields as dot
 * paths) — the same words the archive viewer shows, one catalogue for both —
 * else the name itself. A label two columns of one kind would share is
 * followed by the column's name, so each header cell is unique.
 */
export function columnLabels(columns: Column[], tr: Translator): string[] {
  const labels = columns.map((c) => {
    const key = messageKey(`fields.${c.name}`);
    return key ? tr.t(key) : c.name;
  });
  const seen = new Map<string, number>();
  for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
  return labels.map((l, i) => ((seen.get(l) ?? 0) > 1 && l !== columns[i]!.name ? `${l} (${columns[i]!.name})` : l));
}
