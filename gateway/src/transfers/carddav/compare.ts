import ICAL from 'ical.js';

/**
 * Whether a card read back from a CardDAV server says what was sent. Servers
 * may re-serialise a card (Radicale parses and writes it again: line folding,
 * parameter case, property order), so both are parsed with a real vCard
 * parser (ical.js, RFC 6350) and compared property by property: name,
 * parameters and values, in any order. Properties a server adds on its own
 * (PRODID) are not the person's data and are left out of the comparison.
 */

const SERVER_PROPERTIES = new Set(['prodid']);

/** One property as a comparable string: its name, its parameters (names lower-cased, sorted) and its values. */
function canonical(prop: ICAL.Property): string {
  const params = Object.entries(prop.toJSON()[1] as Record<string, unknown>)
    .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.map((x) => String(x).toLowerCase()).sort() : String(v).toLowerCase()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([prop.name, params, prop.getValues().map((v) => (typeof v === 'object' && v !== null ? String(v) : v))]);
}

/** The properties of one vCard, canonical and sorted; throws when the text is not exactly one vCard. */
export function cardProperties(text: string): string[] {
  const parsed = ICAL.parse(text);
  // ICAL.parse gives one component, or an array when the text holds several.
  const cards = Array.isArray(parsed[0]) ? (parsed as unknown[]) : [parsed];
  if (cards.length !== 1) throw new Error(`expected one vCard, found ${cards.length}`);
  const card = new ICAL.Component(cards[0] as ConstructorParameters<typeof ICAL.Component>[0]);
  if (card.name !== 'vcard') throw new Error(`expected a vCard, found ${card.name}`);
  return card
    .getAllProperties()
    .filter((p) => !SERVER_PROPERTIES.has(p.name))
    .map(canonical)
    .sort();
}

/** Null when `received` holds the same vCard as `sent`; else what differs, for the person to read. */
export function cardDifference(sent: string, received: string): string | null {
  let a: string[];
  let b: string[];
  try {
    a = cardProperties(sent);
  } catch (err) {
    return `the card sent could not be parsed (${(err as Error).message})`;
  }
  try {
    b = cardProperties(received);
  } catch (err) {
    return `the card read back is not a vCard (${(err as Error).message})`;
  }
  const missing = a.filter((p) => !b.includes(p));
  const added = b.filter((p) => !a.includes(p));
  if (missing.length === 0 && added.length === 0) return null;
  const name = (p: string) => (JSON.parse(p) as [string])[0].toUpperCase();
  return [missing.length ? `missing or changed: ${[...new Set(missing.map(name))].join(', ')}` : '', added.length ? `not sent: ${[...new Set(added.map(name))].join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}
