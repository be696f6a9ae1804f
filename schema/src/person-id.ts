/**
 * A person's id: their account ID, 6 to 20 digits. The one definition, used
 * wherever a person id enters — tokens (`sub`), `person(id:)`, `personId:`
 * arguments, export jobs, the command-line tools — so that nothing else ever
 * reaches a store, a subgraph or the audit log.
 */
export const PERSON_ID_PATTERN = /^\d{6,20}$/;
export const PERSON_ID_RULE = 'an account ID of 6 to 20 digits, e.g. 10000001';

export const isPersonId = (value: unknown): value is string => typeof value === 'string' && PERSON_ID_PATTERN.test(value);

/** A bounded, printable excerpt of a rejected value, for an error message (never the whole of a 1 MB input). */
export function excerpt(value: string, max = 40): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}… (${value.length} characters)` : clean;
}
