// Masks for contact identifiers: enough to recognise, not enough to use.

/** j•••e@example.com */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  const local = email.slice(0, at);
  return `${local[0]}•••${local.length > 2 ? local[local.length - 1] : ''}${email.slice(at)}`;
}

/** +994 ••• ••67 (country code and the last two digits) */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '•••';
  const cc = phone.trim().startsWith('+') ? `+${digits.slice(0, 3)} ` : '';
  return `${cc}••• ••${digits.slice(-2)}`;
}

/** Anything else sensitive: the last 4 characters. */
export function maskTail(value: string): string {
  return value.length <= 4 ? '•••' : `•••${value.slice(-4)}`;
}
