import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { listSubgraphs, SUBGRAPHS_FILE } from '@footprint/schema';
import { REPO_ROOT, subgraphDir } from '@footprint/kit';

/**
 * npm run new-subgraph -- <name> [--port N]
 *
 * Creates subgraphs/<name> from scripts/templates/subgraph (the same shape as
 * every other domain, with one example kind), registers it in
 * schema/subgraphs.json on the next free port, generates its resolver types and
 * composes the supergraph with it. Anything that fails is undone.
 */
const TEMPLATE_DIR = join(REPO_ROOT, 'scripts', 'templates', 'subgraph');
/** Names the federation already uses for something else (the gateway's own subgraph, fields of Person). */
const RESERVED = ['gateway', 'id', 'discovery'];

const existing = listSubgraphs();
const Name = z
  .string()
  .regex(/^[a-z][a-z0-9]{1,29}$/, 'a subgraph name is 2–30 lower-case letters and digits, starting with a letter (it becomes Person.<name>)')
  .refine((n) => !RESERVED.includes(n), { message: `that name is reserved (${RESERVED.join(', ')})` })
  .refine((n) => !existing.some((s) => s.name === n) && !existsSync(subgraphDir(n)), { message: 'a subgraph of that name already exists' });
const Port = z.coerce
  .number()
  .int()
  .min(1024)
  .max(65535)
  .refine((p) => p !== 4000 && !existing.some((s) => s.port === p), { message: 'that port is taken (4000 is the gateway; see schema/subgraphs.json)' });

function die(message: string): never {
  console.error(`new-subgraph: ${message}`);
  process.exit(2);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { port: { type: 'string' } } });
  } catch (err) {
    return die(`${err instanceof Error ? err.message : String(err)}\nusage: npm run new-subgraph -- <name> [--port N]`);
  }
})();
if (positionals.length !== 1) die('usage: npm run new-subgraph -- <name> [--port N]');
const name = Name.safeParse(positionals[0]);
if (!name.success) die(`"${positionals[0]}": ${name.error.issues[0]!.message}`);
const port = Port.safeParse(values.port ?? Math.max(4000, ...existing.map((s) => s.port)) + 1);
if (!port.success) die(`--port ${values.port}: ${port.error.issues[0]!.message}`);

const vars: Record<string, string> = {
  name: name.data,
  Name: name.data.charAt(0).toUpperCase() + name.data.slice(1),
};
const render = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (m, key: string) => vars[key] ?? m);

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? templateFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

const dir = subgraphDir(name.data);
const listBefore = readFileSync(SUBGRAPHS_FILE, 'utf8');
function undo(why: string): never {
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(SUBGRAPHS_FILE, listBefore);
  die(`${why}\nNothing was kept: subgraphs/${name.data} was removed and schema/subgraphs.json restored.`);
}

try {
  for (const file of templateFiles(TEMPLATE_DIR)) {
    const target = join(dir, render(relative(TEMPLATE_DIR, file)).replace(/\.tmpl$/, ''));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, render(readFileSync(file, 'utf8')), { flag: 'wx' });
  }
  // One entry per line, as the file is written by hand too.
  const list = [...existing, { name: name.data, port: port.data }];
  writeFileSync(SUBGRAPHS_FILE, `[\n${list.map((s) => `  { "name": ${JSON.stringify(s.name)}, "port": ${s.port} }`).join(',\n')}\n]\n`);
  listSubgraphs();
} catch (err) {
  undo(`could not write the subgraph: ${err instanceof Error ? err.message : String(err)}`);
}

const codegen = spawnSync('npm', ['run', '--silent', 'codegen'], { cwd: REPO_ROOT, env: { ...process.env, CODEGEN_ONLY: name.data }, encoding: 'utf8' });
// graphql-codegen can exit 0 without writing anything when the SDL does not parse: check the file too.
if (codegen.status !== 0 || !existsSync(join(dir, 'src', 'generated', 'resolvers.ts'))) {
  undo(`codegen failed: no src/generated/resolvers.ts was written\n${codegen.stderr || codegen.stdout}`);
}

// Composes exactly as the build does, and writes gateway/supergraph.graphql with the new domain in it.
const compose = spawnSync(process.execPath, [join(REPO_ROOT, 'gateway', 'dist', 'compose-cli.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
if (compose.status !== 0) undo(`the new subgraph does not compose with the others:\n${compose.stderr || compose.stdout}`);

console.log(`Created subgraphs/${name.data} (port ${port.data}), registered it in schema/subgraphs.json, generated its resolver types;
it composes with the other ${existing.length} subgraphs and the gateway (gateway/supergraph.graphql).

Next:
  1. npm install        links the new workspace and adds it to package-lock.json (commit both)
  2. edit subgraphs/${name.data}/schema.graphql: replace the example kind with yours, each with its @personalData
     metadata and a field returning <Type>Connection! (the kit derives the Connection/Edge pair); describe its table
     once in src/store.ts (recordTable('<Type>', { columns })), seed it in src/seed.ts, resolve what differs in src/resolvers/;
     then CODEGEN_ONLY=${name.data} npm run codegen
  3. list your kinds in schema/src/inventory.ts (npm run check:coverage fails until every kind is listed)
  4. npm test           your own tests, and the conformance suite for ${name.data} (test/unit/conformance.test.ts)
  5. npm run data-map   your kinds in the record of processing
`);
