/** Integer minor units (qəpik, cents) → a decimal string with two places, e.g. 129900 → "1299.00". */
export function formatMinor(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The only form in which a card or account number leaves the service:
 * "•••• " and its last 4 digits. Whatever the stored value holds, at most 4
 * digits come out.
 */
export function maskNumber(stored: string): string {
  return `•••• ${stored.replace(/\D/g, '').slice(-4)}`;
}

/** Another person's name reduced to what the person needs: the first name. */
export function firstNameOnly(fullName: string): string {
  return fullName.trim().split(/\s+/)[0] ?? '';
}
