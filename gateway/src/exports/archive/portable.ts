import type { ArchiveFacts } from './manifest.js';
import { PORTABILITY_RULE } from './provenance.js';

/**
 * portable.json: the Art. 20 subset. Every record in the archive says its
 * provenance and whether it is portable; this file lists, per kind, how many
 * are and why a kind is not, so an importer knows what to take.
 */
export function buildPortable(f: ArchiveFacts) {
  const kinds = f.kinds.filter((k) => k.done > 0);
  const portable = kinds.filter((k) => k.portable > 0);
  return {
    person: f.person,
    rule: PORTABILITY_RULE,
    howToSelect:
      'In every data file, the records with "portable": true (JSON, GeoJSON properties) or portable=true (CSV column) are the portable subset; each record\'s "provenance" is provided, observed, inferred or received.',
    records: kinds.reduce((n, k) => n + k.portable, 0),
    kinds: portable.map((k) => ({
      kind: k.kind,
      domain: k.domain,
      title: f.meta.get(k.kind)?.title ?? k.kind,
      legalBasis: f.meta.get(k.kind)?.legalBasis ?? null,
      records: k.done,
      portableRecords: k.portable,
      provenance: k.provenance,
      files: k.files.map((x) => x.path),
      ...(k.contents.length > 0 ? { contentFiles: k.contents.length } : {}),
    })),
    notPortable: kinds
      .filter((k) => k.portable === 0)
      .map((k) => {
        const m = f.meta.get(k.kind);
        const why =
          k.provenance.inferred + k.provenance.received === k.done
            ? `${k.provenance.inferred ? 'inferred by us' : 'received from a third party'}, not provided by you`
            : `processed on the basis of ${m?.legalBasis ?? 'another basis'}, not consent or a contract`;
        return { kind: k.kind, title: m?.title ?? k.kind, records: k.done, why };
      }),
  };
}
