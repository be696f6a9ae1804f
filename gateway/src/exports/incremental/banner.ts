import { createTranslator } from '@footprint/i18n';
import type { ArchiveFacts } from '../archive/manifest.js';

/**
 * index.html's word on an export of what is new, so that a person who opens
 * it does not take the few records in it for all they have. Empty for a full export.
 * In the archive's language, as the rest of index.html.
 */
export function incrementalBanner(f: ArchiveFacts, language = 'en'): string {
  if (!f.incremental) return '';
  const t = createTranslator(language, 'UTC');
  const since = f.incremental.since;
  const sum = (field: 'added' | 'changed' | 'removed') => f.kinds.reduce((n, k) => n + (k.changes?.[field] ?? 0), 0);
  const text = since
    ? t.t('schedule.archive.banner.compared', { since: since.finishedAt ? t.date(since.finishedAt) : since.jobId, added: sum('added'), changed: sum('changed'), removed: sum('removed') })
    : t.t('schedule.archive.banner.first');
  return `<section class="banner ok" role="note"><p style="margin:0">${escapeHtml(text)}</p></section>`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** index.html's word on an archive of chosen kinds, in place of "Complete: everything was read". */
export function selectionBanner(f: ArchiveFacts, language = 'en'): string {
  const t = createTranslator(language, 'UTC');
  return `<section class="banner ok" role="status"><p style="margin:0">${escapeHtml(t.t('schedule.archive.banner.selection', { count: f.selection?.length ?? 0 }))}</p></section>`;
}
