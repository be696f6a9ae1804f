/**
 * What a privacy request is (GDPR Art. 12; policy §10): its types, channels,
 * states and the transitions allowed between them. Everything that changes a
 * request goes through one of these transitions, appended to its timeline.
 */

export const REQUEST_TYPES = ['ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION', 'CONSENT_WITHDRAWAL'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** PRIVACY_CENTRE: the signed-in person asked; EMAIL/POST: an operator entered a written request. */
export const CHANNELS = ['PRIVACY_CENTRE', 'EMAIL', 'POST'] as const;
export type Channel = (typeof CHANNELS)[number];

export const STATES = ['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'ON_HOLD', 'COMPLETED', 'REFUSED', 'WITHDRAWN', 'CLOSED'] as const;
export type RequestState = (typeof STATES)[number];
export const OPEN_STATES: RequestState[] = ['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'ON_HOLD'];
/** CLOSED: ended without an answer because the whole account was erased (nobody left to answer or verify). */
export const CLOSED_STATES: RequestState[] = ['COMPLETED', 'REFUSED', 'WITHDRAWN', 'CLOSED'];
export const isOpen = (s: RequestState) => OPEN_STATES.includes(s);

/** How the requester's identity was verified (nothing runs before one of these). */
export const VERIFICATION_METHODS = ['SIGNED_IN', 'CODE', 'OPERATOR_CHECK'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

export const REFUSAL_GROUNDS = ['MANIFESTLY_UNFOUNDED', 'EXCESSIVE', 'IDENTITY_NOT_VERIFIED', 'OTHER'] as const;
export type RefusalGround = (typeof REFUSAL_GROUNDS)[number];

/** Stated with every refusal (Art. 12(4)). */
export const COMPLAINT_RIGHT =
  'You may lodge a complaint with a supervisory authority, in particular in the EU member state of your habitual residence, place of work or the place of the alleged infringement, and seek a judicial remedy (GDPR Art. 12(4), 77 and 79; privacy policy §10).';

/** What happened to a request, one entry per transition or recorded fact. */
export const ACTIONS = [
  'RECEIVED',
  'FLAGGED_EXCESSIVE',
  'CODE_SENT',
  'CODE_REJECTED',
  'CODE_LOCKED',
  'VERIFIED',
  'ASSIGNED',
  'STARTED',
  'WORK_SUCCEEDED',
  'WORK_FAILED',
  'EXTENDED',
  'ON_HOLD',
  'RESUMED',
  'COMPLETED',
  'REFUSED',
  'WITHDRAWN',
  'CLOSED',
  'NOTIFICATION_FAILED',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Error reasons (extensions.reason) of refused transitions: each a clear, stable code. */
export type TransitionProblem =
  | 'ILLEGAL_TRANSITION'
  | 'NOT_VERIFIED'
  | 'ALREADY_VERIFIED'
  | 'ALREADY_EXTENDED'
  | 'EXTENSION_TOO_LATE'
  | 'WORK_NOT_DONE'
  | 'WORK_NOT_AVAILABLE'
  | 'NO_CODE_SENT'
  | 'CODE_EXPIRED'
  | 'CODE_INVALID'
  | 'NO_ATTEMPTS_LEFT'
  | 'NO_CONTACT'
  | 'EXCESSIVE_UNDECIDED';

/** The states an action may be taken from; anything else is ILLEGAL_TRANSITION and changes nothing. */
export const ALLOWED_FROM: Record<'sendCode' | 'verify' | 'assign' | 'start' | 'extend' | 'hold' | 'resume' | 'complete' | 'refuse' | 'withdraw', RequestState[]> = {
  sendCode: ['RECEIVED', 'VERIFYING'],
  verify: ['RECEIVED', 'VERIFYING'],
  assign: OPEN_STATES,
  start: ['RECEIVED', 'IN_PROGRESS'],
  extend: OPEN_STATES,
  hold: ['RECEIVED', 'VERIFYING', 'IN_PROGRESS'],
  resume: ['ON_HOLD'],
  complete: ['IN_PROGRESS'],
  refuse: ['RECEIVED', 'VERIFYING', 'IN_PROGRESS', 'ON_HOLD'],
  withdraw: OPEN_STATES,
};

/** Who may act for a person (policy §12: parents and guardians for children; a legal representative; anyone else with proof). */
export const RELATIONSHIPS = ['PARENT', 'GUARDIAN', 'LEGAL_REPRESENTATIVE', 'OTHER'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

/**
 * Someone making a written request on the person's behalf: who, in what
 * capacity, how to reach them, and what proof of their authority an operator
 * checked (and who did, when). The answer's notices go to them and to the person.
 */
export interface Representative {
  name: string;
  relationship: Relationship;
  /** An e-mail address or phone number, as given with the request. */
  contact: string;
  authorityChecked: string;
  checkedBy: string;
  checkedAt: string;
}

/** What a rights request is about, where its type needs it: kinds of data (erasure, restriction), a purpose (objection, consent), an end. */
export interface RequestScope {
  kinds?: string[] | null;
  purpose?: string | null;
  until?: string | null;
}

/** Work a request drives and what it left as evidence (kept as JSON on the request). */
export interface RequestWork {
  /** The job the gateway follows until it ends (an export or an erasure); its failure names it. */
  trackedJobId?: string | null;
  erasureJobId?: string | null;
  exportJobId?: string | null;
  /** Earlier export jobs of this request (a retried one), oldest first. */
  previousExportJobs?: string[];
  correctionIds?: string[];
  /** Issue-11 rights jobs (erasure, restriction …) once wired. */
  jobIds?: string[];
}
export interface RequestEvidence {
  archiveSha256?: string | null;
  archiveBytes?: number | null;
  records?: number | null;
  exportJobId?: string | null;
  erasureJobId?: string | null;
  correctionIds?: string[];
  receipts?: string[];
}
export interface RequestFailure {
  code: string;
  message: string;
  at: string;
}

/** A request as the rest of the feature sees it (parsed). */
export interface PrivacyRequest {
  id: string;
  personId: string;
  type: RequestType;
  channel: Channel;
  originalText: string | null;
  details: string | null;
  scope: RequestScope;
  /** Made on the person's behalf by this representative; null when the person asked. */
  representative: Representative | null;
  receivedAt: string;
  dueAt: string;
  extendedTo: string | null;
  extensionReason: string | null;
  /** The deadline in force: extendedTo, else dueAt. */
  deadline: string;
  state: RequestState;
  heldFrom: RequestState | null;
  verificationMethod: VerificationMethod | null;
  verifiedAt: string | null;
  verifiedBy: string | null;
  assignee: string | null;
  possiblyExcessive: boolean;
  excessiveOf: string | null;
  /** An operator decided to go ahead with a flagged request (start). */
  excessiveDecidedBy: string | null;
  work: RequestWork;
  evidence: RequestEvidence;
  failure: RequestFailure | null;
  answer: string | null;
  refusalGround: RefusalGround | null;
  refusalReason: string | null;
  createdBy: string;
  createdByType: 'subject' | 'operator';
  closedAt: string | null;
  /** Held after the account's erasure (RETAIN, P3Y from the first erasure): since then, until this end, then purged. */
  heldSince: string | null;
  heldUntil: string | null;
  updatedAt: string;
}

export interface RequestEvent {
  id: number;
  requestId: string;
  at: string;
  actor: string;
  actorType: string;
  action: Action;
  fromState: RequestState | null;
  toState: RequestState;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

/** Who acts on a request: the person, an operator, or the gateway itself (work finished). */
export interface Actor {
  id: string;
  type: 'subject' | 'operator' | 'system';
  /** A person acting themselves: their browser's Accept-Language, for notices before they choose a language. */
  acceptLanguage?: string;
}
