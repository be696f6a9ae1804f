import type { Translator } from '@footprint/i18n';
import { OPERATOR_SHOWN_AS } from '../../auth/access-log.js';
import type { ArchiveFacts } from './manifest.js';

/**
 * access.json: who accessed the person's data, when and why (the audit log's
 * operator reads, exports, corrections and erasures with their stated reason;
 * the person's own and operators' requests, exports and erasures, earlier jobs
 * included), newest first, read when the archive is assembled — so the read an
 * operator made just before this export is in it. Codes for programs, words in
 * the archive's language for people; operators by role (auth/access-log.ts).
 */
export function buildAccess(f: ArchiveFacts, tr: Translator) {
  return {
    person: f.person,
    generatedAt: f.finishedAt,
    language: tr.language,
    about: tr.t('archive.access.about'),
    operatorsShownAs: OPERATOR_SHOWN_AS,
    truncated: f.access.truncated,
    ...(f.access.truncated ? { truncatedNote: tr.t('archive.access.truncated', { count: f.access.entries.length }) } : {}),
    entries: f.access.entries.map((e) => ({
      id: e.id,
      at: e.at,
      when: tr.date(e.at, 'dateTime'),
      source: e.source,
      actor: e.actor,
      who: tr.t(`archive.access.actor.${e.actor}`),
      action: e.action,
      description: tr.t(`archive.access.action.${e.action}`),
      what: e.what,
      reason: e.reason,
      state: e.state,
    })),
  };
}

export type AccessDocument = ReturnType<typeof buildAccess>;
