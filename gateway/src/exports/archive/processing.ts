import { createTranslator, type Translator } from '@footprint/i18n';
import { controllerFor, DataRegion as Regions, GATEWAY_KIND_PREFIX, jurisdictionOf, REGION_PLACES, type DataRegion, type KindMeta } from '@footprint/schema';
import { erasureOf, type ErasureBehaviour } from '../../rights/erasure.js';
import type { ArchiveFacts } from './manifest.js';
import { howToAsk, PRIVACY_CONTACT, rights } from './rights.js';
import { kindTitle, taxonomyText, textOr, type TaxonomyName } from './texts.js';
import { regionFacts, transferSafeguard } from './transfers.js';

export interface Coded {
  code: string;
  description: string;
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];

export interface ProcessingKind {
  kind: string;
  domain: string;
  title: string;
  records: number;
  portableRecords: number;
  category: Coded;
  purposes: Coded[];
  legalBasis: Coded;
  retention: Coded;
  sources: Coded[];
  /** Art. 15(1)(g): who the records received from a third party came from (a linked account's network, the partner that placed a segment), with counts. */
  receivedFrom: { name: string; records: number }[];
  /**
   * Who receives records of this kind (Art. 15(1)(c)): the recipients the kind declares, and the processors of
   * every region its records are stored in (the group company running the data centre, cloud providers; §4, §11).
   */
  recipients: Coded[];
  /** Shared with anyone at all: false only when no recipient is named (never for stored data: see recipients). */
  shared: boolean;
  /** Where the records are stored: the regions the records name; for a kind with no records, where they would be. */
  regions: Coded[];
  policySection: string;
  sensitive: boolean;
  correctable: boolean;
  correctionNote: string | null;
  /** What erasure does to this kind (Art. 17): deleted, anonymised (which fields, why the rest is kept) or retained (on what ground, from when). */
  erasure: ErasureBehaviour & { description: string };
}

/** Where a kind's records are kept when none were read: a domain's in the person's data region, the gateway's own in the gateway's store (§11). */
function storedIn(kind: string, regions: string[], f: ArchiveFacts): DataRegion[] {
  const read = regions.filter((r): r is DataRegion => (Regions.values as readonly string[]).includes(r));
  if (read.length > 0) return read;
  if (kind.startsWith(GATEWAY_KIND_PREFIX)) return [f.gatewayRegion];
  return f.residence.region ? [f.residence.region] : [];
}

/**
 * processing.json: the Art. 15(1) information for this person, in the language
 * of the request — for each kind of data held about them, why it is processed,
 * on what basis, how long it is kept, where it came from, who receives it and
 * where it is stored — the controller and complaint route that apply to where
 * they live (§10), and their rights with how to exercise them. Built from each
 * kind's @personalData metadata, from what the records themselves say (regions,
 * sources), and from schema/src/controllers.ts.
 */
export function buildProcessing(f: ArchiveFacts, tr: Translator = createTranslator(f.language, f.timeZone ?? undefined)) {
  const coded = (t: TaxonomyName, code: string): Coded => ({ code, description: taxonomyText(tr, t, code) });
  const controller = controllerFor(f.residence.country);
  // Every kind the manifest and index.html list, held or not (records: 0), so the three documents agree.
  const kinds: ProcessingKind[] = f.kinds.map((k) => {
    const m: KindMeta | undefined = f.meta.get(k.kind);
    const regions = storedIn(k.kind, k.regions, f);
    const recipients = uniq([...(m?.recipients ?? []), ...regions.flatMap((r) => REGION_PLACES[r].processors)]);
    const e: ErasureBehaviour = m ? erasureOf(m) : { action: 'DELETE', fields: [], note: null, retainFor: null, retainFrom: null, retainFields: [] };
    return {
      kind: k.kind,
      domain: k.domain,
      title: kindTitle(tr, k.kind, m?.title ?? k.kind),
      records: k.done,
      portableRecords: k.portable,
      category: coded('DataCategory', m?.category ?? 'USAGE'),
      purposes: (m?.purposes ?? []).map((p) => coded('Purpose', p)),
      legalBasis: coded('LegalBasis', m?.legalBasis ?? 'CONTRACT'),
      retention: coded('RetentionRule', m?.retention ?? 'ACCOUNT_LIFETIME'),
      sources: uniq(k.sources.length ? k.sources : m ? [m.source] : []).map((s) => coded('DataSource', s)),
      receivedFrom: k.origins ?? [],
      recipients: recipients.map((r) => coded('Recipient', r)),
      shared: recipients.length > 0,
      regions: regions.map((r) => coded('DataRegion', r)),
      policySection: m?.policy ?? '',
      sensitive: m?.sensitive ?? false,
      correctable: m?.correctable ?? false,
      correctionNote: m?.correctable ? null : m?.reason ? textOr(tr, `datamap.kind.${k.kind}.reason`, m.reason) : null,
      erasure: { ...e, note: e.note ? textOr(tr, `datamap.kind.${k.kind}.erasureNote`, e.note) : null, description: tr.t(`archive.erasure.action.${e.action}`) },
    };
  });
  const held = kinds.filter((k) => k.records > 0);
  const all = <K extends 'purposes' | 'recipients' | 'regions' | 'sources'>(key: K) => {
    const seen = new Map<string, Coded>();
    for (const k of held) for (const c of k[key]) seen.set(c.code, c);
    return [...seen.values()];
  };
  const profiling = held.filter((k) => k.category.code === 'PROFILING' || k.sources.some((s) => s.code === 'INFERRED'));
  const safeguard = transferSafeguard(tr, controller);
  return {
    person: f.person,
    generatedAt: f.finishedAt,
    language: tr.language,
    about: tr.t('archive.processing.about'),
    /** The controller for this person, chosen by where they live (§10–§11); `residence` says from what. */
    controller: {
      ...controller,
      residence: f.residence.country,
      forUsersIn: tr.t(`archive.jurisdiction.${jurisdictionOf(f.residence.country)}`),
      chosenBecause: tr.t('archive.controller.chosenBecause', { country: f.residence.country ?? '—', jurisdiction: tr.t(`archive.jurisdiction.${jurisdictionOf(f.residence.country)}`) }),
    },
    /** The same controller, as a list (earlier archives listed all three; a person is served by one). */
    controllers: [{ forUsersIn: tr.t(`archive.jurisdiction.${jurisdictionOf(f.residence.country)}`), name: controller.name, address: controller.address }],
    contact: PRIVACY_CONTACT,
    summary: {
      categories: uniq(held.map((k) => k.category.code)).map((c) => coded('DataCategory', c)),
      purposes: all('purposes'),
      legalBases: uniq(held.map((k) => k.legalBasis.code)).map((c) => coded('LegalBasis', c)),
      recipients: all('recipients'),
      sources: all('sources'),
      receivedFrom: receivedFrom(held),
      regions: all('regions'),
    },
    kinds,
    profiling: { about: tr.t('archive.profiling.about'), kinds: profiling.map((k) => k.kind) },
    transfers: {
      about: tr.t('archive.transfers.about', { contact: controller.contact }),
      regions: all('regions'),
      destinations: transferDestinations(held, f, tr, safeguard),
    },
    erasure: {
      about: tr.t('archive.erasure.about'),
      retained: kinds
        .filter((k) => k.erasure.action === 'RETAIN')
        .map((k) => ({ kind: k.kind, title: k.title, records: k.records, ground: k.erasure.note, retention: k.retention, retainFor: k.erasure.retainFor, from: k.erasure.retainFrom })),
    },
    portability: tr.t('archive.portability.rule'),
    rights: rights(tr, controller),
    howToExercise: howToAsk(tr, controller),
  };
}

export type Processing = ReturnType<typeof buildProcessing>;

/** Art. 15(1)(g) over all kinds: each named third-party source with the kinds and records it gave. */
function receivedFrom(kinds: ProcessingKind[]): { name: string; kinds: string[]; records: number }[] {
  const by = new Map<string, { name: string; kinds: string[]; records: number }>();
  for (const k of kinds) {
    for (const o of k.receivedFrom) {
      const e = by.get(o.name) ?? { name: o.name, kinds: [], records: 0 };
      e.kinds.push(k.kind);
      e.records += o.records;
      by.set(o.name, e);
    }
  }
  return [...by.values()].sort((a, b) => b.records - a.records || a.name.localeCompare(b.name));
}

export interface TransferDestination {
  region: Coded;
  country: string;
  thirdCountry: boolean;
  /** For a third country, the safeguard; null inside the person's jurisdiction. */
  safeguard: Coded | null;
  /** Kinds of your data with records stored there. */
  kinds: string[];
  /** Who receives your data there: the region's processors and the recipients of those kinds. */
  recipients: Coded[];
  groupCompanies: string[];
  groupCompaniesNote: string | null;
}

/** One entry per region the person's records are stored in, from what the records themselves say. */
function transferDestinations(held: ProcessingKind[], f: ArchiveFacts, tr: Translator, safeguard: Coded): TransferDestination[] {
  const regions = uniq(held.flatMap((k) => k.regions.map((r) => r.code))).sort() as DataRegion[];
  return regions.map((region) => {
    const there = held.filter((k) => k.regions.some((r) => r.code === region));
    const place = regionFacts(tr, region, f.residence.country);
    const recipients = new Map<string, Coded>();
    for (const k of there) for (const r of k.recipients) recipients.set(r.code, r);
    return {
      region: { code: region, description: taxonomyText(tr, 'DataRegion', region) },
      country: place.country,
      thirdCountry: place.thirdCountry,
      safeguard: place.thirdCountry ? { ...safeguard } : null,
      kinds: there.map((k) => k.kind),
      recipients: [...recipients.values()],
      groupCompanies: place.groupCompanies,
      groupCompaniesNote: place.groupCompaniesNote,
    };
  });
}
