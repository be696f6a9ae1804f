import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The export thread loads its own copy of every module it imports, so its
 * import graph (thread-entry.ts and below) must stay narrow: the kit's barrel
 * is the whole subgraph runtime (Apollo Server, @apollo/subgraph, graphql-jit,
 * pg, the corrections and rights engines), several MB of heap in every thread
 * for nothing. Read from the compiled JavaScript (`npm run build`), where
 * type-only imports are gone: what is left is what the thread loads.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module file reached from `entry`, and every package (outside this repository) named on the way. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else if (spec.startsWith('@footprint/kit/')) visit(join(root, 'kit', 'dist', spec.slice('@footprint/kit/'.length)));
      else if (spec === '@footprint/kit') packages.add(spec);
      else if (spec.startsWith('@footprint/schema')) visit(join(root, 'schema', 'dist', spec === '@footprint/schema' ? 'index.js' : spec.slice('@footprint/schema/'.length)));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the export thread', () => {
  const entry = join(root, 'gateway', 'dist', 'exports', 'thread-entry.js');

  it('imports narrow kit modules, never the barrel or the subgraph runtime', () => {
    expect(existsSync(entry), `${entry}: run npm run build first`).toBe(true);
    const { files, packages } = importGraph(entry);
    // The graph really was followed: the thread's job loop and the archive code are in it.
    expect([...files].some((f) => f.endsWith(join('exports', 'worker.js')))).toBe(true);
    expect([...files].some((f) => f.endsWith(join('archive', 'build.js')))).toBe(true);
    for (const heavy of ['@footprint/kit', '@apollo/server', '@apollo/subgraph', '@apollo/gateway', 'graphql-jit', 'bullmq']) {
      expect(packages, `the export thread's imports reach ${heavy}`).not.toContain(heavy);
    }
  });
});

describe('the gateway', () => {
  it('loads BullMQ only when a queue is made (REDIS_URL), not at start', () => {
    const { files, packages } = importGraph(join(root, 'gateway', 'dist', 'index.js'));
    expect([...files].some((f) => f.endsWith(join('exports', 'bullmq.js')))).toBe(true);
    expect(packages).toContain('@apollo/gateway');
    expect(packages).not.toContain('bullmq');
  });
});
