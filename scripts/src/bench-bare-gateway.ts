import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApolloGateway, LocalGraphQLDataSource, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { z } from 'zod';
import { REPO_ROOT, subgraphDocument } from '@footprint/kit';
import { credentialHeaders } from './bench-queries.js';

/**
 * The baseline of the per-request benchmark: a bare @apollo/gateway — plain
 * ApolloGateway and ApolloServer (standalone), no token check, no armor, no
 * audit, no plugins — over the same composed supergraph and the same running
 * subgraphs. Its data sources are plain RemoteGraphQLDataSources that add the
 * internal credential (so the subgraphs accept the call), for the one person
 * the benchmark reads, signed once and renewed before it expires. The
 * gateway's own in-process subgraph answers only `person(id)` (the entry
 * point). Started by the benchmark as a process of its own, so its CPU time is its own.
 */
const Env = z.object({
  PORT: z.coerce.number().int().min(0),
  FOOTPRINT_INTERNAL_SECRET: z.string().min(1),
  BENCH_PERSON: z.string().min(1),
  /** JSON: subgraph name → GraphQL URL. */
  BENCH_SUBGRAPH_URLS: z.string().transform((s) => z.record(z.string(), z.string().url()).parse(JSON.parse(s))),
});
const env = Env.parse(process.env);

interface ComposeModule {
  gatewayTypeDefs(): string;
}
const { gatewayTypeDefs } = (await import(pathToFileURL(join(REPO_ROOT, 'gateway', 'dist', 'compose.js')).href)) as ComposeModule;

const CREDENTIAL_TTL_SECONDS = 300;
let credential = { headers: await credentialHeaders(env.BENCH_PERSON, env.FOOTPRINT_INTERNAL_SECRET, CREDENTIAL_TTL_SECONDS), at: Date.now() };
async function currentCredential(): Promise<Record<string, string>> {
  if (Date.now() - credential.at > (CREDENTIAL_TTL_SECONDS / 2) * 1000) {
    credential = { headers: await credentialHeaders(env.BENCH_PERSON, env.FOOTPRINT_INTERNAL_SECRET, CREDENTIAL_TTL_SECONDS), at: Date.now() };
  }
  return credential.headers;
}

class CredentialDataSource extends RemoteGraphQLDataSource {
  override async willSendRequest({ request }: GraphQLDataSourceProcessOptions): Promise<void> {
    for (const [k, v] of Object.entries(await currentCredential())) request.http?.headers.set(k, v);
  }
}

const local = buildSubgraphSchema([
  {
    typeDefs: subgraphDocument(gatewayTypeDefs()),
    resolvers: {
      Query: { person: (_: unknown, args: { id: string }) => ({ id: args.id }) },
      Person: { __resolveReference: (ref: { id: string }) => ({ id: ref.id }) },
    },
  },
]);

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(join(REPO_ROOT, 'gateway', 'supergraph.graphql'), 'utf8'),
  buildService: ({ name, url }) => (name === 'gateway' ? new LocalGraphQLDataSource(local) : new CredentialDataSource({ url: env.BENCH_SUBGRAPH_URLS[name] ?? url })),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: env.PORT, host: '127.0.0.1' } });
process.stdout.write(`ready ${url}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
