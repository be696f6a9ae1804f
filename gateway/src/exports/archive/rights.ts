import type { Translator } from '@footprint/i18n';
import { PRIVACY_SUPPORT_URL, type Controller } from '@footprint/schema';

/**
 * The person's rights and how to exercise them, from the privacy policy §9
 * ("what are your data protection rights") and §10 ("how to exercise them and
 * contact us"), with the GDPR articles they rest on, and — for each — what the
 * privacy centre offers for it today (its sections: Download your data, Correct
 * your data, Your choices: consents, objections, restrict processing; Erase
 * your account; Your requests). Texts: catalogues/<language>/archive.json.
 * Shown in processing.json and index.html (Art. 15(1)(e)–(f)).
 */
export interface Right {
  code: RightCode;
  right: string;
  article: string;
  what: string;
  how: string;
}

export const RIGHT_CODES = ['ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION', 'WITHDRAW_CONSENT', 'AUTOMATED_DECISIONS', 'COMPLAINT'] as const;
export type RightCode = (typeof RIGHT_CODES)[number];

export const PRIVACY_CONTACT = PRIVACY_SUPPORT_URL;

const ARTICLE: Record<RightCode, string> = {
  ACCESS: 'GDPR Art. 15; §9',
  PORTABILITY: 'GDPR Art. 20; §9',
  RECTIFICATION: 'GDPR Art. 16; §9',
  ERASURE: 'GDPR Art. 17; §8, §9',
  RESTRICTION: 'GDPR Art. 18; §9',
  OBJECTION: 'GDPR Art. 21; §3.2, §9',
  WITHDRAW_CONSENT: 'GDPR Art. 7(3); §8, §9',
  AUTOMATED_DECISIONS: 'GDPR Art. 22; §3.2',
  COMPLAINT: 'GDPR Art. 77; §10',
};

/** How to complain, for the controller that applies to this person (§10). */
function complaintHow(tr: Translator, c: Controller): string {
  switch (c.complaint.kind) {
    case 'SUPERVISORY_AUTHORITY':
      return tr.t('archive.right.COMPLAINT.how.SUPERVISORY_AUTHORITY', { url: c.complaint.url, contact: c.contact });
    case 'GRIEVANCE_OFFICER':
      return tr.t('archive.right.COMPLAINT.how.GRIEVANCE_OFFICER', { name: c.complaint.name, phone: c.complaint.phone, email: c.complaint.email, contact: c.contact });
    case 'SUPPORT_SITE':
      return tr.t('archive.right.COMPLAINT.how.SUPPORT_SITE', { url: c.complaint.url });
  }
}

export function rights(tr: Translator, controller: Controller): Right[] {
  const contact = controller.contact;
  const text = {
    ACCESS: [tr.t('terms.right.ACCESS'), tr.t('archive.right.ACCESS.what'), tr.t('archive.right.ACCESS.how', { contact })],
    PORTABILITY: [tr.t('terms.right.PORTABILITY'), tr.t('archive.right.PORTABILITY.what'), tr.t('archive.right.PORTABILITY.how', { contact })],
    RECTIFICATION: [tr.t('terms.right.RECTIFICATION'), tr.t('archive.right.RECTIFICATION.what'), tr.t('archive.right.RECTIFICATION.how', { contact })],
    ERASURE: [tr.t('terms.right.ERASURE'), tr.t('archive.right.ERASURE.what'), tr.t('archive.right.ERASURE.how', { contact })],
    RESTRICTION: [tr.t('terms.right.RESTRICTION'), tr.t('archive.right.RESTRICTION.what'), tr.t('archive.right.RESTRICTION.how', { contact })],
    OBJECTION: [tr.t('terms.right.OBJECTION'), tr.t('archive.right.OBJECTION.what'), tr.t('archive.right.OBJECTION.how', { contact })],
    WITHDRAW_CONSENT: [tr.t('terms.right.WITHDRAW_CONSENT'), tr.t('archive.right.WITHDRAW_CONSENT.what'), tr.t('archive.right.WITHDRAW_CONSENT.how', { contact })],
    AUTOMATED_DECISIONS: [tr.t('archive.right.AUTOMATED_DECISIONS.name'), tr.t('archive.right.AUTOMATED_DECISIONS.what'), tr.t('archive.right.AUTOMATED_DECISIONS.how', { contact })],
    COMPLAINT: [tr.t('archive.right.COMPLAINT.name'), tr.t('archive.right.COMPLAINT.what'), complaintHow(tr, controller)],
  } satisfies Record<RightCode, [string, string, string]>;
  return RIGHT_CODES.map((code) => {
    const [right, what, how] = text[code];
    return { code, right, article: ARTICLE[code], what, how };
  });
}

/** How requests are made: in the privacy centre, or in writing to the controller that applies (§10). */
export function howToAsk(tr: Translator, c: Controller): string {
  return tr.t('archive.howToExercise', { contact: c.contact, name: c.name, address: c.address });
}
