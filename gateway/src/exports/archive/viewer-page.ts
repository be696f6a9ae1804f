import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTranslator } from '@footprint/i18n';
import { WEB_DIST } from '../../privacy/assets.js';

/**
 * The archive's index.html is the viewer's page: the document html.ts writes
 * (the file list, the processing information, the rights) stays in it, so that
 * without scripts it is what a person reads; with scripts the viewer
 * (web/src/viewer, built by @footprint/web) takes the page over and keeps that
 * document as its "About this archive" view.
 */

/** The built viewer, as the archive carries it (paths inside the archive). */
export const VIEWER_ASSETS = [
  { path: 'viewer/viewer.js', mediaType: 'text/javascript; charset=utf-8' },
  { path: 'viewer/viewer.css', mediaType: 'text/css; charset=utf-8' },
] as const;

let cached: { path: string; mediaType: string; content: Buffer }[] | null = null;

/** The viewer's files from @footprint/web's dist, read once per process. A missing build fails the export: an archive never ships without its viewer. */
export function viewerAssets(): { path: string; mediaType: string; content: Buffer }[] {
  if (cached) return cached;
  cached = VIEWER_ASSETS.map((a) => {
    try {
      return { ...a, content: readFileSync(join(WEB_DIST, a.path)) };
    } catch (err) {
      throw new Error(`The archive viewer is not built (${join(WEB_DIST, a.path)}): run npm run build -w @footprint/web`, { cause: err });
    }
  });
  return cached;
}

/**
 * Only the archive's own files: scripts and styles beside index.html, images
 * from the archive (photos), inline styles for the document's few style
 * attributes. Nothing from elsewhere, no inline script.
 */
export const VIEWER_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'";

/** index.html for the viewer: the document, with the viewer's style and scripts in its head and the viewer's root first in its body. */
export function withViewer(documentHtml: string, language: string): string {
  const t = createTranslator(language);
  const head = `<link rel="stylesheet" href="viewer/viewer.css">
<script src="viewer/viewer.js"></script>
<script src="viewer/data/index.js"></script>
</head>`;
  const body = `<body>
<div id="viewer-root"></div>
<noscript><p class="noscript">${escapeHtml(t.t('viewer.noscript'))}</p></noscript>`;
  return documentHtml
    .replace(/<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${VIEWER_CSP}">`)
    .replace('</head>', head)
    .replace(/<body>/, body);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);
