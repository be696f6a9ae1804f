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

// The archive viewer runs from file://, where a module script is refused: it is one classic script (IIFE).
// Its catalogues and the world outline for its map are bundled in: an archive loads nothing from elsewhere.
await build({
  entryPoints: { 'viewer/viewer': join(root, 'src', 'viewer', 'viewer.ts') },
  outdir: dist,
  bundle: true,
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
