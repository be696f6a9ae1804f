import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataRegion } from '@footprint/schema';
import { buildAccess } from '../src/exports/archive/access.js';
import type { ArchiveFacts } from '../src/exports/archive/manifest.js';
import { buildProcessing } from '../src/exports/archive/processing.js';
import { exportPlan } from '../src/exports/plan.js';
import { createTranslator, type Language } from '@footprint/i18n';

/**
 * processing.json as the archive writes it, from the committed supergraph's
 * real @personalData metadata: what it says about recipients, transfers, the
 * gateway's own kinds, the controller for where the person lives, and the
 * language of the request.
 */

const plan = exportPlan(readFileSync(join(import.meta.dirname, '..', 'supergraph.graphql'), 'utf8'));

/** Facts of an archive whose every domain kind holds 2 records in `region`; the gateway's own kinds hold none. */
function facts(opts: { country: string | null; region: DataRegion; language?: Language }): ArchiveFacts {
  const now = new Date('2026-12-07T12:00:00Z').toISOString();
  return {
    jobId: 'job-1',
    person: '10000001',
    requestedBy: 'SUBJECT',
    allowPartial: false,
    createdAt: now,
    startedAt: now,
    finishedAt: now,
    runs: 1,
    footprintVersion: 'test',
    schemaHash: plan.schemaHash,
    domains: plan.footprint.domains,
    kinds: plan.kinds.map((k) => {
      const own = k.kind.startsWith('gateway.');
      return {
        kind: k.kind,
        domain: k.domain,
        field: k.field,
        typename: k.typename,
        status: 'COMPLETE' as const,
        done: own ? 0 : 2,
        total: own ? 0 : 2,
        run: 1,
        files: [],
        regions: own ? [] : [opts.region],
        sources: [],
        origins: [],
        provenance: { provided: 0, observed: 0, inferred: 0, received: 0 },
        portable: 0,
        error: null,
        residence: null,
      };
    }),
    meta: plan.meta,
    columns: plan.columns,
    language: opts.language ?? 'en',
    timeZone: 'Asia/Baku',
    residence: { country: opts.country, region: opts.region },
    gatewayRegion: 'NETHERLANDS',
    access: {
      entries: [{ id: 'AUDIT:7', at: now, source: 'AUDIT', actor: 'PRIVACY_TEAM', action: 'READ', what: 'person', reason: 'DSAR ticket 4711', state: null }],
      truncated: false,
    },
  };
}

describe('processing.json: who receives the data', () => {
  it('names no kind "not shared" while its records are stored with a processor abroad, and every destination names its group companies or why none', () => {
    for (const region of ['RUSSIA', 'SINGAPORE', 'INDIA', 'NETHERLANDS'] as const) {
      const p = buildProcessing(facts({ country: 'AZ', region }));
      const stored = p.kinds.filter((k) => k.regions.length > 0);
      expect(stored.length).toBe(p.kinds.length);
      for (const k of stored) {
        expect(k.shared, `${k.kind} in ${region}`).toBe(true);
        // The region's processors: the group company running the data centre and the cloud providers (§4, §11).
        expect(k.recipients.map((r) => r.code), k.kind).toEqual(expect.arrayContaining(['AFFILIATE', 'SERVICE_PROVIDER']));
      }
      for (const d of p.transfers.destinations) {
        expect(d.thirdCountry, region).toBe(true);
        expect(d.recipients.length).toBeGreaterThan(0);
        if (d.groupCompanies.length === 0) expect(d.groupCompaniesNote, region).toMatch(/names no Xiaomi Group company/);
      }
    }
    const ru = buildProcessing(facts({ country: 'RU', region: 'RUSSIA' })).transfers.destinations.find((d) => d.region.code === 'RUSSIA')!;
    expect(ru.thirdCountry).toBe(false);
    expect(ru.safeguard).toBeNull();
    const sg = buildProcessing(facts({ country: 'NL', region: 'SINGAPORE' })).transfers.destinations.find((d) => d.region.code === 'SINGAPORE')!;
    expect(sg.groupCompanies).toEqual(['Xiaomi Technologies Singapore Pte. Ltd.']);
  });

  it("gives the gateway's own kinds their storage place, the evidence basis and the 3-year evidence retention, not tax law", () => {
    const p = buildProcessing(facts({ country: 'AZ', region: 'RUSSIA' }));
    const own = p.kinds.filter((k) => k.kind.startsWith('gateway.'));
    for (const k of own) {
      expect(k.records).toBe(0);
      // No record read, yet the place is known: the gateway's store (FOOTPRINT_GATEWAY_REGION).
      expect(k.regions.map((r) => r.code), k.kind).toEqual(['NETHERLANDS']);
      // What the archive says is what the kind's @personalData says, whichever gateway kinds there are.
      expect(k.retention.code, k.kind).toBe(plan.meta.get(k.kind)!.retention);
    }
    // Records that are evidence of how a right was served (and of who received the data) are held 3 years;
    // the language preference is not evidence: it lives as long as the account and goes with it.
    const evidence = own.filter((k) => plan.meta.get(k.kind)!.retention === 'EVIDENCE_PERIOD');
    expect(evidence.map((k) => k.kind)).toEqual(expect.arrayContaining(['gateway.correction', 'gateway.privacy_request', 'gateway.server_push', 'gateway.portability_grant']));
    const preference = own.find((k) => k.kind === 'gateway.preference')!;
    expect(preference.retention.code).toBe('ACCOUNT_LIFETIME');
    expect(preference.erasure.action).toBe('DELETE');
    for (const k of evidence) {
      expect(k.retention.code).toBe('EVIDENCE_PERIOD');
      expect(k.retention.description).toMatch(/3 years/);
      expect(k.retention.description).not.toMatch(/tax/i);
      expect(k.legalBasis.code).toBe('LEGAL_OBLIGATION');
      expect(k.legalBasis.description).toMatch(/data-protection requests/);
      expect(k.erasure, k.kind).toMatchObject({ action: 'RETAIN', retainFor: 'P3Y', retainFrom: plan.meta.get(k.kind)!.retainFrom });
      expect(k.erasure.note).toMatch(/Evidence/);
    }
  });
});

describe('processing.json: the controller and complaint route for where the person lives (§10–§11)', () => {
  it('an EEA resident: the Netherlands entity, the supervisory authority, EU Standard Contractual Clauses', () => {
    const p = buildProcessing(facts({ country: 'DE', region: 'SINGAPORE' }));
    expect(p.controller).toMatchObject({ jurisdiction: 'EEA_UK_CH', name: 'Xiaomi Technology Netherlands B.V.', residence: 'DE' });
    expect(p.controllers).toHaveLength(1);
    const complaint = p.rights.find((r) => r.code === 'COMPLAINT')!;
    expect(complaint.how).toMatch(/supervisory authority/);
    expect(complaint.how).toContain('edpb.europa.eu');
    expect(p.transfers.destinations[0]!.safeguard!.description).toMatch(/Standard Contractual Clauses \(GDPR Art\. 46\(2\)\(c\)\)/);
    expect(p.howToExercise).toContain('Prinses Margrietplantsoen 39');
  });

  it('an Indian resident: the India entity and its grievance officer, and data in India is not a transfer', () => {
    const p = buildProcessing(facts({ country: 'IN', region: 'INDIA' }));
    expect(p.controller).toMatchObject({ jurisdiction: 'INDIA', name: 'Xiaomi Technology India Private Limited' });
    const complaint = p.rights.find((r) => r.code === 'COMPLAINT')!;
    expect(complaint.how).toContain('grievance.officer@xiaomi.com');
    expect(complaint.how).toContain('Vishwanath C');
    const india = p.transfers.destinations.find((d) => d.region.code === 'INDIA')!;
    expect(india.thirdCountry).toBe(false);
    // The gateway's records kept in the Netherlands are abroad for an Indian resident, under the applicable law's safeguards.
    expect(p.howToExercise).toContain('Bengaluru');
  });

  it('anyone else (Azerbaijan): the Singapore entity and the support site, no EEA clauses promised', () => {
    const p = buildProcessing(facts({ country: 'AZ', region: 'NETHERLANDS' }));
    expect(p.controller).toMatchObject({ jurisdiction: 'OTHER', name: 'Xiaomi Technologies Singapore Pte. Ltd.' });
    const complaint = p.rights.find((r) => r.code === 'COMPLAINT')!;
    expect(complaint.how).toContain('https://privacy.mi.com/support');
    expect(complaint.how).not.toMatch(/grievance|edpb/i);
    const nl = p.transfers.destinations.find((d) => d.region.code === 'NETHERLANDS')!;
    expect(nl.thirdCountry).toBe(true);
    expect(nl.safeguard!.code).toBe('APPLICABLE_LAW');
    // Unknown residence falls to the same catch-all.
    expect(buildProcessing(facts({ country: null, region: 'NETHERLANDS' })).controller.jurisdiction).toBe('OTHER');
  });
});

describe('processing.json: rights as the privacy centre offers them', () => {
  it('restriction, objection, consent, erasure and correction are done in the privacy centre, not "in writing" only', () => {
    const p = buildProcessing(facts({ country: 'AZ', region: 'NETHERLANDS' }));
    const how = (code: string) => p.rights.find((r) => r.code === code)!.how;
    expect(how('RESTRICTION')).toMatch(/privacy centre, “Your choices”, “Restrict processing”/);
    expect(how('OBJECTION')).toMatch(/“Objections”/);
    expect(how('WITHDRAW_CONSENT')).toMatch(/“Consents”/);
    expect(how('ERASURE')).toMatch(/“Erase your account”/);
    expect(how('RECTIFICATION')).toMatch(/“Correct your data”/);
    expect(how('ACCESS')).toMatch(/“Download your data”/);
    expect(p.rights.map((r) => r.code)).toHaveLength(9);
  });
});

describe('the archive in the language of the request', () => {
  it('writes processing.json and access.json in Azerbaijani when the request asked for az, with the policy’s terms', () => {
    const az = buildProcessing(facts({ country: 'AZ', region: 'RUSSIA', language: 'az' }));
    const en = buildProcessing(facts({ country: 'AZ', region: 'RUSSIA', language: 'en' }));
    expect(az.language).toBe('az');
    expect(az.about).not.toBe(en.about);
    expect(az.rights.find((r) => r.code === 'ERASURE')!.right).toBe('silmək hüququ');
    expect(az.rights.find((r) => r.code === 'RESTRICTION')!.how).toMatch(/Emalı məhdudlaşdırın/);
    const profile = az.kinds.find((k) => k.kind === 'account.profile')!;
    expect(profile.title).toBe('Hesab profili');
    expect(profile.regions[0]!.description).toBe('Rusiyada saxlanılır (§11)');
    expect(profile.legalBasis.description).not.toBe(en.kinds.find((k) => k.kind === 'account.profile')!.legalBasis.description);
    // Country names from Intl in the language.
    expect(az.transfers.destinations[0]!.country).toBe('Rusiya');
    // Nothing left in English: every kind's title and every coded value differ from the English archive's.
    for (const [i, k] of az.kinds.entries()) {
      const e = en.kinds[i]!;
      expect(k.title, k.kind).not.toBe(e.title);
      const pairs = [[k.category, e.category], [k.legalBasis, e.legalBasis], [k.retention, e.retention], ...k.purposes.map((c, j) => [c, e.purposes[j]!]), ...k.recipients.map((c, j) => [c, e.recipients[j]!])] as const;
      for (const [a, b] of pairs) expect(a.description, `${k.kind} ${a.code}`).not.toBe(b.description);
    }
    const access = buildAccess(facts({ country: 'AZ', region: 'RUSSIA', language: 'az' }), createTranslator('az', 'Asia/Baku'));
    expect(access.entries[0]).toMatchObject({ actor: 'PRIVACY_TEAM', who: 'Məxfilik komandası (operator)', reason: 'DSAR ticket 4711' });
    expect(access.entries[0]!.when).toMatch(/dekabr 2026/);
    expect(access.operatorsShownAs).toBe('ROLE');
  });
});
