import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractTypeDefs, TAXONOMY } from '@footprint/schema';
import { REPO_ROOT } from '@footprint/kit';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

// The contract is what a product team (or any reader of the data map) depends on; it must not drag in the kit's runtime.
describe('the contract package (@footprint/schema)', () => {
  const dir = join(REPO_ROOT, 'schema');

  it('depends on graphql alone', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['graphql']);
  });

  it('imports nothing but graphql, Node built-ins and its own files', () => {
    const bad: string[] = [];
    for (const f of readdirSync(join(dir, 'src')).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(dir, 'src', f), 'utf8').matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        if (!(spec === 'graphql' || spec.startsWith('node:') || spec.startsWith('./'))) bad.push(`${f}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('ships its SDL as .graphql files that parse, with the taxonomy enums generated in', () => {
    const files = readdirSync(join(dir, 'graphql')).filter((n) => n.endsWith('.graphql'));
    expect(files.sort()).toEqual(['corrections.graphql', 'directive.graphql', 'personal-data.graphql', 'rights.graphql']);
    for (const f of files) expect(() => parse(readFileSync(join(dir, 'graphql', f), 'utf8'))).not.toThrow();
    const doc = parse(contractTypeDefs);
    const enums = new Set(doc.definitions.flatMap((d) => (d.kind === 'EnumTypeDefinition' ? [d.name.value] : [])));
    for (const name of Object.keys(TAXONOMY)) expect(enums.has(name), name).toBe(true);
  });
});
