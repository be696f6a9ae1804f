import type { DataRegion, Purpose, Resolvers } from '../generated/resolvers.js';

/**
 * Field resolvers that turn stored rows into the schema's shape. Secrets stay
 * in the store: SecuritySetting exposes only whether one exists.
 */
export const recordResolvers: Resolvers = {
  Profile: {
    gender: (row) => (row.gender as 'FEMALE' | 'MALE' | 'OTHER' | 'UNDISCLOSED' | null) ?? null,
  },
  SecuritySetting: {
    secretPresent: (row) => row.secretHash !== null && row.secretHash !== '',
  },
  SignInEvent: {
    success: (row) => row.success === 1,
  },
  EnvironmentValue: {
    derivedFrom: (row) => JSON.parse(row.derivedFrom) as string[],
  },
  Consent: {
    granted: (row) => row.granted === 1,
    purpose: (row) => row.purpose as Purpose,
  },
  NotificationPreference: {
    enabled: (row) => row.enabled === 1,
  },
  DataResidency: {
    region: (row) => row.region as DataRegion,
  },
};
