import type { MessageKey } from '@footprint/i18n';
import { t } from './lang.js';

/** A GraphQL error as the gateway answers it. */
export interface GqlError {
  message: string;
  extensions?: { code?: string; reason?: string; field?: string; domain?: string; attemptsLeft?: number; expired?: boolean; retryAt?: string } & Record<string, unknown>;
}

/** Reasons the catalogue words on their own (errors.reason.<REASON>); other reasons fall back to the code's text. */
const REASONS = [
  'CODE_LOCKED', 'CODE_SENDS_EXCEEDED', 'CODE_INVALID', 'CODE_EXPIRED', 'ACCOUNT_ERASED', 'RECEIPT_IN_FUTURE', 'RECEIPT_TOO_OLD', 'ILLEGAL_TRANSITION',
  'NOT_VERIFIED', 'ALREADY_VERIFIED', 'ALREADY_EXTENDED', 'EXTENSION_TOO_LATE', 'WORK_NOT_DONE', 'WORK_NOT_AVAILABLE', 'EXCESSIVE_UNDECIDED',
  'INVALID_URL', 'INSECURE_URL', 'PRIVATE_ADDRESS', 'NO_BASELINE',
] as const;
const CODES = [
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS', 'SUBGRAPH_UNAVAILABLE', 'LIMIT_EXCEEDED', 'BAD_REQUEST', 'NETWORK',
  // Why a push to a server the person named stopped (ServerPush.error.code).
  'REMOTE_UNAUTHORIZED', 'REMOTE_UNREACHABLE', 'NOT_CARDDAV', 'NO_ADDRESS_BOOK', 'REMOTE_REFUSED', 'TARGET_REFUSED', 'CARDS_NOT_VERIFIED', 'SOURCE_UNAVAILABLE', 'INTERRUPTED',
] as const;
// Typed lists: tsc checks that every `errors.reason.<R>` and `errors.code.<C>` below is a catalogue key.
const isOneOf = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);

/**
 * What a person reads for an error: the catalogue's text for its code (and
 * reason, or the attempts left on a code), in the page's language; the
 * gateway's own message — English, for the record — follows as a detail.
 */
export function errorMessage(e: GqlError | undefined, fallback: MessageKey = 'errors.code.UNKNOWN'): string {
  if (!e) return t(fallback);
  const x = e.extensions ?? {};
  let summary: string;
  if (typeof x.attemptsLeft === 'number' && x.attemptsLeft > 0) summary = t('errors.codeWrong', { count: x.attemptsLeft });
  else if (x.expired === true) summary = t('errors.reason.CODE_EXPIRED');
  else if (isOneOf(REASONS, x.reason)) summary = t(`errors.reason.${x.reason}`);
  else if (isOneOf(CODES, x.code)) summary = t(`errors.code.${x.code}`);
  else summary = t(fallback);
  return e.message ? t('errors.withDetail', { message: summary, detail: e.message }) : summary;
}

/** The desk's form: the code (and reason) first, so an operator can tell errors apart, then the worded message. */
export function errorWithCode(e: GqlError | undefined): string | null {
  if (!e) return null;
  const code = [e.extensions?.code, e.extensions?.reason].filter(Boolean).join(' / ');
  return code ? t('errors.coded', { code, message: errorMessage(e) }) : errorMessage(e);
}
