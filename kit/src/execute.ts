import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import { createRequire } from 'node:module';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { z } from 'zod';
import { ConfigError } from './config.js';

/**
 * graphql-js's execute from the CommonJS build, the one @apollo/subgraph built
 * the schema with (and Node resolves for `import 'graphql'` too): a test runner
 * or bundler may give this module the ESM build, whose instanceof checks refuse
 * the other build's types.
 */
const { execute } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * How a subgraph executes its operations. `jit` compiles each query once
 * (graphql-jit) and runs the compiled function on every request; a page of
 * 5,000 records costs about half of graphql-js's time. `graphql-js` is the
 * reference executor, kept for comparison and as the way out should a
 * compiled query ever misbehave.
 */
export const EXECUTION_MODES = ['jit', 'graphql-js'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

const ExecutionEnv = z.object({
  FOOTPRINT_SUBGRAPH_EXECUTION: z.enum(EXECUTION_MODES).default('jit'),
  /** Compiled queries kept per subgraph; the gateway sends few distinct documents, so a small bound is enough. */
  FOOTPRINT_SUBGRAPH_JIT_CACHE: z.coerce.number().int().min(1).max(100_000).default(500),
});

export interface ExecutionSettings {
  mode: ExecutionMode;
  cacheSize: number;
}

/** Reads FOOTPRINT_SUBGRAPH_EXECUTION (jit | graphql-js) and FOOTPRINT_SUBGRAPH_JIT_CACHE. */
export function executionSettings(env: NodeJS.ProcessEnv = process.env): ExecutionSettings {
  const parsed = ExecutionEnv.safeParse({
    FOOTPRINT_SUBGRAPH_EXECUTION: env.FOOTPRINT_SUBGRAPH_EXECUTION || undefined,
    FOOTPRINT_SUBGRAPH_JIT_CACHE: env.FOOTPRINT_SUBGRAPH_JIT_CACHE || undefined,
  });
  if (!parsed.success) throw new ConfigError(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { mode: parsed.data.FOOTPRINT_SUBGRAPH_EXECUTION, cacheSize: parsed.data.FOOTPRINT_SUBGRAPH_JIT_CACHE };
}

/** A Map kept in insertion order: a hit moves to the end, the oldest goes first when full. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(readonly max: number) {}
  get size(): number {
    return this.map.size;
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
}

/** What the compiled executor needs of a request (a subset of Apollo's GatewayGraphQLRequestContext). */
export interface ExecutionRequest {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** Apollo's hash of the query text: with the operation, the cache key. */
  queryHash: string;
  operationName: string | null;
  operation: { operation: string; name?: { value: string } | undefined };
  request: { variables?: Record<string, unknown> | undefined };
  context: unknown;
}

/** A compiled query, or why the document stays with graphql-js. */
type Plan = { compiled: CompiledQuery } | { compiled: null };

export interface CompiledExecutor {
  run(req: ExecutionRequest): Promise<ExecutionResult>;
  /** Plans cached, and operations run compiled or on graphql-js since start (the subgraph's /metrics). */
  stats(): { cached: number; compiledRuns: number; referenceRuns: number };
}

/**
 * Runs queries through graphql-jit, compiling each document+operation once
 * (bounded LRU). Mutations and anything graphql-jit refuses to compile run
 * on graphql-js, exactly as Apollo Server would run them.
 *
 * graphql-jit reads a field without a resolver as a plain property: it does
 * not call a function-valued property as graphql-js's default resolver does.
 * Fields that hold such lazy values (the kit's connection `totalCount`) need
 * an explicit resolver, which the kit gives them.
 */
export function createCompiledExecutor(cacheSize: number): CompiledExecutor {
  const plans = new LruCache<string, Plan>(cacheSize);
  let compiledRuns = 0;
  let referenceRuns = 0;
  const reference = (req: ExecutionRequest) => {
    referenceRuns += 1;
    return execute({
      schema: req.schema,
      document: req.document,
      contextValue: req.context,
      variableValues: req.request.variables,
      operationName: req.operationName,
    });
  };
  return {
    stats: () => ({ cached: plans.size, compiledRuns, referenceRuns }),
    async run(req) {
      // Mutations change data one field after another and are rare: graphql-js, the reference, runs them.
      if (req.operation.operation !== 'query') return reference(req);
      const name = req.operation.name?.value;
      const key = `${req.queryHash}\u0000${name ?? ''}`;
      let plan = plans.get(key);
      if (plan === undefined) {
        plan = compile(req.schema, req.document, name);
        plans.set(key, plan);
      }
      if (plan.compiled === null) return reference(req);
      compiledRuns += 1;
      return plan.compiled.query(undefined, req.context, req.request.variables ?? {});
    },
  };
}

/** A document graphql-jit cannot compile (it answers with errors or throws) stays with graphql-js. */
function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): Plan {
  try {
    const out = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
    return { compiled: isCompiledQuery(out) ? out : null };
  } catch {
    return { compiled: null };
  }
}

type Gateway = NonNullable<ApolloServerOptions<BaseContext>['gateway']>;

/**
 * Apollo Server's `gateway` hook, used only for its executor: the schema is
 * the subgraph's own, handed over once, and every validated operation is
 * passed to the compiled executor. Parsing, validation, context, error
 * formatting and HTTP stay Apollo Server's.
 */
export function compiledGateway(schema: GraphQLSchema, sdl: string, executor: CompiledExecutor): Gateway {
  const listeners = new Set<(s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();
  return {
    onSchemaLoadOrUpdate(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    async load() {
      for (const cb of listeners) cb({ apiSchema: schema, coreSupergraphSdl: sdl });
      return { executor: (ctx) => executor.run(ctx) };
    },
    async stop() {
      listeners.clear();
    },
  };
}
