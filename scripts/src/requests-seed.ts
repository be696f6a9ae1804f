/** The gateway's privacy request seeder (gateway/src/requests/seed.ts), loaded only when requests are seeded. */
export type RequestSeedModule = typeof import('@footprint/gateway/requests/seed');

export async function loadRequestSeeder(): Promise<RequestSeedModule> {
  return import('@footprint/gateway/requests/seed');
}
