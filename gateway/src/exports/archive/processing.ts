import { TAXONOMY, type DataRegion, type KindMeta } from '@footprint/schema';
import { erasureOf, type ErasureBehaviour } from '../../rights/erasure.js';
import type { ArchiveFacts } from './manifest.js';
import { PORTABILITY_RULE } from './provenance.js';
import { CONTROLLERS, HOW_TO_ASK, PRIVACY_CONTACT, RIGHTS } from './rights.js';
import { REGION_PLACES, SAFEGUARDS_COPY, TRANSFER_SAFEGUARD } from './transfers.js';

type Taxonomy = keyof typeof TAXONOMY;
export interface Coded {
  code: string;
  description: string;
}

function coded(t: Taxonomy, code: string): Coded {
  const describe = TAXONOMY[t].describe as Record<string, string>;
  return { code, description: describe[code] ?? code };
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
  recipients: Coded[];
  regions: Coded[];
  policySection: string;
  sensitive: boolean;
  correctable: boolean;
  correctionNote: string | null;
  /** What erasure does to this kind (Art. 17): deleted, anonymised (which fields, why the rest is kept) or retained (on what ground, from when). */
  erasure: ErasureBehaviour & { description: string };
}

const ERASURE_TEXT = {
  DELETE: 'Deleted when you ask for erasure.',
  ANONYMIZE: 'Anonymised when you ask for erasure: the fields listed are cleared or generalised; the rest is kept without anything that identifies you.',
  RETAIN: 'Kept when you ask for erasure, because a law requires it: only the fields listed under retainFields, the rest is cleared; it is then restricted (not used for anything else) until the retention period ends, and deleted after.',
} as const;

function erasureView(m: KindMeta | undefined): ProcessingKind['erasure'] {
  const e: ErasureBehaviour = m ? erasureOf(m) : { action: 'DELETE', fields: [], note: null, retainFor: null, retainFrom: null, retainFields: [] };
  return { ...e, description: ERASURE_TEXT[e.action] };
}

/**
 * processing.json: the Art. 15(1) information for this person — for each kind
 * of data held about them, why it is processed, on what basis, how long it is
 * kept, where it came from, who receives it and where it is stored — and their
 * rights with how to exercise them. Built from each kind's @personalData
 * metadata and from what the records themselves say (regions, sources).
 */
export function buildProcessing(f: ArchiveFacts) {
  // Every kind the manifest and index.html list, held or not (records: 0), so the three documents agree.
  const kinds: ProcessingKind[] = f.kinds.map((k) => {
    const m: KindMeta | undefined = f.meta.get(k.kind);
    return {
      kind: k.kind,
      domain: k.domain,
      title: m?.title ?? k.kind,
      records: k.done,
      portableRecords: k.portable,
      category: coded('DataCategory', m?.category ?? 'USAGE'),
      purposes: (m?.purposes ?? []).map((p) => coded('Purpose', p)),
      legalBasis: coded('LegalBasis', m?.legalBasis ?? 'CONTRACT'),
      retention: coded('RetentionRule', m?.retention ?? 'ACCOUNT_LIFETIME'),
      sources: uniq(k.sources.length ? k.sources : m ? [m.source] : []).map((s) => coded('DataSource', s)),
      receivedFrom: k.origins ?? [],
      recipients: (m?.recipients ?? []).map((r) => coded('Recipient', r)),
      regions: k.regions.map((r) => coded('DataRegion', r)),
      policySection: m?.policy ?? '',
      sensitive: m?.sensitive ?? false,
      correctable: m?.correctable ?? false,
      correctionNote: m?.correctable ? null : (m?.reason ?? null),
      erasure: erasureView(m),
    };
  });
  const held = kinds.filter((k) => k.records > 0);
  const all = <K extends 'purposes' | 'recipients' | 'regions' | 'sources'>(key: K) => {
    const seen = new Map<string, Coded>();
    for (const k of held) for (const c of k[key]) seen.set(c.code, c);
    return [...seen.values()];
  };
  const profiling = held.filter((k) => k.category.code === 'PROFILING' || k.sources.some((s) => s.code === 'INFERRED'));
  return {
    person: f.person,
    generatedAt: f.finishedAt,
    about:
      'What is processed about you and why (GDPR Art. 15(1) and (2)), for each kind of data in this archive. Descriptions come from the privacy policy; section numbers (§) point into it.',
    controllers: CONTROLLERS,
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
    profiling: {
      about:
        'Data inferred about you or used to place you in segments (Art. 15(1)(h)). It personalises content and ads; no decision with legal or similarly significant effects is based on it alone. You may object to this profiling at any time.',
      kinds: profiling.map((k) => k.kind),
    },
    transfers: {
      about:
        'Where your data is stored (policy §11) and, for each third country — outside the EEA, the United Kingdom and Switzerland — the safeguard that protects it there and who receives it from there (GDPR Art. 15(2)). ' +
        SAFEGUARDS_COPY,
      regions: all('regions'),
      destinations: transferDestinations(held),
    },
    erasure: {
      about:
        'What happens to each kind of data when you ask for it to be erased (Art. 17): most is deleted; some is anonymised; some is kept because a law requires it (e.g. invoices under tax law), restricted and not processed further until its retention period ends.',
      retained: kinds.filter((k) => k.erasure.action === 'RETAIN').map((k) => ({ kind: k.kind, title: k.title, records: k.records, ground: k.erasure.note, retention: k.retention, retainFor: k.erasure.retainFor, from: k.erasure.retainFrom })),
    },
    portability: PORTABILITY_RULE,
    rights: RIGHTS,
    howToExercise: HOW_TO_ASK,
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
  /** For a third country, the safeguard; null inside the EEA. */
  safeguard: Coded | null;
  /** Kinds of your data with records stored there. */
  kinds: string[];
  /** Who receives your data from there: the recipients of those kinds, and group companies there. */
  recipients: Coded[];
  groupCompanies: string[];
}

/** One entry per region the person's records are stored in, from what the records themselves say. */
function transferDestinations(held: ProcessingKind[]): TransferDestination[] {
  const regions = uniq(held.flatMap((k) => k.regions.map((r) => r.code))).sort() as DataRegion[];
  return regions.map((region) => {
    const there = held.filter((k) => k.regions.some((r) => r.code === region));
    const place = REGION_PLACES[region] ?? { country: region, thirdCountry: true, groupCompanies: [] };
    const recipients = new Map<string, Coded>();
    for (const k of there) for (const r of k.recipients) recipients.set(r.code, r);
    return {
      region: coded('DataRegion', region),
      country: place.country,
      thirdCountry: place.thirdCountry,
      safeguard: place.thirdCountry ? { ...TRANSFER_SAFEGUARD } : null,
      kinds: there.map((k) => k.kind),
      recipients: [...recipients.values()],
      groupCompanies: place.groupCompanies,
    };
  });
}
