import { correctableKind, defineCorrections, EmailAddress, maskEmail, maskPhone, PhoneE164, text } from '@footprint/kit';
import { z } from 'zod';
import type { AccountDB, KindRows } from './store.js';

/**
 * What a person can correct in their account (policy §9), with the rules the
 * account domain holds its data to. The kit publishes these rules from the zod
 * schemas below, validates with them and applies corrections atomically.
 */

const GENDERS = ['FEMALE', 'MALE', 'OTHER', 'UNDISCLOSED'] as const;

const profile = correctableKind<AccountDB, KindRows['Profile']>({
  kind: 'account.profile',
  label: (row) => `Account ${row.accountId}`,
  fields: {
    name: {
      label: 'Name',
      schema: text(1, 100, 'A name').regex(/^[\p{L}\p{M}][\p{L}\p{M} .'’-]*$/u, 'A name has letters, spaces, dots, apostrophes and hyphens'),
      description: '1 to 100 characters: letters, spaces, dots, apostrophes and hyphens',
    },
    nickname: {
      label: 'Nickname',
      schema: text(2, 30, 'A nickname')
        .regex(/^[\p{L}\p{N}_.-]+$/u, 'A nickname has letters, digits, underscores, dots and hyphens, without spaces')
        .nullable(),
      description: '2 to 30 letters, digits, underscores, dots or hyphens; may be left empty',
    },
    gender: {
      label: 'Gender',
      schema: z.enum(GENDERS),
      description: 'One of FEMALE, MALE, OTHER or UNDISCLOSED',
    },
    email: {
      label: 'E-mail address',
      schema: EmailAddress,
      mask: maskEmail,
      // The address signs the person in and receives security notices: prove it is theirs first.
      confirmWith: 'EMAIL',
      description: 'An e-mail address you can read: a code is sent to it, and the change takes effect once you enter it',
    },
    phone: {
      label: 'Phone number',
      schema: PhoneE164,
      mask: maskPhone,
      confirmWith: 'PHONE',
      description: 'In international form (+994501234567): a code is sent to it by SMS, and the change takes effect once you enter it',
    },
  },
  // One account per e-mail address: it is how people sign in.
  async check(trx, row, field, value) {
    if (field !== 'email' || typeof value !== 'string') return null;
    const taken = await trx
      .selectFrom('profile')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['email']), '=', value.toLowerCase()))
      .where('personId', '!=', row.personId)
      .executeTakeFirst();
    return taken ? 'this address belongs to another account' : null;
  },
});

const notificationPreference = correctableKind<AccountDB, KindRows['NotificationPreference']>({
  kind: 'account.notification_preference',
  label: (row) => `${row.topic} by ${row.channel.toLowerCase()}`,
  touch: 'updatedAt',
  fields: {
    enabled: { label: 'Receive these notifications', schema: z.boolean(), description: 'true to receive them, false to stop them' },
  },
});

export const corrections = defineCorrections<AccountDB>([profile, notificationPreference]);
