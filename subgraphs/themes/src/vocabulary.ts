import { fail } from '@footprint/schema';
import type {
  CarouselChangeFrequency,
  CarouselEventType,
  CarouselViewMode,
  ThemeInteractionType,
  ThemeItemType,
  ThemeTagFacet,
} from './generated/resolvers.js';

/**
 * The values of each SDL enum, as one list the seed writes from and the
 * resolvers check against. `every<T>()` refuses to compile when a list misses
 * a value of the enum, so a value added to schema.graphql must be added here.
 */
function every<T extends string>() {
  return <const A extends readonly T[]>(...values: A & ([T] extends [A[number]] ? unknown : never)): A => values;
}

export const ITEM_TYPES = every<ThemeItemType>()('THEME', 'WALLPAPER', 'LIVE_WALLPAPER', 'FONT', 'ICON_PACK');
export const INTERACTION_TYPES = every<ThemeInteractionType>()('LIKE', 'COMMENT', 'FAVOURITE', 'SHARE');
export const TAG_FACETS = every<ThemeTagFacet>()('STYLE', 'TAG');
export const CHANGE_FREQUENCIES = every<CarouselChangeFrequency>()('EVERY_UNLOCK', 'HOURLY', 'EVERY_6_HOURS', 'DAILY');
export const CAROUSEL_EVENT_TYPES = every<CarouselEventType>()('VIEW', 'CLICK', 'IMPRESSION');
export const VIEW_MODES = every<CarouselViewMode>()('LOCK_SCREEN', 'FULL_SCREEN', 'DETAIL');

/** A stored text as one of an enum's values; a value the schema does not know is a store fault, not the caller's. */
export function oneOf<T extends string>(values: readonly T[], stored: string, field: string): T {
  if ((values as readonly string[]).includes(stored)) return stored as T;
  fail('INTERNAL_SERVER_ERROR', `The themes store holds an unknown ${field}`);
}

/** Digits after the decimal point of the currencies the store sells in (ISO 4217). */
const MINOR_DIGITS: Record<string, number> = { AZN: 2, EUR: 2, USD: 2, INR: 2, RUB: 2, SGD: 2, JPY: 0 };

/** Minor units (cents, qəpik) as a decimal amount: 199 AZN → "1.99"; exact, no floating point. */
export function formatMinor(minor: number, currency: string): string {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(minor));
  if (digits === 0) return `${sign}${abs}`;
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

/** A card as its last four digits only, whatever the store holds: "•••• 1234". */
export function maskCard(stored: string | null): string | null {
  if (stored === null) return null;
  const last4 = stored.replace(/\D/g, '').slice(-4);
  return last4.length === 4 ? `•••• ${last4}` : '••••';
}
