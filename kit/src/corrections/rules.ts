import { z } from 'zod';

// Reusable zod rules, so domains that hold the same thing hold it to one rule.

/** E.164: a plus, the country code and the number, digits only (what couriers and SMS gateways need). */
export const PhoneE164 = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'Enter the number in international form, e.g. +994501234567')
  .meta({ format: 'phone' });

export const EmailAddress = z.email({ message: 'Enter an e-mail address like name@example.com' }).max(254, 'An e-mail address has at most 254 characters');

/** ISO 3166-1 alpha-2. */
export const CountryCode = z
  .string()
  .trim()
  .regex(/^[A-Z]{2}$/, 'Use the two-letter country code, e.g. AZ')
  .meta({ format: 'country' });

/** Text people type (names, labels): trimmed, no control characters. */
export function text(min: number, max: number, what = 'This'): z.ZodString {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? `${what} cannot be empty` : `${what} needs at least ${min} characters`)
    .max(max, `${what} can have at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, `${what} cannot contain control characters`);
}

/** Longer text that may span lines (notes, instructions): no control characters but line breaks and tabs. */
export function multiline(max: number, what = 'This'): z.ZodString {
  return z
    .string()
    .max(max, `${what} can have at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: input validation: these control characters (all but tab, LF, CR) are what the rule rejects
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/u, `${what} cannot contain control characters`);
}
