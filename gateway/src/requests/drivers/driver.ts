import type { GatewayContext } from '../../context.js';
import type { Actor, PrivacyRequest, RequestEvidence, RequestFailure, RequestScope, RequestType, RequestWork } from '../model.js';

/** What starting a request's work left: the work it drives, or why it could not start. */
export interface StartOutcome {
  work: RequestWork;
  failure: RequestFailure | null;
  /** Said in the timeline entry (e.g. "export job …", "awaiting …"). */
  note: string;
  /** Work done at once (a restriction, an objection): the request completes with this evidence. */
  done?: RequestEvidence;
}

/** Where the work stands: still running, done with its evidence, or failed. */
export type WorkStatus = { status: 'RUNNING' } | { status: 'DONE'; evidence: RequestEvidence } | { status: 'FAILED'; failure: RequestFailure };

/** What an operator gives when completing a request by hand. */
export interface CompletionInput {
  correctionIds: string[];
  receipts: string[];
}

/**
 * The work behind one or more request types. A new type of request plugs in
 * as a driver in the registry (see registry.ts); the request lifecycle itself
 * never names an export or a correction.
 */
export interface RequestDriver {
  types: RequestType[];
  /** Work the gateway starts on its own once the request is verified (false: done by hand, e.g. corrections). */
  describe: string;
  /** Whether the machinery this driver uses exists in this build; a request without it can never be completed. */
  available: boolean;
  /**
   * A destructive request (erasure) from the signed-in person is confirmed
   * with a one-time code to the account's e-mail before anything runs: a
   * session alone does not erase an account.
   */
  confirmByCode?(type: RequestType): boolean;
  /** Checks what the request is about (kinds, purpose) when it is received, at `now` (the legal clock); BAD_USER_INPUT names what is wrong. */
  validate?(type: RequestType, scope: RequestScope, now: Date): void;
  /** Starts the work of a verified request (again, after a failure), on behalf of `actor`. */
  start(req: PrivacyRequest, now: Date, actor: Actor): Promise<StartOutcome>;
  /** Where automatically tracked work stands; null when the driver tracks none (completed by hand). */
  status?(req: PrivacyRequest): Promise<WorkStatus | null>;
  /** The evidence to complete with, or a coded error when the work is not done. */
  complete(req: PrivacyRequest, input: CompletionInput, ctx: GatewayContext): Promise<RequestEvidence>;
}
