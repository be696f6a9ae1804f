import { createHash } from 'node:crypto';
import { createTranslator } from '@footprint/i18n';
import { join } from 'node:path';
import { buildAccess } from './access.js';
import { buildIndexHtml } from './html.js';
import { buildManifest, distinctContents, domainSummaries, type ArchiveFacts, type DocFile, type Manifest } from './manifest.js';
import { buildPortable } from './portable.js';
import { buildProcessing } from './processing.js';
import { archiveLocale, viewerIndex, viewerIndexScript } from './viewer-data.js';
import { viewerAssets, withViewer } from './viewer-page.js';
import { domainName } from './texts.js';
import { writeZip, type ZipEntry } from './zip.js';

const doc = (path: string, format: string, mediaType: string, text: string): DocFile => {
  const content = Buffer.from(text, 'utf8');
  return { path, format, mediaType, content, sha256: createHash('sha256').update(content).digest('hex') };
};

export interface BuiltArchive {
  bytes: number;
  sha256: string;
  manifest: Manifest;
}

/**
 * Assembles the ZIP from the staged kind files and the generated documents:
 * index.html, manifest.json, processing.json, access.json, portable.json, schema.graphql
 * and, when anything is missing, INCOMPLETE.txt at the top where a person
 * opening the archive cannot miss it.
 */
export async function buildArchive(facts: ArchiveFacts, schemaText: string, stagingDir: string, finalPath: string, level: number): Promise<BuiltArchive> {
  const tr = createTranslator(facts.language, facts.timeZone ?? undefined);
  const processing = buildProcessing(facts, tr);
  const incomplete = domainSummaries(facts).filter((d) => d.status !== 'COMPLETE');
  // index.html is the offline viewer's page (viewer-page.ts); its data pages were staged with each kind.
  const docs: DocFile[] = [doc('index.html', 'html', 'text/html; charset=utf-8', withViewer(buildIndexHtml(facts, processing), archiveLocale(facts).language))];
  if (incomplete.length > 0) {
    const lines = [
      tr.t('archive.incomplete.title'),
      '',
      tr.t('archive.incomplete.intro'),
      ...incomplete.map((d) => tr.t('archive.incomplete.domain', { name: domainName(tr, d.domain), domain: d.domain, reason: d.reason ?? '' })),
      '',
      tr.t('archive.incomplete.outro'),
      '',
    ];
    docs.push(doc('INCOMPLETE.txt', 'text', 'text/plain; charset=utf-8', lines.join('\r\n')));
  }
  docs.push(doc('processing.json', 'json', 'application/json', `${JSON.stringify(processing, null, 2)}\n`));
  docs.push(doc('access.json', 'json', 'application/json', `${JSON.stringify(buildAccess(facts, tr), null, 2)}\n`));
  docs.push(doc('portable.json', 'json', 'application/json', `${JSON.stringify(buildPortable(facts), null, 2)}\n`));
  docs.push(doc('schema.graphql', 'graphql', 'application/graphql', schemaText));
  for (const a of viewerAssets()) docs.push({ path: a.path, format: 'viewer', mediaType: a.mediaType, content: a.content, sha256: createHash('sha256').update(a.content).digest('hex') });
  docs.push(doc('viewer/data/index.js', 'viewer', 'text/javascript; charset=utf-8', viewerIndexScript(viewerIndex(facts, processing))));
  const manifest = buildManifest(facts, docs);
  const entries: ZipEntry[] = [
    { name: docs[0]!.path, content: docs[0]!.content },
    { name: 'manifest.json', content: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') },
    ...docs.slice(1).map((d) => ({ name: d.path, content: d.content })),
    ...facts.kinds.flatMap((k) => k.files.map((f) => ({ name: f.path, file: join(stagingDir, f.path) }))),
    // Photos and synced files, each once however many records (of however many kinds) hold it.
    ...distinctContents(facts.kinds).map((c) => ({ name: c.path, file: join(stagingDir, c.path) })),
  ];
  const comment = tr.t('archive.zip.comment', { person: facts.person, complete: manifest.complete ? 'true' : 'false' });
  const { bytes, sha256 } = await writeZip(finalPath, entries, { level, date: new Date(facts.finishedAt), comment });
  return { bytes, sha256, manifest };
}
