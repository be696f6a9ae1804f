import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { fail } from '@footprint/schema';
import { parseArgs } from '../args.js';
import { requireCorrector, takesCorrections, type Caller } from './caller.js';
import { endContest } from './contest.js';
import type { CorrectionDeps } from './deps.js';
import { entryById } from './history.js';
import { kindOf } from './kinds.js';
import { correctionTables } from './store.js';
import { readField } from './values.js';
import { applyCorrection, checkValue, correctionTransaction, loadRow, validate } from './write.js';

/**
 * Confirms a pending correction with its one-time code: a limited number of
 * attempts, each spent before the comparison; then the correction applies if
 * the value is still the one the request was made against.
 */

export const ConfirmArgs = z.object({
  confirmationId: z.uuid('confirmationId is the id returned with PENDING_CONFIRMATION'),
  code: z.string().trim().regex(/^\d{6}$/, 'The code has 6 digits'),
});

const TOO_MANY = 'Too many wrong codes: request the change again to get a new code';

export async function confirmCorrection(deps: CorrectionDeps, ctx: Caller, args: unknown) {
  const person = requireCorrector(ctx);
  takesCorrections(deps.domain, deps.delivery);
  const { confirmationId, code } = parseArgs(ConfirmArgs, args);
  const kit = correctionTables(deps.db);
  const p = await kit.selectFrom('correctionConfirmation').selectAll().where('id', '=', confirmationId).where('personId', '=', person).executeTakeFirst();
  if (!p) fail('NOT_FOUND', 'No pending correction with this id for this person');
  if (p.state === 'LOCKED') fail('TOO_MANY_REQUESTS', TOO_MANY);
  if (p.state !== 'PENDING') fail('CONFLICT', `This confirmation is ${p.state.toLowerCase()}: request the change again`);
  if (Date.parse(p.expiresAt) <= Date.now()) {
    await kit.updateTable('correctionConfirmation').set({ state: 'EXPIRED' }).where('id', '=', p.id).where('state', '=', 'PENDING').execute();
    await endContest(deps.db, p.id);
    fail('BAD_USER_INPUT', 'The code has expired: request the change again to get a new code', { field: 'code', expired: true });
  }
  // Spend an attempt first, atomically, then compare: parallel guesses cannot get past the limit.
  const spent = await kit
    .updateTable('correctionConfirmation')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', p.id)
    .where('state', '=', 'PENDING')
    .where('attempts', '<', p.maxAttempts)
    .returning('attempts')
    .executeTakeFirst();
  if (!spent) fail('TOO_MANY_REQUESTS', TOO_MANY, { field: 'code', attemptsLeft: 0 });
  const good = timingSafeEqual(Buffer.from(deps.signer.codeHash(p.id, code)), Buffer.from(p.codeHash));
  if (!good) {
    const left = p.maxAttempts - spent.attempts;
    if (left <= 0) {
      await kit.updateTable('correctionConfirmation').set({ state: 'LOCKED' }).where('id', '=', p.id).where('state', '=', 'PENDING').execute();
      await endContest(deps.db, p.id);
      fail('TOO_MANY_REQUESTS', TOO_MANY, { field: 'code', attemptsLeft: 0 });
    }
    fail('BAD_USER_INPUT', `The code is not right; ${left} attempt(s) left`, { field: 'code', attemptsLeft: left });
  }
  const recordId = `${p.kind}:${p.recordNumber}`;
  const { kind } = kindOf(deps, recordId);
  const field = kind.fields.get(p.field)!;
  const value = validate(field, p.newValue);
  const outcome = await correctionTransaction(deps, async (trx) => {
    const kitTrx = correctionTables(trx);
    // Conditional: of two confirmations racing, one wins.
    const took = await kitTrx.updateTable('correctionConfirmation').set({ state: 'CONFIRMED' }).where('id', '=', p.id).where('state', '=', 'PENDING').executeTakeFirst();
    if (Number(took.numUpdatedRows) !== 1) fail('CONFLICT', 'This confirmation was already used');
    const row = await loadRow(deps, trx, kind, p.recordNumber, person);
    const current = readField(field.spec, field.name, field.rule.type, row);
    if (deps.signer.versionOf(recordId, field.name, current) !== p.expectedVersion) {
      await kitTrx.updateTable('correctionConfirmation').set({ state: 'STALE' }).where('id', '=', p.id).execute();
      return { stale: true as const };
    }
    await checkValue(trx, kind, field, row, value, person);
    return {
      applied: await applyCorrection(deps, trx, kind, field, row, current, value, {
        person,
        actor: p.actor,
        actorType: p.actorType,
        reason: p.reason,
        requestId: p.requestId,
        confirmedWith: p.channel,
      }),
    };
  });
  await endContest(deps.db, p.id);
  if ('stale' in outcome) fail('CONFLICT', `${field.spec.label} changed after the code was sent; nothing was changed. Reload and correct it again.`, { field: field.name, stale: true });
  deps.noticesDue();
  return { status: 'APPLIED', entry: await entryById(deps, outcome.applied), confirmation: null };
}
