import { incrementalBanner, selectionBanner } from '../incremental/banner.js';
import { domainSummaries, type ArchiveFacts } from './manifest.js';
import type { Processing } from './processing.js';
import { CSV_DIALECT } from './csv.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);

const FORMAT_LABEL: Record<string, string> = { json: 'JSON', csv: 'CSV', vcard: 'vCard', geojson: 'GeoJSON' };
const nf = new Intl.NumberFormat('en-GB');
const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
const date = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
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

/** P6Y → 6 years, P18M → 18 months (ISO-8601 durations of retention rules). */
function duration(iso: string): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(iso);
  if (!m) return iso;
  const parts = [[m[1], 'year'], [m[2], 'month'], [m[3], 'day']].filter(([n]) => n).map(([n, u]) => `${n} ${u}${n === '1' ? '' : 's'}`);
  return parts.join(' ') || iso;
}

const ERASURE_LABEL = { DELETE: 'Deleted', ANONYMIZE: 'Anonymised', RETAIN: 'Kept by law' } as const;

function erasureCell(e: Processing['kinds'][number]['erasure']): string {
  const head = `<strong>${ERASURE_LABEL[e.action]}</strong>`;
  if (e.action === 'ANONYMIZE') return `${head}: ${esc(e.fields.join(', ') || '—')} cleared${e.note ? ` — ${esc(e.note)}` : ''}`;
  if (e.action === 'RETAIN') return `${head}: ${esc(e.note ?? '')}${e.retainFor ? ` — kept ${esc(duration(e.retainFor))}${e.retainFrom ? ` from ${e.retainFrom === 'ERASURE' ? 'the erasure' : 'when it was collected'}` : ''}` : ''}`;
  return head;
}

function retainedSection(p: Processing): string {
  if (p.erasure.retained.length === 0) return `<h3 id="erasure">If you ask for erasure</h3><p>${esc(p.erasure.about)}</p>`;
  const rows = p.erasure.retained
    .map((r) => `<tr><th scope="row">${esc(r.title)}<br><code>${esc(r.kind)}</code></th><td class="n">${nf.format(r.records)}</td><td>${esc(r.ground ?? '')}</td><td>${r.retainFor ? `${esc(duration(r.retainFor))}${r.from ? ` from ${r.from === 'ERASURE' ? 'the erasure' : 'when it was collected'}` : ''}` : esc(r.retention.description)}</td></tr>`)
    .join('\n');
  return `<h3 id="erasure">If you ask for erasure</h3><p>${esc(p.erasure.about)}</p>
<table><caption>Kept by law after an erasure</caption><thead><tr><th scope="col">Data</th><th scope="col">Records</th><th scope="col">Legal ground</th><th scope="col">How long</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * index.html: the archive for a person to read, offline, in any browser —
 * plain HTML with its style inline and no external assets (a Content Security
 * Policy forbids loading any). It lists every domain and kind with counts and
 * links to the files, says plainly whether anything is missing, and carries
 * the processing information and the person's rights.
 */
export function buildIndexHtml(f: ArchiveFacts, processing: Processing): string {
  const domains = domainSummaries(f);
  const incomplete = domains.filter((d) => d.status !== 'COMPLETE');
  const records = f.kinds.reduce((n, k) => n + k.done, 0);
  const byKind = new Map(processing.kinds.map((k) => [k.kind, k]));

  const banner = incomplete.length
    ? `<section class="banner bad" role="alert" aria-labelledby="incomplete-title"><h2 id="incomplete-title" style="margin-top:0;border:0">This archive is INCOMPLETE</h2>
<p>Some of your data could not be read when this archive was made, so it is <strong>not</strong> a complete copy. Missing or partial:</p>
<ul>${incomplete.map((d) => `<li><strong>${esc(d.domain)}</strong>: ${esc(d.reason)}</li>`).join('')}</ul>
<p>Ask for a new export later to get a complete copy.</p></section>`
    : f.selection
      ? selectionBanner(f)
      : `<section class="banner ok" role="status"><p style="margin:0"><strong>Complete.</strong> Every domain that holds data about you was read in full: ${nf.format(records)} records in ${domains.length} domains.</p></section>`;

  const contents = domains
    .map((d) => {
      const rows = d.kinds
        .map((k) => {
          const title = f.meta.get(k.kind)?.title ?? k.kind;
          // The viewer's page scripts are the viewer's, not files for a person to open.
          const data = k.files.filter((x) => x.format !== 'viewer').map((x) => `<a href="${href(x.path)}">${FORMAT_LABEL[x.format] ?? x.format}</a> <small>(${bytes(x.size)})</small>`).join(', ');
          // Photos and synced files: in <domain>/files/, each linked from its record's "content.path".
          const held = k.contents.length > 0 ? `${nf.format(k.contents.length)} files in <code>${esc(k.domain)}/files/</code> <small>(${bytes(k.contents.reduce((n, c) => n + c.size, 0))})</small>` : '';
          const files = [data, held].filter(Boolean).join(', ') || '—';
          const status = k.status === 'COMPLETE' ? 'Complete' : `<span class="status-bad">${esc(k.status === 'NOT_READ' ? 'NOT READ' : 'INCOMPLETE')}</span>${k.error ? ` — ${esc(k.error)}` : ''}`;
          const count = k.status === 'COMPLETE' || k.total === null ? nf.format(k.done) : `${nf.format(k.done)} of ${nf.format(k.total)}`;
          return `<tr><th scope="row">${esc(title)}<br><code>${esc(k.kind)}</code></th><td class="n">${count}</td><td>${files}</td><td>${status}</td></tr>`;
        })
        .join('\n');
      const status = d.status === 'COMPLETE' ? 'complete' : '<span class="status-bad">INCOMPLETE</span>';
      return `<table><caption id="d-${esc(d.domain)}">${esc(d.domain)} — ${nf.format(d.records)} records, ${status}</caption>
<thead><tr><th scope="col">Data</th><th scope="col">Records</th><th scope="col">Files</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody></table>`;
    })
    .join('\n');

  const processing_ = processingSections(domains, byKind);

  const rights = processing.rights.map((r) => `<dt><strong>${esc(r.right)}</strong> <small>(${esc(r.article)})</small></dt><dd>${linkify(r.what)} <em>How:</em> ${linkify(r.how)}</dd>`).join('\n');
  const controllers = processing.controllers.map((c) => `<li>For users in ${esc(c.forUsersIn)}: ${esc(c.name)}, ${esc(c.address)}${'grievanceOfficer' in c ? `; grievance officer ${linkify(c.grievanceOfficer)}` : ''}</li>`).join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Your personal data — account ${esc(f.person)}</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#contents">Skip to the contents</a>
<header>
<h1>Your personal data</h1>
<p>Account <strong>${esc(f.person)}</strong>. Archive made ${esc(date(f.finishedAt))} (requested ${esc(date(f.createdAt))}${f.requestedBy === 'OPERATOR' ? ', by our staff on your written request' : ''}). Job <code>${esc(f.jobId)}</code>, Footprint ${esc(f.footprintVersion)}.</p>
</header>
<main>
${banner}
${incrementalBanner(f)}
<nav aria-label="On this page"><ul><li><a href="#contents">What is in this archive</a></li><li><a href="#processing">How your data is processed</a></li><li><a href="#rights">Your rights</a></li><li><a href="#files">About the files</a></li></ul></nav>
<section id="contents" aria-labelledby="contents-title">
<h2 id="contents-title">What is in this archive</h2>
<p>${nf.format(records)} records, grouped by the part of our services that holds them. Each kind of data has a JSON file (structured, for programs) and a CSV file (for spreadsheets); contacts also come as vCard and locations as GeoJSON.</p>
${contents}
</section>
<section id="processing" aria-labelledby="processing-title">
<h2 id="processing-title">How your data is processed</h2>
<p>${esc(processing.about)} The same information is in <a href="processing.json">processing.json</a>. Open a part of our services to see its data; the list below jumps to it.</p>
${processing_}
${retainedSection(processing)}
${receivedFromSection(processing)}
<h3 id="profiling">Profiling</h3><p>${esc(processing.profiling.about)}</p>
${transfersSection(processing)}
</section>
<section id="rights" aria-labelledby="rights-title">
<h2 id="rights-title">Your rights</h2>
<dl>${rights}</dl>
<p>${linkify(processing.howToExercise)}</p>
<ul>${controllers}</ul>
</section>
<section id="files" aria-labelledby="files-title">
<h2 id="files-title">About the files</h2>
<ul>
<li><a href="manifest.json">manifest.json</a> lists every file with its size, number of records and SHA-256 checksum, and whether each domain is complete — to check the archive.</li>
<li><a href="processing.json">processing.json</a>: how each kind of data is processed, and your rights.</li>
<li><a href="portable.json">portable.json</a>: the data you can take to another company (GDPR Art. 20). ${esc(processing.portability)}</li>
<li><a href="schema.graphql">schema.graphql</a>: what every field means and its type.</li>
<li>Every record says its <code>provenance</code>: <em>provided</em> by you, <em>observed</em> while you used our services, <em>inferred</em> by us, or <em>received</em> from a third party; and whether it is <code>portable</code>.</li>
<li id="csv">Dates and times are ISO-8601 in UTC. CSV files are ${esc(CSV_DIALECT.standard)}, ${esc(CSV_DIALECT.encoding)}, one column per field, written by its type so that a spreadsheet shows the same values as the JSON files and never runs a formula:
<ul>${Object.values(CSV_DIALECT.columns).map((c) => `<li>${esc(c)};</li>`).join('')}<li>${esc(CSV_DIALECT.textConstant)}. An empty cell is no value; "" is empty text.</li></ul>
manifest.json says for every CSV column its type and which of these rules applies.</li>
<li>Messages show the other people in a conversation only as masked numbers: their data is theirs.</li>
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
function processingSections(domains: ReturnType<typeof domainSummaries>, byKind: Map<string, ProcessingKindView>): string {
  const sections = domains
    .map((d) => ({ domain: d.domain, kinds: d.kinds.map((k) => byKind.get(k.kind)).filter((k) => k !== undefined) }))
    .filter((s) => s.kinds.length > 0);
  const toc = `<nav aria-label="How your data is processed, by part of our services"><ul>${sections
    .map((s) => `<li><a href="#p-${esc(s.domain)}">${esc(s.domain)}</a> <small>(${s.kinds.length})</small></li>`)
    .join('')}<li><a href="#erasure">If you ask for erasure</a></li><li><a href="#received-from">Where data came from</a></li><li><a href="#profiling">Profiling</a></li><li><a href="#transfers">Transfers abroad</a></li></ul></nav>`;
  const list = (cs: { description: string }[], none: string) => (cs.length ? `<ul>${cs.map((c) => `<li>${esc(c.description)}</li>`).join('')}</ul>` : none);
  const from = (k: ProcessingKindView) =>
    list(k.sources, '—') + (k.receivedFrom.length ? `<p>From: ${k.receivedFrom.map((o) => `${esc(o.name)} <small>(${nf.format(o.records)})</small>`).join(', ')}</p>` : '');
  const body = sections
    .map((s) => {
      const rows = s.kinds
        .map(
          (k) => `<tr><th scope="row">${esc(k.title)}${k.sensitive ? ' <small>(sensitive)</small>' : ''}<br><small>${nf.format(k.records)} records</small></th><td>${list(k.purposes, '—')}</td><td>${esc(k.legalBasis.description)}</td><td>${esc(k.retention.description)}</td>
<td>${from(k)}</td><td>${list(k.recipients, 'Not shared')}</td><td>${list(k.regions, '—')}</td><td>${k.correctable ? 'Yes' : `No — ${esc(k.correctionNote)}`}</td><td>${erasureCell(k.erasure)}</td><td>${esc(k.policySection)}</td></tr>`,
        )
        .join('\n');
      return `<details class="domain"><summary>${esc(s.domain)} — ${s.kinds.length} kinds of data</summary>
<table id="p-${esc(s.domain)}"><caption>${esc(s.domain)}</caption><thead><tr><th scope="col">Data</th><th scope="col">Why we process it</th><th scope="col">Legal basis</th><th scope="col">How long it is kept</th><th scope="col">Where it came from</th><th scope="col">Who receives it</th><th scope="col">Where it is stored</th><th scope="col">Can you correct it?</th><th scope="col">If you ask for erasure</th><th scope="col">Policy</th></tr></thead><tbody>${rows}</tbody></table></details>`;
    })
    .join('\n');
  return `${toc}\n${body}`;
}

/** Art. 15(1)(g): the named sources of data we did not collect from the person. */
function receivedFromSection(p: Processing): string {
  const rows = p.summary.receivedFrom;
  const intro = '<p>Some data about you was not collected from you. Where it came from:</p>';
  return `<h3 id="received-from">Data we received from others</h3>${
    rows.length
      ? `${intro}<table><thead><tr><th scope="col">Source</th><th scope="col">Data</th><th scope="col">Records</th></tr></thead><tbody>${rows
          .map((r) => `<tr><th scope="row">${esc(r.name)}</th><td>${r.kinds.map((k) => esc(p.kinds.find((x) => x.kind === k)?.title ?? k)).join(', ')}</td><td class="n">${nf.format(r.records)}</td></tr>`)
          .join('')}</tbody></table>`
      : '<p>All data in this archive was collected from you or derived by us.</p>'
  }`;
}

/** Art. 15(2): each region the data is stored in, and for a third country its safeguard and who receives data there. */
function transfersSection(p: Processing): string {
  const rows = p.transfers.destinations
    .map(
      (d) => `<tr><th scope="row">${esc(d.country)}</th><td>${d.thirdCountry ? 'Yes' : 'No (in the EEA)'}</td><td>${d.safeguard ? esc(d.safeguard.description) : 'Not needed: the GDPR applies there'}</td><td>${d.kinds.length} kinds of data</td><td>${
        d.recipients.length || d.groupCompanies.length ? `<ul>${[...d.groupCompanies.map((g) => `<li>${esc(g)}</li>`), ...d.recipients.map((r) => `<li>${esc(r.description)}</li>`)].join('')}</ul>` : 'Nobody else'
      }</td></tr>`,
    )
    .join('');
  return `<h3 id="transfers">Where your data is stored and transfers abroad</h3><p>${linkify(p.transfers.about)}</p>
<table><thead><tr><th scope="col">Country</th><th scope="col">Outside the EEA, UK and Switzerland?</th><th scope="col">Safeguard</th><th scope="col">Your data there</th><th scope="col">Who receives it there</th></tr></thead><tbody>${rows}</tbody></table>`;
}
