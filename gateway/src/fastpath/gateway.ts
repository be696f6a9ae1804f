import type { ApolloGateway } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import type { GatewayExecutionResult, GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface, GatewayLoadResult } from '@apollo/server-gateway-interface';
import { getVariableValues } from 'graphql';
import { requireDecidedPerson } from '../auth/access.js';
import type { GatewayContext } from '../context.js';
import { requestCredential, type DomainClient } from '../domains/client.js';
import { entityBytes, onlyValueBytes, streamOnlyValue, type ValueStream } from './answer.js';
import { fastPlanOf, type FastFetch, type FastPlan } from './plan.js';
import { rawPlaceholder } from './raw.js';
import { keepOutcomes, type Outcome } from './replay.js';

export interface FastPathOptions {
  domains: DomainClient;
  /** The gateway's in-process subgraph (the person entry point). */
  local: string;
  /** Operations remembered (each: its fast plan, or that it has none). */
  maxPlans?: number;
}

export interface FastPathStats {
  /** Operations answered on the fast path, and by @apollo/gateway, since start. */
  fast: number;
  apollo: number;
  /** Of those answered by Apollo, how many the fast path tried first (a domain's error, status or an answer it could not forward). */
  handedOver: number;
  plans: number;
}

/** Answers this large (bytes, the domain's content-length) are forwarded as they arrive; smaller ones cost less read whole. */
const STREAM_FROM = 64 * 1024;

/** What one fetch gave: an outcome Apollo can replay, or a value still arriving (never handed over: it has no errors). */
type Fetched = Outcome | { kind: 'streaming'; value: ValueStream };

/**
 * Thrown by `learn` to stop Apollo's executor once it has planned a request the fast path will answer. Apollo calls
 * `experimental_didResolveQueryPlan` after keeping the plan and before executing it, inside the executor, so the
 * error comes back from the executor's call; were a later Apollo to swallow it, it would execute the request as
 * before (the same answer, only slower).
 */
class Planned extends Error {
  override name = 'Planned';
}

const keyOf = (rc: GatewayGraphQLRequestContext) => `${rc.queryHash}\u0000${rc.request.operationName ?? ''}`;

/**
 * @apollo/gateway with a plan-aware fast path for the person's API. Apollo
 * plans every operation; once it has, an operation whose plan is the person
 * entry point and one `_entities` fetch per domain that asks exactly what the
 * client asked (plan.ts) is answered without Apollo's execution: the same
 * fetches are sent (same operation, variables, credential, circuit), and each
 * domain's answer is forwarded as the JSON bytes it arrived in (raw.ts) instead of
 * being parsed and re-shaped value by value, a single domain's value as it
 * arrives (streamed) — the answer is byte for byte
 * what Apollo returns (test/fast-path.test.ts compares). Anything else —
 * another plan, a domain's error, a failed call — is Apollo's to answer, with
 * the outcomes the fast path already has (replay.ts): no domain is called twice.
 */
export class FastPathGateway implements GatewayInterface {
  private readonly plans = new Map<string, FastPlan | null>();
  /** Requests handed to Apollo to be planned, not executed (see `learn`). */
  private readonly planOnly = new WeakSet<object>();
  private readonly counts = { fast: 0, apollo: 0, handedOver: 0 };

  constructor(
    private readonly apollo: ApolloGateway,
    private readonly opts: FastPathOptions,
  ) {}

  /** Give this to ApolloGateway's `experimental_didResolveQueryPlan`: it learns each operation's plan as Apollo makes it. */
  readonly learn = ({ queryPlan, requestContext }: { queryPlan: QueryPlan; requestContext: GatewayGraphQLRequestContext }): void => {
    const key = keyOf(requestContext);
    if (!this.plans.has(key)) {
      if (this.plans.size >= (this.opts.maxPlans ?? 1000)) this.plans.delete(this.plans.keys().next().value as string);
      this.plans.set(key, fastPlanOf(queryPlan, requestContext.document, requestContext.operation, this.opts.local));
    }
    // A request sent to Apollo only to be planned: stopped before Apollo executes it, when the fast path can answer it.
    if (this.planOnly.delete(requestContext) && this.plans.get(key)) throw new Planned();
  };

  stats(): FastPathStats {
    return { ...this.counts, plans: [...this.plans.values()].filter(Boolean).length };
  }

  onSchemaLoadOrUpdate(...args: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>) {
    return this.apollo.onSchemaLoadOrUpdate(...args);
  }

  stop(): Promise<void> {
    return this.apollo.stop();
  }

  async load(options: Parameters<GatewayInterface['load']>[0]): Promise<GatewayLoadResult> {
    const loaded = await this.apollo.load(options);
    const apollo = loaded.executor;
    if (!apollo) return loaded;
    const executor: GatewayExecutor = async (rc) => {
      if (!this.plans.has(keyOf(rc))) {
        // An operation not seen yet: Apollo plans it (and keeps the plan), then the fast path answers it, so even its
        // first request is not executed and re-shaped by Apollo (a first 5,000-record page costs most there).
        this.planOnly.add(rc);
        try {
          const answer = await apollo(rc);
          this.counts.apollo++;
          return answer;
        } catch (err) {
          if (!(err instanceof Planned)) throw err;
        } finally {
          this.planOnly.delete(rc);
        }
      }
      const answer = await this.tryFast(rc).catch(() => null);
      if (answer) {
        this.counts.fast++;
        return answer;
      }
      this.counts.apollo++;
      return apollo(rc);
    };
    return { ...loaded, executor };
  }

  private async tryFast(rc: GatewayGraphQLRequestContext): Promise<GatewayExecutionResult | null> {
    const plan = this.plans.get(keyOf(rc));
    // Apollo's debugging header adds the plan to the answer.
    if (!plan || rc.request.http?.headers.get('apollo-query-plan-experimental')) return null;
    const ctx = rc.context as GatewayContext;
    const person = this.personOf(plan, rc, ctx);
    if (person === null || plan.fetches.some((f) => !this.opts.domains.url(f.service))) return null;

    // One domain, one Person field (a page, say): a large value is forwarded as it arrives (answer.ts).
    const stream = plan.fetches.length === 1 && plan.fetches[0]!.keys.length === 1;
    const outcomes = await Promise.all(plan.fetches.map((f) => this.call(f, person, rc, ctx, stream)));
    const values: Record<string, unknown>[] = [];
    for (const [i, f] of plan.fetches.entries()) {
      const o = outcomes[i]!;
      if (o.kind === 'streaming') {
        values.push({ [f.keys[0]!]: rawPlaceholder(ctx.exchange, o.value) });
        continue;
      }
      const entity = o.kind === 'answered' && o.status === 200 ? entityBytes(o.body) : null;
      const value = entity === null ? null : f.keys.length === 1 ? onlyValueBytes(entity, f.keys[0]!) : entity;
      if (value === null) {
        const kept = new Map<string, Outcome>();
        for (const [j, g] of plan.fetches.entries()) {
          const got = outcomes[j]!;
          if (got.kind !== 'streaming') kept.set(g.service, got);
        }
        keepOutcomes(ctx.exchange, kept);
        this.counts.handedOver++;
        return null;
      }
      // One Person field: forwarded unparsed. Several: parsed once (no shaping: the subgraph answered exactly the client's selection).
      values.push(f.keys.length === 1 ? { [f.keys[0]!]: rawPlaceholder(ctx.exchange, value) } : (JSON.parse(value.toString('utf8')) as Record<string, unknown>));
    }
    const personData: Record<string, unknown> = {};
    for (const field of plan.fields) {
      if (field.from === 'fetch') personData[field.key] = values[field.fetch]![field.key];
      else personData[field.key] = field.from === 'id' ? person : 'Person';
    }
    return { data: { [plan.rootKey]: personData } };
  }

  /** The person the entry point answers, as the gateway's own person resolvers would (null: Apollo answers, with their error). */
  private personOf(plan: FastPlan, rc: GatewayGraphQLRequestContext, ctx: GatewayContext): string | null {
    if (plan.root.field === 'me') return ctx.principal.kind === 'subject' && ctx.person ? ctx.person : null;
    let id: unknown;
    if ('value' in plan.root.id) id = plan.root.id.value;
    else {
      // Apollo coerces the variables before executing; values it would refuse are its to refuse.
      const coerced = getVariableValues(rc.schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {});
      if (coerced.errors) return null;
      id = coerced.coerced[plan.root.id.variable];
    }
    if (typeof id !== 'string') return null;
    try {
      return requireDecidedPerson(ctx, id);
    } catch {
      return null;
    }
  }

  /**
   * One entity fetch, as @apollo/gateway sends it: the fetch's own variables as the client sent them, and the person's
   * representation. With `stream`, an answer of STREAM_FROM bytes or more whose head shows no errors is not waited for:
   * its value is handed on as it arrives (answer.ts); a smaller one costs less read whole.
   */
  private async call(f: FastFetch, person: string, rc: GatewayGraphQLRequestContext, ctx: GatewayContext, stream: boolean): Promise<Fetched> {
    const url = this.opts.domains.url(f.service)!;
    const variables: Record<string, unknown> = {};
    const given = rc.request.variables;
    for (const name of f.variableUsages) if (given && Object.hasOwn(given, name) && given[name] !== undefined) variables[name] = given[name];
    variables.representations = [{ __typename: 'Person', id: person }];
    try {
      const credential = requestCredential(ctx);
      const res = await this.opts.domains.post(f.service)(url, {
        headers: { 'content-type': 'application/json', ...(await this.opts.domains.headers(credential)) },
        body: JSON.stringify({ query: f.operation, variables, operationName: f.operationName }),
        signal: credential.signal,
      });
      const contentType = res.header('content-type');
      if (stream && res.status === 200 && Number(res.header('content-length') ?? Infinity) >= STREAM_FROM) {
        const read = await streamOnlyValue(res.body, f.keys[0]!);
        return read.kind === 'value' ? { kind: 'streaming', value: read.value } : { kind: 'answered', status: res.status, contentType, body: read.body };
      }
      return { kind: 'answered', status: res.status, contentType, body: await res.bytes() };
    } catch (error) {
      return { kind: 'thrown', error };
    }
  }
}
