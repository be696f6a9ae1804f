/**
 * The person's rights and how to exercise them, from the privacy policy §9
 * ("what are your data protection rights") and §10 ("how to exercise them and
 * contact us"), with the GDPR articles they rest on. Shown in processing.json
 * and index.html (Art. 15(1)(e)–(f)).
 */
export interface Right {
  right: string;
  article: string;
  what: string;
  how: string;
}

export const PRIVACY_CONTACT = 'https://privacy.mi.com/support';

export const CONTROLLERS = [
  { forUsersIn: 'the European Economic Area, the United Kingdom and Switzerland', name: 'Xiaomi Technology Netherlands B.V.', address: 'Prinses Margrietplantsoen 39, 2595 AM, The Hague, The Netherlands' },
  { forUsersIn: 'India', name: 'Xiaomi Technology India Private Limited', address: 'Building Orchid, Block E, Embassy Tech Village, Outer Ring Road, Devarabisanahalli, Bengaluru, Karnataka - 560103, India', grievanceOfficer: 'grievance.officer@xiaomi.com' },
  { forUsersIn: 'other countries and territories', name: 'Xiaomi Technologies Singapore Pte. Ltd.', address: '1 Fusionopolis Link #04-02/03 Nexus@one-north, Singapore 138542' },
] as const;

export const HOW_TO_ASK = `Requests are made in writing, at ${PRIVACY_CONTACT} or by post to the address for your region (policy §10). Your identity is verified first; the answer comes within the legal deadline (one month under the GDPR). Manifestly unfounded or excessive requests may be refused, and further copies may carry a reasonable fee (§9, §10).`;

export const RIGHTS: Right[] = [
  {
    right: 'Access',
    article: 'GDPR Art. 15; policy §9',
    what: 'A copy of the personal data held about you and how it is processed — this archive. The first copy is free.',
    how: `Ask for a new copy in the privacy centre ("Download your data"), or in writing at ${PRIVACY_CONTACT}.`,
  },
  {
    right: 'Portability',
    article: 'GDPR Art. 20; policy §9',
    what: 'The data you provided, in a structured, commonly used, machine-readable format, to keep or to give to another company.',
    how: 'portable.json lists the records this covers; the JSON, CSV, vCard and GeoJSON files of this archive are that format. Ask us in writing to send it to another controller directly.',
  },
  {
    right: 'Rectification',
    article: 'GDPR Art. 16; policy §9',
    what: 'Have inaccurate data corrected and incomplete data completed.',
    how: 'Correct your profile at https://account.xiaomi.com or in Settings > Xiaomi Account, correct other data in the privacy centre ("Correct your data"), or ask in writing. Data that cannot be corrected says why, and what to do instead, in "How your data is processed".',
  },
  {
    right: 'Erasure',
    article: 'GDPR Art. 17; policy §8, §9',
    what: 'Have data erased when there is no longer a valid reason to keep it; backups are isolated until they are erased.',
    how: 'Delete the account in Settings > Xiaomi Account > Help > Delete account, or at https://account.xiaomi.com, or ask in writing.',
  },
  {
    right: 'Restriction',
    article: 'GDPR Art. 18; policy §9',
    what: 'Have processing limited, for example while the accuracy of data is checked.',
    how: `In writing at ${PRIVACY_CONTACT}.`,
  },
  {
    right: 'Objection',
    article: 'GDPR Art. 21; policy §3.2, §9',
    what: 'Object to processing based on legitimate interests, and at any time to profiling for direct marketing and personalised ads.',
    how: 'Turn off personalised ads in Settings > Passwords & security > Privacy > Ad services, use the unsubscribe link of a message, or write to us.',
  },
  {
    right: 'Withdraw consent',
    article: 'GDPR Art. 7(3); policy §8, §9',
    what: 'Withdraw a consent at any time; processing before the withdrawal stays lawful.',
    how: `Change the consent in the app or device settings, or write to ${PRIVACY_CONTACT}.`,
  },
  {
    right: 'Automated decisions',
    article: 'GDPR Art. 22; policy §3.2',
    what: 'Not to be subject to decisions based solely on automated processing, including profiling, with legal or similarly significant effects.',
    how: 'Opt out of automated personalisation in Settings > Passwords & security > Privacy > Ad services, or write to us.',
  },
  {
    right: 'Complaint',
    article: 'GDPR Art. 77; policy §10',
    what: 'Complain to the data protection authority where you live or work if you are not satisfied with our answer.',
    how: 'Contact your local supervisory authority.',
  },
];
