import { TAXONOMY, type KindMeta } from '@footprint/schema';
import { erasureOf, type ErasureBehaviour } from '../../rights/erasure.js';
import type { ArchiveFacts } from './manifest.js';
import { PORTABILITY_RULE } from './provenance.js';
import { CONTROLLERS, HOW_TO_ASK, PRIVACY_CONTACT, RIGHTS } from './rights.js';

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
  RETAIN: 'Kept when you ask for erasure, because a law requires it; it is then restricted (not used for anything else) until the retention period ends, and deleted after.',
} as const;

function erasureView(m: KindMeta | undefined): ProcessingKind['erasure'] {
  const e: ErasureBehaviour = m ? erasureOf(m) : { action: 'DELETE', fields: [], note: null, retainFor: null, retainFrom: null };
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
  const held = f.kinds.filter((k) => k.done > 0);
  const kinds: ProcessingKind[] = held.map((k) => {
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
      recipients: (m?.recipients ?? []).map((r) => coded('Recipient', r)),
      regions: k.regions.map((r) => coded('DataRegion', r)),
      policySection: m?.policy ?? '',
      sensitive: m?.sensitive ?? false,
      correctable: m?.correctable ?? false,
      correctionNote: m?.correctable ? null : (m?.reason ?? null),
      erasure: erasureView(m),
    };
  });
  const all = <K extends 'purposes' | 'recipients' | 'regions' | 'sources'>(key: K) => {
    const seen = new Map<string, Coded>();
    for (const k of kinds) for (const c of k[key]) seen.set(c.code, c);
    return [...seen.values()];
  };
  const profiling = kinds.filter((k) => k.category.code === 'PROFILING' || k.sources.some((s) => s.code === 'INFERRED'));
  return {
    person: f.person,
    generatedAt: f.finishedAt,
    about:
      'What is processed about you and why (GDPR Art. 15(1) and (2)), for each kind of data in this archive. Descriptions come from the privacy policy; section numbers (§) point into it.',
    controllers: CONTROLLERS,
    contact: PRIVACY_CONTACT,
    summary: {
      categories: uniq(kinds.map((k) => k.category.code)).map((c) => coded('DataCategory', c)),
      purposes: all('purposes'),
      legalBases: uniq(kinds.map((k) => k.legalBasis.code)).map((c) => coded('LegalBasis', c)),
      recipients: all('recipients'),
      sources: all('sources'),
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
        'Your data is stored in the regions listed (policy §11). Transfers outside your jurisdiction follow the applicable law with safeguards; ask for a copy of the safeguards at the contact address (Art. 15(2)).',
      regions: all('regions'),
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
