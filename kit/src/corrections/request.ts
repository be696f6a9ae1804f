import { randomInt, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fail } from '@footprint/schema';
import { parseArgs } from '../args.js';
import { requireCorrector, takesCorrections, type Caller } from './caller.js';
import { endContest, startContest } from './contest.js';
import { canSendCodes, sendCode } from './delivery.js';
import type { CorrectionDeps } from './deps.js';
import { entryById } from './history.js';
import { kindOf, RECORD_ID } from './kinds.js';
import { correctionTables, type CorrectionConfirmationRow } from './store.js';
import { readField, valueText } from './values.js';
import { applyCorrection, checkValue, correctionTransaction, fieldIssue, loadRow, validate } from './write.js';

/**
 * A correction request: validated against the field's rule and the version
 * the person read; applied at once, or — for a field confirmed by a one-time
 * code — kept pending while the code is sent to the new value.
 */

export const RequestInput = z.object({
  recordId: z.string().max(200).regex(RECORD_ID, 'recordId is a record id from the correction view (<kind>:<number>)'),
  field: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'field is a field name from the correction view'),
  value: z.string().max(20_000, 'A value can have at most 20000 characters').nullable().optional(),
  expectedVersion: z.string().min(1, 'expectedVersion is the version from the correction view').max(100),
  reason: z.string().trim().max(1000, 'A reason can have at most 1000 characters').nullable().optional(),
  restrictUntilResolved: z.boolean().nullish(),
});

/** A pending confirmation as the API shows it. */
export function pendingView(p: CorrectionConfirmationRow) {
  return { id: p.id, channel: p.channel, sentTo: p.sentTo, expiresAt: p.expiresAt, attemptsLeft: Math.max(0, p.maxAttempts - p.attempts) };
}

export async function requestCorrection(deps: CorrectionDeps, ctx: Caller, input: unknown) {
  const { domain } = deps;
  const person = requireCorrector(ctx);
  const cfg = takesCorrections(domain, deps.delivery);
  const req = parseArgs(RequestInput, input);
  const { kind, number } = kindOf(deps, req.recordId);
  const field = kind.fields.get(req.field);
  if (!field) fail('BAD_USER_INPUT', `${kind.meta.title} has no correctable field "${req.field}"; correctable: ${[...kind.fields.keys()].join(', ')}`, { field: req.field });
  const value = validate(field, req.value ?? null);
  if (field.spec.confirmWith && !canSendCodes(cfg)) fail('SUBGRAPH_UNAVAILABLE', 'One-time codes cannot be sent (no code sender is configured), so this change cannot be confirmed now');
  const who = { person, actor: ctx.credential.actor, actorType: ctx.credential.actorType, reason: req.reason || null, requestId: ctx.credential.requestId };

  const outcome = await correctionTransaction(deps, async (trx) => {
    const row = await loadRow(deps, trx, kind, number, person);
    const current = readField(field.spec, field.name, field.rule.type, row);
    if (deps.signer.versionOf(req.recordId, field.name, current) !== req.expectedVersion) {
      fail('CONFLICT', `${field.spec.label} changed since it was read; nothing was changed. Reload and correct it again.`, { field: field.name, stale: true });
    }
    if (valueText(current) === valueText(value)) fieldIssue(field, 'that is already the current value');
    await checkValue(trx, kind, field, row, value, person);
    if (field.spec.confirmWith) {
      const id = randomUUID();
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const now = new Date();
      const pending: CorrectionConfirmationRow = {
        id,
        personId: person,
        kind: kind.meta.kind,
        recordNumber: row.id,
        field: field.name,
        newValue: valueText(value),
        expectedVersion: req.expectedVersion,
        channel: field.spec.confirmWith,
        sentTo: field.spec.mask ? field.spec.mask(String(value)) : String(value),
        codeHash: deps.signer.codeHash(id, code),
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + cfg.codeTtlSeconds * 1000).toISOString(),
        attempts: 0,
        maxAttempts: cfg.codeMaxAttempts,
        state: 'PENDING',
        actor: who.actor,
        actorType: who.actorType,
        reason: who.reason,
        requestId: who.requestId,
      };
      await correctionTables(trx).insertInto('correctionConfirmation').values(pending).execute();
      if (req.restrictUntilResolved) {
        await startContest(trx, { person, kind: kind.meta.kind, recordNumber: row.id, fieldLabel: field.spec.label, confirmationId: id, since: pending.createdAt, actor: who.actor, requestId: who.requestId });
      }
      return { applied: null, pending, code, to: String(value) };
    }
    return { applied: await applyCorrection(deps, trx, kind, field, row, current, value, { ...who, confirmedWith: null }), pending: null, code: '', to: '' };
  });

  if (outcome.applied !== null) {
    deps.noticesDue();
    return { status: 'APPLIED', entry: await entryById(deps, outcome.applied), confirmation: null };
  }
  const { pending, code, to } = outcome;
  if (!pending) throw new Error('unreachable: neither applied nor pending');
  try {
    await sendCode(cfg, ctx.log, { domain, channel: pending.channel as 'EMAIL' | 'PHONE', to, code, expiresAt: pending.expiresAt, confirmationId: pending.id, language: ctx.language });
  } catch (err) {
    await correctionTables(deps.db).updateTable('correctionConfirmation').set({ state: 'UNSENT' }).where('id', '=', pending.id).execute();
    await endContest(deps.db, pending.id);
    ctx.log.error({ err, confirmationId: pending.id }, 'one-time code could not be sent');
    fail('SUBGRAPH_UNAVAILABLE', 'The one-time code could not be sent; nothing was changed. Try again later.');
  }
  return { status: 'PENDING_CONFIRMATION', entry: null, confirmation: pendingView(pending) };
}
