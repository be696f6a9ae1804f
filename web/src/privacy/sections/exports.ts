import { t } from '../../lang.js';
import type { Section } from '../sections.js';
import { announce, gql, session } from '../session.js';
import { $, errorText, h } from '../ui.js';

/** Request an export of everything (Art. 15, 20), follow its progress, download the ZIP with the person's token. */

interface ExportJob {
  id: string;
  state: string;
  progress: { recordsDone: number; recordsTotal: number | null };
  error: { message: string } | null;
  archive: { url: string; sha256: string; sizeBytes: number } | null;
}
const JOB_FIELDS = 'id state progress { recordsDone recordsTotal } error { message } archive { url sha256 sizeBytes }';

const stateLine = (job: ExportJob) => {
  const { recordsDone: done, recordsTotal: total } = job.progress;
  const count = total ? t('privacy.export.countOf', { done, total }) : t('common.records.count', { count: done });
  return t('privacy.export.line', { state: t('privacy.export.state', { state: job.state }), count });
};

async function requestExport(): Promise<void> {
  const button = $<HTMLButtonElement>('export-button');
  button.disabled = true;
  $('download-button').hidden = true;
  const res = await gql<{ requestExport: ExportJob }>(`mutation { requestExport { ${JOB_FIELDS} } }`);
  const job = res.data?.requestExport;
  if (!job) {
    $('export-state').textContent = t('privacy.export.notStarted', { error: errorText(res) ?? '' });
    $('export-progress').hidden = false;
    button.disabled = false;
    return;
  }
  announce(t('privacy.export.requested'));
  await follow(job);
  button.disabled = false;
}

async function follow(initial: ExportJob): Promise<void> {
  let job: ExportJob | null = initial;
  $('export-progress').hidden = false;
  const bar = $('export-bar');
  for (;;) {
    if (!job) return;
    const { recordsDone, recordsTotal } = job.progress;
    const pct = recordsTotal ? Math.min(100, Math.round((recordsDone / recordsTotal) * 100)) : job.state === 'SUCCEEDED' ? 100 : 0;
    bar.setAttribute('value', String(pct));
    bar.textContent = `${pct}%`;
    $('export-state').textContent = stateLine(job);
    if (job.state === 'SUCCEEDED' && job.archive) {
      const download = $('download-button');
      download.hidden = false;
      download.dataset.url = job.archive.url;
      download.dataset.sha256 = job.archive.sha256;
      announce(t('privacy.export.ready'));
      download.focus();
      return;
    }
    if (['FAILED', 'CANCELLED', 'EXPIRED'].includes(job.state)) {
      $('export-state').textContent = job.error ? t('privacy.export.endedWhy', { state: job.state, error: job.error.message }) : t('privacy.export.ended', { state: job.state });
      return;
    }
    await new Promise<void>((r) => setTimeout(r, 700));
    const res: Awaited<ReturnType<typeof gql<{ exportJob: ExportJob | null }>>> = await gql<{ exportJob: ExportJob | null }>(`query($id: ID!) { exportJob(jobId: $id) { ${JOB_FIELDS} } }`, { id: job.id });
    job = res.data?.exportJob ?? null;
    if (!job) $('export-state').textContent = t('privacy.export.lost', { error: errorText(res) ?? '' });
  }
}

async function downloadArchive(): Promise<void> {
  const link = $('download-button').dataset.url;
  if (!link) return;
  // The link is signed by this gateway; fetch it here (same origin) with the person's token, as the download requires.
  const u = new URL(link);
  const res = await fetch(u.pathname + u.search, { headers: { authorization: `Bearer ${session.token ?? ''}` } });
  if (!res.ok) {
    $('export-state').textContent = t('privacy.export.downloadFailed', { status: res.status });
    return;
  }
  const href = URL.createObjectURL(await res.blob());
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'footprint-export.zip';
  const a = h('a', { href, download: name });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  announce(t('privacy.export.downloaded', { name }));
}

export const exportSection: Section = {
  id: 'export',
  title: 'privacy.export.title',
  nav: 'privacy.export.nav',
  render(body) {
    const button = h('button', { id: 'export-button', type: 'button', text: t('privacy.export.request') });
    const download = h('button', { id: 'download-button', type: 'button', text: t('privacy.export.download') });
    download.hidden = true;
    const progress = h(
      'div',
      { id: 'export-progress' },
      h('label', { for: 'export-bar', text: t('privacy.export.progress') }),
      h('progress', { id: 'export-bar', max: '100', value: '0', text: '0%' }),
      h('p', { id: 'export-state', 'aria-live': 'polite' }),
    );
    progress.hidden = true;
    button.addEventListener('click', () => void requestExport());
    download.addEventListener('click', () => void downloadArchive());
    body.append(h('p', { text: t('privacy.export.intro') }), button, progress, download);
  },
};
