/**
 * The filesystem errors that mean the export store has no room for what is
 * written: a full device, a used-up quota, a file past the size allowed. None
 * is the export's or the person's fault, and none passes by itself: an
 * operator must free or add space, so the job fails saying so (and is not
 * retried at once, which would fill the store again).
 */
const NO_SPACE: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'a file grew past the largest size allowed',
};

/** The export store's job error code for it (ExportError.code). */
export const EXPORT_STORE_FULL = 'EXPORT_STORE_FULL';

/** `ENOSPC: no space left on the device` when `err` (or an error it wraps) is one of these, else null. */
export function noSpaceCause(err: unknown): string | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && code in NO_SPACE) return `${code}: ${NO_SPACE[code]}`;
  }
  return null;
}
