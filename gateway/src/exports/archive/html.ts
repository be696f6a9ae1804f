import { incrementalBanner, selectionBanner } from '../incremental/banner.js';
import { domainSummaries, type ArchiveFacts } from './manifest.js';
import type { Processing } from './processing.js';
import { CSV_DIALECT } from './csv.js';
import { createTranslator, type MessageKey, type MessageValues, type Translator } from '@footprint/i18n';
import { textOr } from './texts.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);

const FORMAT_LABEL: Record<string, string> = { json: 'JSON', csv: 'CSV', vcard: 'vCard', geojson: 'GeoJSON' };
const href = (path: string) => path.split('/').map(encodeURIComponent).join('/');

const URL_OR_MAIL = /\bhttps?:\/\/[^\s<>"']+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
/**
 * Escapes text and makes every web address and e-mail address in it a link
 * (a link is navigation, not an asset: the CSP still loads nothing). Trailing
 * punctuation stays text.
 */
export function linkify(text: unknown): string {
  const s = String(text ?? '');
  let out = '';
  let at = 0;
  for (const m of s.matchAll(URL_OR_MAIL)) {
    let target = m[0];
    const trail = /[.,;:)]+$/.exec(target)?.[0] ?? '';
    target = target.slice(0, target.length - trail.length);
    out += esc(s.slice(at, m.index)) + (target.includes('@') && !target.startsWith('http') ? `<a href="mailto:${esc(target)}">${esc(target)}</a>` : `<a href="${esc(target)}" rel="noreferrer">${esc(target)}</a>`);
    at = m.index + target.length;
  }
  return out + esc(s.slice(at));
}

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:70rem;padding:1rem 1.5rem 4rem}
h1{font-size:1.8rem;margin:.5rem 0}h2{margin-top:2.5rem;border-bottom:2px solid #1a1a1a}h3{margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #8a8a8a;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#ececec}
td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em}
.banner{padding:1rem;border:3px solid;margin:1rem 0}.ok{border-color:#1d6b2f;background:#eef7f0}.bad{border-color:#a30000;background:#fdecec}
.status-bad{color:#a30000;font-weight:700}a{color:#0645ad}a:focus{outline:3px solid #e8a500}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
nav ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
details.domain{border:1px solid #8a8a8a;margin:.5rem 0;padding:0 .75rem}details.domain[open]{padding-bottom:.5rem}
details.domain>summary{cursor:pointer;padding:.5rem 0;font-weight:600}details.domain>summary:focus{outline:3px solid #e8a500}`;

/**
 * The archive's words: `archive.index.*` in the archive's language. `html()`
 * escapes a whole message and puts markup (links, <code>, <strong>) only where
 * its placeholders are, so a translation never carries markup and the markup
 * never has to be cut out of a sentence.
 */
class Words {
  readonly tr: Translator;
  constructor(language: string, timeZone: string | null | undefined) {
    this.tr = createTranslator(language, timeZone ?? undefined);
  }

  text(key: string, values?: MessageValues): string {
    return this.tr.t(`archive.index.${key}` as MessageKey, values);
  }

  /** The message escaped, with `markup` (already HTML) in its placeholders. */
  html(key: string, values: MessageValues = {}, markup: Record<string, string> = {}): string {
    const slots = Object.keys(markup);
    const marked = { ...values, ...Object.fromEntries(slots.map((k, i) => [k, `\uE000${i}\uE001`])) };
    return esc(this.text(key, marked)).replace(/\uE000(\d+)\uE001/g, (_, i: string) => markup[slots[Number(i)]!]!);
  }

  domain(d: string): string {
    return textOr(this.tr, `datamap.domain.${d}`, d);
  }

  bytes(n: number): string {
    if (n < 1024) return this.text('size.bytes', { size: n });
    const kb = n < 1024 * 1024;
    return this.text(kb ? 'size.kb' : 'size.mb', { size: Math.round((kb ? n / 1024 : n / 1024 / 1024) * 10) / 10 });
  }

  /** P6Y → 6 years, P18M → 18 months (ISO-8601 durations of retention rules). */
  duration(iso: string): string {
    const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(iso);
    if (!m) return iso;
    const parts = ([[m[1], 'years'], [m[2], 'months'], [m[3], 'days']] as const).filter(([n]) => n).map(([n, u]) => this.text(`duration.${u}`, { count: Number(n) }));
    return parts.join(' ') || iso;
  }
}

function erasureCell(w: Words, e: Processing['kinds'][number]['erasure']): string {
  const head = `<strong>${esc(w.text(`erasure.${e.action}`))}</strong>`;
  if (e.action === 'ANONYMIZE') return `${head}: ${esc(w.text('erasure.cleared', { fields: e.fields.join(', ') || '—' }))}${e.note ? ` — ${esc(e.note)}` : ''}`;
  if (e.action === 'RETAIN') {
    const kept = e.retainFor ? esc(w.text(e.retainFrom ? `erasure.keptFrom.${e.retainFrom}` : 'erasure.kept', { duration: w.duration(e.retainFor) })) : '';
    return `${head}: ${esc(e.note ?? '')}${kept ? ` — ${kept}` : ''}`;
  }
  return head;
}

function retainedSection(w: Words, p: Processing): string {
  const title = `<h3 id="erasure">${esc(w.text('erasure.title'))}</h3><p>${esc(p.erasure.about)}</p>`;
  if (p.erasure.retained.length === 0) return title;
  const howLong = (r: Processing['erasure']['retained'][number]) =>
    r.retainFor ? esc(r.from ? w.text(`erasure.howLong.${r.from}`, { duration: w.duration(r.retainFor) }) : w.duration(r.retainFor)) : esc(r.retention.description);
  const rows = p.erasure.retained
    .map((r) => `<tr><th scope="row">${esc(r.title)}<br><code>${esc(r.kind)}</code></th><td class="n">${esc(w.tr.number(r.records))}</td><td>${esc(r.ground ?? '')}</td><td>${howLong(r)}</td></tr>`)
    .join('\n');
  return `${title}
<table><caption>${esc(w.text('erasure.retained'))}</caption><thead><tr><th scope="col">${esc(w.text('col.data'))}</th><th scope="col">${esc(w.text('col.records'))}</th><th scope="col">${esc(w.text('col.ground'))}</th><th scope="col">${esc(w.text('col.howLong'))}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * index.html: the archive for a person to read, offline, in any browser —
 * plain HTML with its style inline and no external assets (a Content Security
 * Policy forbids loading any), in the archive's language. It lists every
 * domain and kind with counts and links to the files, says plainly whether
 * anything is missing, and carries the processing information and the
 * person's rights.
 */
export function buildIndexHtml(f: ArchiveFacts, processing: Processing): string {
  const w = new Words(f.language, f.timeZone);
  const th = (key: string) => `<th scope="col">${esc(w.text(key))}</th>`;
  const domains = domainSummaries(f);
  const incomplete = domains.filter((d) => d.status !== 'COMPLETE');
  const records = f.kinds.reduce((n, k) => n + k.done, 0);
  const byKind = new Map(processing.kinds.map((k) => [k.kind, k]));
  const title = (kind: string) => byKind.get(kind)?.title ?? f.meta.get(kind)?.title ?? kind;

  const banner = incomplete.length
    ? `<section class="banner bad" role="alert" aria-labelledby="incomplete-title"><h2 id="incomplete-title" style="margin-top:0;border:0">${esc(w.text('incomplete.title'))}</h2>
<p>${esc(w.text('incomplete.intro'))}</p>
<ul>${incomplete.map((d) => `<li><strong>${esc(w.domain(d.domain))}</strong> <small>(${esc(d.domain)})</small>: ${esc(d.reason)}</li>`).join('')}</ul>
<p>${esc(w.text('incomplete.again'))}</p></section>`
    : f.selection
      ? selectionBanner(f, f.language)
      : `<section class="banner ok" role="status"><p style="margin:0"><strong>${esc(w.text('complete.label'))}</strong> ${esc(w.text('complete.text', { records, domains: domains.length }))}</p></section>`;

  const contents = domains
    .map((d) => {
      const rows = d.kinds
        .map((k) => {
          // The viewer's page scripts are the viewer's, not files for a person to open.
          const data = k.files.filter((x) => x.format !== 'viewer').map((x) => `<a href="${href(x.path)}">${FORMAT_LABEL[x.format] ?? x.format}</a> <small>(${esc(w.bytes(x.size))})</small>`).join(', ');
          // Photos and synced files: in <domain>/files/, each linked from its record's "content.path".
          const held = k.contents.length > 0 ? w.html('held', { count: k.contents.length }, { folder: `<code>${esc(k.domain)}/files/</code>`, size: `<small>(${esc(w.bytes(k.contents.reduce((n, c) => n + c.size, 0)))})</small>` }) : '';
          const files = [data, held].filter(Boolean).join(', ') || '—';
          const status = k.status === 'COMPLETE' ? esc(w.text('status.complete')) : `<span class="status-bad">${esc(w.text(k.status === 'NOT_READ' ? 'status.notRead' : 'status.incomplete'))}</span>${k.error ? ` — ${esc(k.error)}` : ''}`;
          const count = k.status === 'COMPLETE' || k.total === null ? w.tr.number(k.done) : w.text('count.partial', { done: k.done, total: k.total });
          return `<tr><th scope="row">${esc(title(k.kind))}<br><code>${esc(k.kind)}</code></th><td class="n">${esc(count)}</td><td>${files}</td><td>${status}</td></tr>`;
        })
        .join('\n');
      const status = d.status === 'COMPLETE' ? esc(w.text('domain.complete')) : `<span class="status-bad">${esc(w.text('domain.incomplete'))}</span>`;
      return `<table><caption id="d-${esc(d.domain)}">${w.html('caption', { records: d.records }, { domain: esc(w.domain(d.domain)), status })}</caption>
<thead><tr>${th('col.data')}${th('col.records')}${th('col.files')}${th('col.status')}</tr></thead>
<tbody>${rows}</tbody></table>`;
    })
    .join('\n');

  const processing_ = processingSections(w, domains, byKind);

  const rights = processing.rights.map((r) => `<dt><strong>${esc(r.right)}</strong> <small>(${esc(r.article)})</small></dt><dd>${linkify(r.what)} <em>${esc(w.text('rights.how'))}</em> ${linkify(r.how)}</dd>`).join('\n');
  const controllers = processing.controllers
    .map((c) => `<li>${'grievanceOfficer' in c ? w.html('controller.grievance', { where: c.forUsersIn, name: c.name, address: c.address }, { officer: linkify(c.grievanceOfficer) }) : esc(w.text('controller', { where: c.forUsersIn, name: c.name, address: c.address }))}</li>`)
    .join('');
  const link = (path: string) => `<a href="${path}">${path}</a>`;
  const when = (iso: string) => w.tr.date(iso, 'dateTime');
  const made = w.html(f.requestedBy === 'OPERATOR' ? 'madeByOperator' : 'made', { finished: when(f.finishedAt), created: when(f.createdAt), version: f.footprintVersion }, { person: `<strong>${esc(f.person)}</strong>`, job: `<code>${esc(f.jobId)}</code>` });

  return `<!doctype html>
<html lang="${esc(w.tr.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(w.text('title', { person: f.person }))}</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#contents">${esc(w.text('skip'))}</a>
<header>
<h1>${esc(w.text('heading'))}</h1>
<p>${made}</p>
</header>
<main>
${banner}
${incrementalBanner(f, f.language)}
<nav aria-label="${esc(w.text('nav.label'))}"><ul><li><a href="#contents">${esc(w.text('nav.contents'))}</a></li><li><a href="#processing">${esc(w.text('nav.processing'))}</a></li><li><a href="#rights">${esc(w.text('nav.rights'))}</a></li><li><a href="#files">${esc(w.text('nav.files'))}</a></li></ul></nav>
<section id="contents" aria-labelledby="contents-title">
<h2 id="contents-title">${esc(w.text('nav.contents'))}</h2>
<p>${esc(w.text('contents.intro', { records }))}</p>
${contents}
</section>
<section id="processing" aria-labelledby="processing-title">
<h2 id="processing-title">${esc(w.text('nav.processing'))}</h2>
<p>${w.html('processing.intro', {}, { about: esc(processing.about), link: link('processing.json') })}</p>
${processing_}
${retainedSection(w, processing)}
${receivedFromSection(w, processing)}
<h3 id="profiling">${esc(w.text('profiling'))}</h3><p>${esc(processing.profiling.about)}</p>
${transfersSection(w, processing)}
</section>
<section id="rights" aria-labelledby="rights-title">
<h2 id="rights-title">${esc(w.text('nav.rights'))}</h2>
<dl>${rights}</dl>
<p>${linkify(processing.howToExercise)}</p>
<ul>${controllers}</ul>
</section>
<section id="files" aria-labelledby="files-title">
<h2 id="files-title">${esc(w.text('nav.files'))}</h2>
<ul>
<li>${w.html('files.manifest', {}, { link: link('manifest.json') })}</li>
<li>${w.html('files.processing', {}, { link: link('processing.json') })}</li>
<li>${w.html('files.portable', {}, { link: link('portable.json'), rule: esc(processing.portability) })}</li>
<li>${w.html('files.schema', {}, { link: link('schema.graphql') })}</li>
<li>${w.html('files.provenance', {}, { provenance: '<code>provenance</code>', portable: '<code>portable</code>' })}</li>
<li id="csv">${esc(w.text('files.csv', { standard: CSV_DIALECT.standard, encoding: w.text('csv.encoding') }))}
<ul>${Object.keys(CSV_DIALECT.columns).map((c) => `<li>${esc(w.text(`csv.${c}`))};</li>`).join('')}<li>${esc(w.text('csv.textConstant'))}. ${esc(w.text('files.csvEmpty'))}</li></ul>
${w.html('files.csvManifest', {}, { manifest: 'manifest.json' })}</li>
<li>${esc(w.text('files.masked'))}</li>
</ul>
</section>
</main>
</body>
</html>
`;
}

type ProcessingKindView = Processing['kinds'][number];

/**
 * The processing information, one collapsible section per part of our services
 * (closed at first: open, it is tens of thousands of pixels), with a list of
 * them to jump to. Each section's table has an id, so following a link to it
 * opens its section (browsers reveal a target inside a closed <details>).
 */
function processingSections(w: Words, domains: ReturnType<typeof domainSummaries>, byKind: Map<string, ProcessingKindView>): string {
  const sections = domains
    .map((d) => ({ domain: d.domain, kinds: d.kinds.map((k) => byKind.get(k.kind)).filter((k) => k !== undefined) }))
    .filter((s) => s.kinds.length > 0);
  const toc = `<nav aria-label="${esc(w.text('processing.toc'))}"><ul>${sections
    .map((s) => `<li><a href="#p-${esc(s.domain)}">${esc(w.domain(s.domain))}</a> <small>(${s.kinds.length})</small></li>`)
    .join('')}<li><a href="#erasure">${esc(w.text('erasure.title'))}</a></li><li><a href="#received-from">${esc(w.text('received.short'))}</a></li><li><a href="#profiling">${esc(w.text('profiling'))}</a></li><li><a href="#transfers">${esc(w.text('transfers.short'))}</a></li></ul></nav>`;
  const list = (cs: { description: string }[], none: string) => (cs.length ? `<ul>${cs.map((c) => `<li>${esc(c.description)}</li>`).join('')}</ul>` : esc(none));
  const from = (k: ProcessingKindView) =>
    list(k.sources, '—') + (k.receivedFrom.length ? `<p>${w.html('processing.from', {}, { sources: k.receivedFrom.map((o) => `${esc(o.name)} <small>(${esc(w.tr.number(o.records))})</small>`).join(', ') })}</p>` : '');
  const th = (key: string) => `<th scope="col">${esc(w.text(key))}</th>`;
  const head = ['col.data', 'col.purposes', 'col.legalBasis', 'col.retention', 'col.sources', 'col.recipients', 'col.regions', 'col.correctable', 'erasure.title', 'col.policy'].map(th).join('');
  const body = sections
    .map((s) => {
      const rows = s.kinds
        .map(
          (k) => `<tr><th scope="row">${esc(k.title)}${k.sensitive ? ` <small>${esc(w.text('processing.sensitive'))}</small>` : ''}<br><small>${esc(w.tr.t('common.records.count', { count: k.records }))}</small></th><td>${list(k.purposes, '—')}</td><td>${esc(k.legalBasis.description)}</td><td>${esc(k.retention.description)}</td>
<td>${from(k)}</td><td>${list(k.recipients, w.text('processing.notShared'))}</td><td>${list(k.regions, '—')}</td><td>${esc(k.correctable ? w.text('processing.correctable') : w.text('processing.notCorrectable', { reason: k.correctionNote ?? '' }))}</td><td>${erasureCell(w, k.erasure)}</td><td>${esc(k.policySection)}</td></tr>`,
        )
        .join('\n');
      const name = esc(w.domain(s.domain));
      return `<details class="domain"><summary>${w.html('processing.summary', { count: s.kinds.length }, { domain: name })}</summary>
<table id="p-${esc(s.domain)}"><caption>${name}</caption><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></details>`;
    })
    .join('\n');
  return `${toc}\n${body}`;
}

/** Art. 15(1)(g): the named sources of data we did not collect from the person. */
function receivedFromSection(w: Words, p: Processing): string {
  const rows = p.summary.receivedFrom;
  const th = (key: string) => `<th scope="col">${esc(w.text(key))}</th>`;
  return `<h3 id="received-from">${esc(w.text('received.title'))}</h3>${
    rows.length
      ? `<p>${esc(w.text('received.intro'))}</p><table><thead><tr>${th('col.source')}${th('col.data')}${th('col.records')}</tr></thead><tbody>${rows
          .map((r) => `<tr><th scope="row">${esc(r.name)}</th><td>${r.kinds.map((k) => esc(p.kinds.find((x) => x.kind === k)?.title ?? k)).join(', ')}</td><td class="n">${esc(w.tr.number(r.records))}</td></tr>`)
          .join('')}</tbody></table>`
      : `<p>${esc(w.text('received.none'))}</p>`
  }`;
}

/** Art. 15(2): each region the data is stored in, and for a third country its safeguard and who receives data there. */
function transfersSection(w: Words, p: Processing): string {
  const th = (key: string) => `<th scope="col">${esc(w.text(key))}</th>`;
  const rows = p.transfers.destinations
    .map(
      (d) => `<tr><th scope="row">${esc(d.country)}</th><td>${esc(w.text(d.thirdCountry ? 'transfers.thirdCountry' : 'transfers.notThirdCountry'))}</td><td>${esc(d.safeguard ? d.safeguard.description : w.text('transfers.noSafeguard'))}</td><td>${esc(w.text('transfers.kinds', { count: d.kinds.length }))}</td><td>${
        d.recipients.length || d.groupCompanies.length ? `<ul>${[...d.groupCompanies.map((g) => `<li>${esc(g)}</li>`), ...d.recipients.map((r) => `<li>${esc(r.description)}</li>`)].join('')}</ul>` : esc(w.text('transfers.nobody'))
      }</td></tr>`,
    )
    .join('');
  return `<h3 id="transfers">${esc(w.text('transfers.title'))}</h3><p>${linkify(p.transfers.about)}</p>
<table><thead><tr>${th('col.country')}${th('col.thirdCountry')}${th('col.safeguard')}${th('col.there')}${th('col.receiversThere')}</tr></thead><tbody>${rows}</tbody></table>`;
}
