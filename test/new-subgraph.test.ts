import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { describeConformance, importSubgraphDist } from './support/conformance.js';

/**
 * `npm run new-subgraph` in a private copy of the repository (its built
 * packages, the dependencies linked), so the working tree is never touched:
 * the scaffold must type-check, pass its own tests, compose and pass the
 * conformance suite as it comes out.
 */
const root = join(mkdtempSync(join(tmpdir(), 'footprint-scaffold-')), 'repo');
const name = `dom${Math.random().toString(36).slice(2, 8).replace(/[^a-z0-9]/g, 'x')}`;
const Name = name.charAt(0).toUpperCase() + name.slice(1);
const SKIP = new Set(['node_modules', '.git', '.turbo', 'data', 'artifacts', 'coverage']);

function copyRepository(): void {
  cpSync(REPO_ROOT, root, {
    recursive: true,
    filter: (src) => !SKIP.has(relative(REPO_ROOT, src).split(sep)[0]!),
  });
  // The dependencies are the repository's; the workspace packages are the copy's own.
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@footprint'), { recursive: true });
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry !== '@footprint') symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(modules, entry));
  }
  for (const [pkg, dir] of [['schema', 'schema'], ['i18n', 'i18n'], ['kit', 'kit'], ['web', 'web'], ['gateway', 'gateway'], ['scripts', 'scripts']]) symlinkSync(join(root, dir!), join(modules, '@footprint', pkg!));
}

/** This process's environment without vitest's own variables, which would make a child vitest think it is a worker. */
const childEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));
const run = (args: string[]) => spawnSync(process.execPath, [join(root, 'scripts', 'dist', 'new-subgraph.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000, env: childEnv() });
const list = () => JSON.parse(readFileSync(join(root, 'schema', 'subgraphs.json'), 'utf8')) as { name: string; port: number }[];

beforeAll(() => copyRepository());
afterAll(() => rmSync(join(root, '..'), { recursive: true, force: true }));

describe('npm run new-subgraph', () => {
  let before: { name: string; port: number }[];

  it('creates a subgraph of the same shape as the others, registers it on the next free port and composes it', () => {
    before = list();
    const r = run([name]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Created subgraphs/${name} \\(port ${Math.max(...before.map((s) => s.port)) + 1}\\)`));
    expect(r.stdout).toMatch(/npm install +links the new workspace/);
    expect(list()).toEqual([...before, { name, port: Math.max(...before.map((s) => s.port)) + 1 }]);
    const dir = join(root, 'subgraphs', name);
    for (const f of [
      'package.json',
      'tsconfig.json',
      'schema.graphql',
      'src/index.ts',
      'src/subgraph.ts',
      'src/store.ts',
      'src/loaders.ts',
      'src/seed.ts',
      'src/resolvers/records.ts',
      'src/generated/resolvers.ts',
      `test/${name}.test.ts`,
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe(`@footprint/subgraph-${name}`);
    // Every record type maps to its table's row, from the one description in store.ts.
    expect(readFileSync(join(dir, 'src/generated/resolvers.ts'), 'utf8')).toContain(`${Name}Example: ResolverTypeWrapper<KindRows['${Name}Example']>;`);
    for (const gone of ['src/server.ts', 'src/context.ts']) expect(existsSync(join(dir, gone)), gone).toBe(false);
    const supergraph = readFileSync(join(root, 'gateway', 'supergraph.graphql'), 'utf8');
    expect(supergraph).toMatch(new RegExp(`type ${Name}Example implements PersonalData\\n[^{]*@join__type\\(graph: ${name.toUpperCase()}\\)\\n[^{]*@personalData\\(kind: "${name}\\.example"`));
    // The working tree is untouched.
    expect(existsSync(join(REPO_ROOT, 'subgraphs', name))).toBe(false);
  });

  it('type-checks and builds, and passes the tests it comes with', () => {
    const dir = join(root, 'subgraphs', name);
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    // Its own tests only: without the repository's global setup, which starts a whole federation.
    const config = join(root, '..', 'vitest.scaffold.mjs');
    writeFileSync(config, "export default { test: { include: ['test/**/*.test.ts'] } };\n");
    const vitest = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', config, '--root', dir], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...childEnv(), NO_COLOR: '1' },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/Tests +2 passed/);
  });

  it('refuses a name that exists, is reserved or is not a plain lower-case word, and changes nothing', () => {
    const now = list();
    for (const [arg, why] of [
      [name, /already exists/],
      ['account', /already exists/],
      ['gateway', /reserved/],
      ['discovery', /reserved/],
      ['Music', /lower-case letters and digits/],
      ['my-domain', /lower-case letters and digits/],
      ['x', /2–30/],
    ] as const) {
      const r = run([arg]);
      expect(r.status, arg).toBe(2);
      expect(r.stderr, arg).toMatch(why);
    }
    expect(run([]).stderr).toMatch(/usage: npm run new-subgraph -- <name>/);
    expect(run(['other1', '--port', String(now[0]!.port)]).stderr).toMatch(/that port is taken/);
    expect(list()).toEqual(now);
  });

  it('undoes everything when the new subgraph does not compose', () => {
    const template = join(root, 'scripts', 'templates', 'subgraph', 'schema.graphql.tmpl');
    const good = readFileSync(template, 'utf8');
    // Valid SDL, but Person.account belongs to the account domain.
    writeFileSync(template, `${good}\nextend type Person {\n  account: String\n}\n`);
    try {
      const now = list();
      const r = run(['broken1']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/does not compose with the others:\n.*Person\.account/s);
      expect(r.stderr).toMatch(/Nothing was kept/);
      expect(existsSync(join(root, 'subgraphs', 'broken1'))).toBe(false);
      expect(list()).toEqual(now);
    } finally {
      writeFileSync(template, good);
    }
  });
});

// The scaffold, built above, passes the same suite as every subgraph.
describeConformance(name, () => importSubgraphDist(join(root, 'subgraphs', name, 'dist')));
