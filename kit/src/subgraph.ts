import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import DataLoader from 'dataloader';
import { GraphQLScalarType, Kind, parse, print, type DocumentNode, type GraphQLFieldResolver, type GraphQLResolveInfo, type ObjectTypeDefinitionNode, type TypeNode } from 'graphql';
import { contractTypeDefs, fail, portProblem, listSubgraphs, objectTypeNodes, readKindMeta, recordMetaFactory, type KindMeta, deriveConnections } from '@footprint/schema';
import { isLanguage } from '@footprint/i18n';
import { CREDENTIAL_HEADER, LANGUAGE_HEADER, verifyCredential, type InternalCredential } from './credential.js';
import type { Logger } from './logger.js';
import { createCorrectionEngine, type CorrectionEngine, type CorrectionsSetup } from './corrections/index.js';
import type { PagePrefetch } from './page-loader.js';
import { connectionAsks, connectionSelects, countTables, readRecordPage, summariseTables, withPage, type ConnectionArgs, type Page, type TableSummary } from './connection.js';
import { compiledGateway, createCompiledExecutor, executionSettings } from './execute.js';
import { closeServer, createGraphQLHttpServer, listen, type Route } from './http.js';
import { createRightsEngine, type RestrictionLookup, type RightsEngine, type RightsSetup } from './rights/index.js';
import type { RecordRow, Store } from './store.js';

/** Per-request readers the kit gives every subgraph: generic record pages and batched counts. */
export interface RecordReaders {
  page(table: string, args: ConnectionArgs): Promise<Page<RecordRow>>;
  count(table: string): Promise<number>;
}

/** The gateway's language header, kept only when it names a catalogue language (anything else: the default). */
const languageOf = (v: string | string[] | undefined): string | undefined => (isLanguage(v) ? v : undefined);

export interface SubgraphContext<DB = unknown, L = unknown> {
  credential: InternalCredential;
  /** The one person the gateway's credential allows, or null when the call reads no person. */
  person: string | null;
  store: Store<DB>;
  loaders: L;
  records: RecordReaders;
  log: Logger;
  requestId: string;
  /** Aborted when the gateway closed the call (its client went away, a timeout): reading more for it is wasted. */
  signal: AbortSignal;
  /** The restrictions in force for the credential's person (read once per request). */
  restrictions(): Promise<RestrictionLookup>;
  /** The language the person reads (LANGUAGE_HEADER from the gateway, one of the catalogue languages), for codes and notices. */
  language?: string;
}

export type Resolvers<DB, L> = GraphQLResolverMap<SubgraphContext<DB, L>>;

export interface SubgraphOptions<DB, L> {
  /** The domain name, also the field it adds to Person (Person.<name>) and its data type (<Name>Data). */
  name: string;
  /** The domain's own SDL (schema.graphql); the shared contract is put in front of it. */
  typeDefs: string;
  /** Record type → the table that holds its rows; the kit paginates, counts and summarises these. */
  tables: Record<string, string>;
  store: Store<DB>;
  /** The domain's own resolvers (its codegen `Resolvers`); they override the kit's defaults field by field. */
  resolvers: object;
  createLoaders: (store: Store<DB>, person: string | null) => L;
  /** Record type → what its pages fill in the loaders before the fields resolve (page-loader.ts). */
  prefetch?: Readonly<Record<string, readonly PagePrefetch<L>[]>>;
  internalSecret: string;
  logger: Logger;
  /**
   * The domain's correction rules (src/corrections.ts) and the configuration
   * read at startup. Without them the domain still answers the correction
   * view — every kind listed with why it cannot be corrected here — and
   * refuses corrections.
   */
  corrections?: CorrectionsSetup<DB>;
  /**
   * The domain's rights rules (src/rights.ts: child tables, ANONYMIZE columns,
   * objection and withdrawal hooks, processing activities) and the
   * configuration read at startup. Without them the kit still erases,
   * restricts and reports state from @personalData alone.
   */
  rights?: RightsSetup<DB>;
  /** HTTP routes of the domain's own beyond /graphql (e.g. cloud's file content), tried after /health and /metrics. */
  routes?: Route[];
}

export interface Subgraph {
  name: string;
  typeDefs: DocumentNode;
  kinds: KindMeta[];
  apollo: ApolloServer<SubgraphContext>;
  http: Server;
  /** Readies what the subgraph needs beyond its store's own migrations (the correction tables); serveSubgraph awaits it before listening, requests before running. */
  prepare?: () => Promise<void>;
  /** The correction engine (history, notices, one-time codes). */
  corrections?: CorrectionEngine;
  /** The rights engine (erasure, restriction, objection, withdrawal; processingAllowed for the domain's own processing). */
  rights: RightsEngine;
}

/** The person a resolver may read; FORBIDDEN when the credential names none. */
export function requirePerson(ctx: { person: string | null }): string {
  if (!ctx.person) fail('FORBIDDEN', 'This call is not for a person: the gateway credential names no person');
  return ctx.person;
}

/**
 * The stored form of a date-time (UTC, seconds or milliseconds), with a day no later than the 28th: every string
 * it matches is one Date.parse accepts, so serialising such a value skips the parse (a footprint page has thousands).
 */
const PLAIN_DATE_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;

const DateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC.',
  serialize: (v) => {
    if (typeof v === 'string' && PLAIN_DATE_TIME.test(v)) return v;
    const s = v instanceof Date ? v.toISOString() : String(v);
    if (Number.isNaN(Date.parse(s))) throw new TypeError(`Not a date-time: ${s}`);
    return s;
  },
  parseValue: (v) => {
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) fail('BAD_USER_INPUT', 'DateTime must be an ISO-8601 string');
    return new Date(v).toISOString();
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value))) fail('BAD_USER_INPUT', 'DateTime must be an ISO-8601 string');
    return new Date(ast.value).toISOString();
  },
});

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const namedType = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type));

/** Parses the domain SDL behind the shared contract, with the Connection/Edge pairs it leaves to the kit. */
export function subgraphDocument(domainTypeDefs: string): DocumentNode {
  return deriveConnections(parse(`${contractTypeDefs}\n${domainTypeDefs}`));
}

/**
 * Builds a domain subgraph: schema (contract + domain SDL), the kit's default
 * resolvers (record ids and metadata, Person entry, connections, discovery),
 * credential check on every request — _service and _entities included — and
 * the HTTP front. The caller listens.
 */
export function createSubgraph<DB, L>(opts: SubgraphOptions<DB, L>): Subgraph {
  const typeDefs = subgraphDocument(opts.typeDefs);
  const kinds = readKindMeta(typeDefs);
  const byType = new Map(kinds.map((k) => [k.typename, k]));
  for (const [typename] of Object.entries(opts.tables)) {
    if (!byType.has(typename)) throw new Error(`${opts.name}: table mapping names ${typename}, which has no @personalData`);
  }
  const tableKinds = Object.entries(opts.tables).map(([typename, table]) => ({ table, meta: byType.get(typename)! }));
  const recordTables = tableKinds.map((t) => t.table);
  // A prefetch naming a type or field the schema does not have would never run: say so before anything starts.
  for (const [type, list] of Object.entries(opts.prefetch ?? {})) {
    if (!opts.tables[type]) throw new Error(`${opts.name}: prefetch names ${type}, which is not a record type of this subgraph`);
    const fields = new Set(
      objectTypeNodes(typeDefs)
        .filter((d) => d.name.value === type)
        .flatMap((d) => (d.fields ?? []).map((f) => f.name.value)),
    );
    for (const f of list.flatMap((p) => p.fields)) if (!fields.has(f)) throw new Error(`${opts.name}: prefetch for ${type} names field ${f}, which ${type} does not have`);
  }
  // Read at startup so a wrong value stops the service before it listens.
  const execution = executionSettings();
  // The restrictions of a request once read: record metadata is then built synchronously (no promise per record).
  const restrictionsRead = new WeakMap<object, RestrictionLookup>();
  const summariesRead = new WeakMap<object, Promise<Map<string, TableSummary>>>();
  const readRestrictions = async (ctx: SubgraphContext<DB, L>): Promise<RestrictionLookup> => {
    const r = await ctx.restrictions();
    restrictionsRead.set(ctx, r);
    return r;
  };

  const kit: Resolvers<DB, L> = {
    DateTime,
    PersonalData: { __resolveType: (row: { __typename?: string }) => row.__typename ?? null },
    Person: {
      __resolveReference: (ref: { id: string }, ctx: SubgraphContext<DB, L>) => {
        if (ref.id !== requirePerson(ctx)) fail('FORBIDDEN', `The gateway credential does not allow reading person ${ref.id}`);
        return { id: ref.id };
      },
      [opts.name]: (p: { id: string }, _: unknown, ctx: SubgraphContext<DB, L>) => {
        if (p.id !== requirePerson(ctx)) fail('FORBIDDEN', `The gateway credential does not allow reading person ${p.id}`);
        return { personId: p.id };
      },
    },
  };
  for (const k of kinds) {
    const metaOf = recordMetaFactory(k, opts.name);
    const prefix = `${k.kind}:`;
    kit[k.typename] = {
      id: (row: RecordRow) => prefix + row.id,
      meta: (row: RecordRow, _: unknown, ctx: SubgraphContext<DB, L>) => {
        const read = restrictionsRead.get(ctx);
        if (read) return metaOf(row, read.forRecord(k.kind, row));
        return readRestrictions(ctx).then((r) => metaOf(row, r.forRecord(k.kind, row)));
      },
    };
  }
  // <Name>Data: a connection field per record table, and discovery over all of them.
  const dataTypeName = `${pascal(opts.name)}Data`;
  const dataType = typeDefs.definitions.find(
    (d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === dataTypeName,
  );
  if (!dataType) throw new Error(`${opts.name}: schema.graphql must define type ${dataTypeName} (the value of Person.${opts.name})`);
  const dataResolvers: Record<string, GraphQLFieldResolver<unknown, SubgraphContext<DB, L>>> = {
    discovery: async (_: unknown, __: unknown, ctx: SubgraphContext<DB, L>) => {
      const person = requirePerson(ctx);
      // One statement per request, however many times the document asks for discovery.
      let pending = summariesRead.get(ctx);
      if (!pending) {
        pending = summariseTables(ctx.store, recordTables, person);
        summariesRead.set(ctx, pending);
      }
      const summaries = await pending;
      return {
        domain: opts.name,
        kinds: tableKinds.map(({ table, meta }) => {
          const s = summaries.get(table)!;
          return {
            kind: meta.kind,
            title: meta.title,
            count: s.count,
            earliest: s.earliest,
            latest: s.latest,
            regions: s.regions,
            sources: [...new Set(s.sources.map((x) => x || meta.source))],
          };
        }),
      };
    },
  };
  for (const field of dataType.fields ?? []) {
    const ret = namedType(field.type);
    if (!ret.endsWith('Connection')) continue;
    const type = ret.slice(0, -'Connection'.length);
    const table = opts.tables[type];
    if (!table) continue;
    const prefetches = opts.prefetch?.[type] ?? [];
    dataResolvers[field.name.value] = async (_: unknown, args: ConnectionArgs, ctx: SubgraphContext<DB, L>, info: GraphQLResolveInfo) => {
      // The gateway gave up on this call: no further page is read (each connection checks before its statement).
      ctx.signal.throwIfAborted();
      // The count asked for with the page, so every connection's count shares one statement whenever each page is done.
      const count = connectionAsks(info, 'totalCount') ? ctx.records.count(table) : null;
      // Its error is the totalCount field's to report (a failed page never reads it).
      count?.catch(() => {});
      // Metadata asked for: read the restrictions beside the page, so every record's meta resolves without a promise.
      const [page] = await Promise.all([ctx.records.page(table, args), connectionSelects(info, 'meta') ? readRestrictions(ctx) : null]);
      const asked = prefetches.filter((p) => p.fields.some((f) => connectionSelects(info, f)));
      // A fill that fails leaves its loader unfilled: each field then loads for itself and reports the error on its record.
      if (asked.length > 0 && page.nodes.length > 0) await Promise.all(asked.map((p) => p.fill(ctx.loaders, page.nodes).catch(() => {})));
      return withPage(page, { totalCount: () => count ?? ctx.records.count(table) });
    };
    // graphql-jit does not call a function-valued property as graphql-js does: resolve the lazy count explicitly.
    kit[ret] = { totalCount: (c: { totalCount: unknown }) => (typeof c.totalCount === 'function' ? (c.totalCount as () => unknown)() : c.totalCount) };
  }
  kit[dataTypeName] = dataResolvers;

  // The contract's internal correction fields, in every subgraph (gateway → owning domain).
  const corrections = createCorrectionEngine({
    domain: opts.name,
    kinds,
    tables: opts.tables,
    store: opts.store,
    internalSecret: opts.internalSecret,
    logger: opts.logger,
    setup: opts.corrections,
  });
  const rights = createRightsEngine({
    domain: opts.name,
    kinds,
    tables: opts.tables,
    store: opts.store,
    logger: opts.logger,
    hasCorrections: Boolean(opts.corrections),
    prepareCorrections: () => corrections.prepare(),
    setup: opts.rights,
  });
  kit.Query = { ...corrections.resolvers.Query, ...rights.resolvers.Query };
  kit.Mutation = { ...corrections.resolvers.Mutation, ...rights.resolvers.Mutation };
  const prepare = async () => {
    await corrections.prepare();
    await rights.prepare();
  };

  const resolvers = mergeResolvers(kit, opts.resolvers as Resolvers<DB, L>);
  const compiled = execution.mode === 'jit' ? createCompiledExecutor(execution.cacheSize) : null;
  const schema = buildSubgraphSchema([{ typeDefs, resolvers }]);
  const apollo = new ApolloServer<SubgraphContext>({
    // jit: each query compiled once and run compiled (execute.ts); graphql-js: Apollo Server's own execution.
    ...(compiled ? { gateway: compiledGateway(schema, print(typeDefs), compiled) } : { schema }),
    introspection: false,
    // No per-field cache hints or traces: they wrap every resolver, and a footprint page has thousands.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()],
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false,
    logger: opts.logger,
    // The process owns its shutdown (serveSubgraph: close the server, then the store, then exit). Apollo's own handler
    // would also stop on SIGTERM and re-raise the signal, killing the process before the store is closed, and every
    // in-process server (tests, seeding, benchmarks) would leave a listener on `process`.
    stopOnTerminationSignals: false,
  });
  const started = apollo.start();

  const http = createGraphQLHttpServer<SubgraphContext>({
    apollo,
    health: async () => {
      try {
        await ctxProbe(opts.store);
        return { ok: true, service: opts.name, store: opts.store.dialect };
      } catch (err) {
        return { ok: false, service: opts.name, error: String(err) };
      }
    },
    routes: [
      (_req, res, url) => {
        if (url.pathname !== '/metrics') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ service: opts.name, sqlStatements: opts.store.statements, execution: { mode: execution.mode, ...compiled?.stats() }, processingRefusals: rights.refusals() }));
        return true;
      },
      ...(opts.routes ?? []),
    ],
    context: async (req, requestId, { signal }) => {
      await started;
      await prepare();
      const header = req.headers[CREDENTIAL_HEADER];
      const credential = await verifyCredential(typeof header === 'string' ? header : undefined, opts.internalSecret);
      const person = credential.person;
      let restrictions: Promise<RestrictionLookup> | null = null;
      return {
        restrictions: () => (restrictions ??= rights.restrictionsOf(requirePerson({ person }))),
        credential,
        person,
        store: opts.store,
        loaders: opts.createLoaders(opts.store, person),
        records: recordReaders(opts.store, person),
        log: opts.logger.child({ requestId, actor: credential.actor }),
        requestId,
        signal,
        language: languageOf(req.headers[LANGUAGE_HEADER]),
      } as SubgraphContext;
    },
    onError: (err) => opts.logger.error({ err }, 'request failed'),
  });
  http.once('close', () => {
    corrections.stop();
    rights.stop();
  });

  return { name: opts.name, typeDefs, kinds, apollo, http, prepare, corrections, rights };
}

async function ctxProbe<DB>(store: Store<DB>): Promise<void> {
  await store.db.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
}

function recordReaders<DB>(store: Store<DB>, person: string | null): RecordReaders {
  const counts = new DataLoader<string, number>(async (tables) => {
    const m = await countTables(store.db, tables, requirePerson({ person }));
    return tables.map((t) => m.get(t) ?? 0);
  });
  const pages = new DataLoader<string, Page<RecordRow>>(
    async (keys) =>
      Promise.all(
        keys.map((key) => {
          const { table, first, after } = JSON.parse(key) as { table: string; first?: number | null; after?: string | null };
          // One connection's bad arguments fail that connection only, not every page batched with it.
          return readRecordPage<RecordRow>(store, table, requirePerson({ person }), { first, after }).catch((err: unknown) =>
            err instanceof Error ? err : new Error(String(err)),
          );
        }),
      ),
  );
  return {
    page: (table, args) => pages.load(JSON.stringify({ table, first: args.first ?? null, after: args.after ?? null })),
    count: (table) => counts.load(table),
  };
}

function mergeResolvers<T extends Record<string, unknown>>(base: T, extra: T): T {
  const out: Record<string, unknown> = { ...base };
  for (const [type, fields] of Object.entries(extra)) {
    const prev = out[type];
    out[type] = prev && typeof prev === 'object' && !(prev instanceof GraphQLScalarType) ? { ...prev, ...(fields as object) } : fields;
  }
  return out as T;
}

/**
 * The whole of a subgraph's index.ts: build it, listen on its listed port (or
 * PORT), stop cleanly on SIGINT/SIGTERM, exit 1 with the reason on failure.
 */
export function serveSubgraph<DB>(name: string, create: () => Promise<Subgraph & { store: Store<DB> }>): void {
  const entry = listSubgraphs().find((s) => s.name === name);
  const port = Number(process.env.PORT ?? entry?.port);
  const problem = portProblem(port);
  if (problem) {
    console.error(`subgraph ${name} failed to start: PORT: ${problem}`);
    process.exit(1);
  }
  create()
    .then(async (sg) => {
      await sg.prepare?.();
      await listen(sg.http, port, process.env.HOST ?? '127.0.0.1');
      console.log(JSON.stringify({ level: 30, time: Date.now(), service: `subgraph-${name}`, msg: `listening on http://127.0.0.1:${port}/graphql` }));
      const stop = () => {
        // The process exits in `finally` whatever closing does, so nothing awaits this chain.
        void closeServer(sg.http)
          .then(() => sg.store.close())
          .finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(`subgraph ${name} failed to start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
