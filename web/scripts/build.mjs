// Bundles each page's entry into one script (no module graph to fetch, nothing
// loaded from elsewhere) and copies the static HTML and CSS beside it: dist/ is
// what the gateway serves and what an export embeds.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(root, 'static'), dist, { recursive: true });

/** Entry points: src/<page>/<entry>.ts → dist/<page>/<entry>.js. */
const ENTRIES = ['privacy/app', 'privacy/desk', 'consent/consent'];
await build({
  entryPoints: Object.fromEntries(ENTRIES.map((e) => [e, join(root, 'src', `${e}.ts`)])),
  outdir: dist,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
