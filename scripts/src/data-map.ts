import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createTranslator, LANGUAGES, negotiateLanguage } from '@footprint/i18n';
import { plainDataMap } from '@footprint/gateway/datamap/plain';
import { buildDataMap, renderDataMapMarkdown } from '@footprint/schema';
import { REPO_ROOT } from '@footprint/kit';
import { readSupergraph, SUPERGRAPH_FILE } from './supergraph.js';

/**
 * npm run data-map [-- --out DIR] [--supergraph FILE] [--language en|az]
 *
 * Writes the record of processing, read from the composed supergraph, as
 * DIR/data-map.json and DIR/data-map.md (default DIR: artifacts/, kept out of git
 * because it is generated from the schema). data-map.json's `plain` holds every
 * entry in plain words in --language (default: the shell's LANG, else English).
 */
const Args = z.object({
  out: z.string().min(1).default(join(REPO_ROOT, 'artifacts')),
  supergraph: z.string().min(1).default(SUPERGRAPH_FILE),
  language: z.enum(LANGUAGES, { message: `takes one of ${LANGUAGES.join(', ')}` }).optional(),
});

try {
  const { values } = parseArgs({ options: { out: { type: 'string' }, supergraph: { type: 'string' }, language: { type: 'string' } } });
  const args = Args.parse(values);
  const supergraph = readSupergraph(args.supergraph);
  const map = buildDataMap(supergraph.sdl);
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  const tr = createTranslator(args.language ?? negotiateLanguage((process.env.LC_ALL || process.env.LANG || '').split('.')[0]?.replace('_', '-')));
  const json = { supergraph: { file: relative(REPO_ROOT, supergraph.file), sha256: supergraph.sha256 }, ...map, plain: plainDataMap(map, tr) };
  writeFileSync(join(out, 'data-map.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(out, 'data-map.md'), renderDataMapMarkdown(map));
  console.log(`data map: ${map.entries.length} record types in ${map.domains.length} domains (${map.domains.map((d) => d.name).join(', ')})`);
  console.log(`written to ${join(out, 'data-map.json')} and ${join(out, 'data-map.md')}`);
  if (map.problems.length > 0) console.warn(`${map.problems.length} metadata problem(s), listed in data-map.md; npm run check:coverage fails on them`);
} catch (err) {
  console.error(`data-map: ${err instanceof z.ZodError ? err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ') : err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
