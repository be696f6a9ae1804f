import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUES, type Language } from '@footprint/i18n';
import { buildIndexHtml } from '../src/exports/archive/html.js';
import type { ArchiveFacts } from '../src/exports/archive/manifest.js';
import { buildProcessing } from '../src/exports/archive/processing.js';
import { exportPlan } from '../src/exports/plan.js';

/**
 * index.html, the archive's no-script document, in the archive's language:
 * its own words come from `archive.index.*`, the domains' names from the
 * datamap catalogue, and nothing of the English page is left in another language.
 */
const plan = exportPlan(readFileSync(join(import.meta.dirname, '..', 'supergraph.graphql'), 'utf8'));

function facts(language: Language, opts: { broken?: boolean; operator?: boolean } = {}): ArchiveFacts {
  const now = new Date('2026-12-07T12:00:00Z').toISOString();
  return {
    jobId: 'job-1',
    person: '10000001',
    requestedBy: opts.operator ? 'OPERATOR' : 'SUBJECT',
    allowPartial: false,
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    runs: 1,
    footprintVersion: 'test',
    schemaHash: plan.schemaHash,
    domains: plan.footprint.domains,
    kinds: plan.kinds.map((k) => {
      const broken = opts.broken === true && k.kind === 'account.profile';
      return {
        kind: k.kind,
        domain: k.domain,
        field: k.field,
        typename: k.typename,
        status: broken ? ('INCOMPLETE' as const) : ('COMPLETE' as const),
        done: 2,
        total: broken ? 5 : 2,
        run: 1,
        files: [{ path: `${k.domain}/${k.stem}.json`, format: 'json', size: 2048, records: 2, sha256: 'x' }],
        contents: [],
        regions: ['SINGAPORE' as const],
        sources: [],
        origins: [],
        provenance: { provided: 2, observed: 0, inferred: 0, received: 0 },
        portable: 0,
        error: broken ? 'account timed out' : null,
        residence: null,
      };
    }),
    meta: plan.meta,
    columns: plan.columns,
    language,
    timeZone: 'Asia/Baku',
    residence: { country: 'AZ', region: 'SINGAPORE' },
    gatewayRegion: 'NETHERLANDS',
    access: { entries: [], truncated: false },
  } as ArchiveFacts;
}

const html = (language: Language, opts?: { broken?: boolean; operator?: boolean }) => {
  const f = facts(language, opts);
  return buildIndexHtml(f, buildProcessing(f));
};

/** The page's own words without placeholders: each must show in its language's page and in no other. */
const fixedWords = (language: Language) =>
  Object.entries(CATALOGUES[language] ?? {})
    .filter(([k, v]) => k.startsWith('archive.index.') && !v.includes('{') && v.length > 12)
    .map(([, v]) => v);

describe('index.html in the archive’s language', () => {
  it('is written in Azerbaijani for an az archive: lang, title, headings, domains by their names', () => {
    const az = html('az', { broken: true, operator: true });
    expect(az).toMatch(/^<!doctype html>\n<html lang="az">/);
    expect(az).toContain('<title>Şəxsi məlumatlarınız — hesab 10000001</title>');
    expect(az).toContain('Bu arxiv NATAMAMDIR');
    expect(az).toContain('yazılı müraciətinizlə əməkdaşlarımız tərəfindən verilib');
    expect(az).toContain('5 qeyddən 2');
    // Domain names from the datamap catalogue, the machine name beside it where the person may need it.
    expect(az).toContain(`<strong>${CATALOGUES.az!['datamap.domain.account']}</strong> <small>(account)</small>`);
    expect(az).toContain('>Hesab profili<br><code>account.profile</code>');
    // Dates in the language and the person's time zone (12:00 UTC is 16:00 in Baku).
    expect(az).toMatch(/7 dekabr 2026.*16:00/);
    expect(az).toContain('2 KB');
  });

  it('leaves none of the English page’s own words in an az archive, and has every one in an en archive', () => {
    const az = html('az', { broken: true });
    const en = html('en', { broken: true });
    const english = fixedWords('en');
    expect(english.length).toBeGreaterThan(20);
    for (const w of english) expect(az, w).not.toContain(w.replace(/"/g, '&quot;'));
    const seen = english.filter((w) => en.includes(w.replace(/"/g, '&quot;')));
    // Words for states this archive is not in (a complete one, an empty erasure list…) may be absent; most are there.
    expect(seen.length).toBeGreaterThan(english.length * 0.6);
    for (const w of fixedWords('az').filter((x) => az.includes(x))) expect(en, w).not.toContain(w);
  });

  it('keeps the markup in the code: a translation is escaped, links and code only where the placeholders are', () => {
    const en = html('en');
    expect(en).toContain('<a href="manifest.json">manifest.json</a> lists every file');
    expect(en).toContain('Every record says its <code>provenance</code>');
    expect(en).toContain('<strong>Complete.</strong> Every domain that holds data about you was read in full:');
    expect(en).not.toMatch(/\uE000|\uE001/);
  });
});
