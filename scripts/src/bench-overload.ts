import { DEMO_PERSON, HEAVY_PERSON } from '@footprint/kit';
import { firstPageOperation, planFootprint } from '@footprint/gateway/footprint';
import { heavyFederation } from './bench-heavy.js';
import { gatewayPage, kindPlan } from './bench-queries.js';
import { record } from './bench-table.js';
import { residentMb } from './rss.js';
import { mintToken } from './tokens.js';

/**
 * The gateway under heavy readers (issue 24): BENCH_OVERLOAD_CONNECTIONS (50, 100, 200) clients, each asking an
 * operator's read (footprint:read) of the heavy person's whole footprint in one request (every kind's first 5,000
 * records; about 55,000 records, 19.5 MB; spread over BENCH_OVERLOAD_OPERATORS, 4, operators) again and again for BENCH_OVERLOAD_SECONDS (20) s, with small requests
 * (one footprint page of the demo person) sent alongside, against the gateway as `npm start` runs it (its heap
 * bounded by FOOTPRINT_GATEWAY_HEAP_MB, 256 MB, and the admission budget that follows from it). Prints, per
 * stage: gateway restarts (it is restarted if it dies; target 0), its peak RSS (target below the heap limit it
 * was given), the small requests' p99 (target < 1 s), and how the heavy requests ended: completed, refused quickly
 * (LIMIT_EXCEEDED, 429 or 503 within 1 s; the client then waits Retry-After, or 1 s), refused slowly, failed otherwise, or hung (no answer within BENCH_OVERLOAD_HUNG_S, 30 s;
 * target none). When a stage's time is up no new request starts; those in flight are waited for (up to the hung
 * limit).
 */
const STAGES = (process.env.BENCH_OVERLOAD_CONNECTIONS ?? '50,100,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 20);
const HUNG_S = Number(process.env.BENCH_OVERLOAD_HUNG_S ?? 30);
/** Small requests in flight at once beside the heavy readers. */
const SMALL_CLIENTS = 2;
/** Operators the heavy readers are spread over (one fills its own share; several fill the gateway's). */
const OPERATORS = Number(process.env.BENCH_OVERLOAD_OPERATORS ?? 4);
const QUICK_MS = 1000;
/**
 * Each kind's `first` in the heavy read: 5,000 (the whole footprint, which a 256 MB gateway refuses as too big for
 * one request); a smaller one (400: ~20,000 records asked) is admitted, so the budget's 429 and 503 are exercised.
 */
const FIRST = Number(process.env.BENCH_OVERLOAD_FIRST ?? 5000);

interface Ended {
  completed: number;
  refusedQuickly: number;
  refusedSlowly: number;
  failed: number;
  hung: number;
  /** The first failure's words, to say what went wrong. */
  firstFailure: string | null;
  /** Refusals by code. */
  refusals: Map<string, number>;
}

/** The codes of a refusal: too big for one request, the caller's share taken, the gateway full. */
const REFUSALS = new Set(['LIMIT_EXCEEDED', 'TOO_MANY_REQUESTS', 'OVERLOADED']);

/** The refusal code of an answer, if it is one (a refusal is small; a big answer is data). */
function refusalOf(text: string): string | null {
  if (text.length > 64 * 1024) return null;
  try {
    const code = (JSON.parse(text) as { errors?: { extensions?: { code?: unknown } }[] }).errors?.[0]?.extensions?.code;
    return typeof code === 'string' && REFUSALS.has(code) ? code : null;
  } catch {
    return null;
  }
}

async function timed(url: string, init: RequestInit, hungMs: number): Promise<{ status: number; text: string; ms: number; retryAfter: number | null } | { hung: true; ms: number } | { error: string; ms: number }> {
  const started = performance.now();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), hungMs);
  try {
    const res = await fetch(url, { ...init, signal: ac.signal });
    const text = await res.text();
    const retryAfter = res.headers.get('retry-after');
    return { status: res.status, text, ms: performance.now() - started, retryAfter: retryAfter === null ? null : Number(retryAfter) };
  } catch (err) {
    if (ac.signal.aborted) return { hung: true, ms: performance.now() - started };
    return { error: err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err), ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)] ?? NaN;

export async function benchOverload(): Promise<void> {
  const h = await heavyFederation();
  const gw = h.fed.gateway;
  const url = h.fed.gatewayUrl;
  const health = async () => (await (await fetch(new URL('/health', url))).json()) as { memory?: { heapLimitMb?: number }; admission?: { limit: number; perPrincipal: number } };
  const before = await health();
  const heapLimitMb = before.memory?.heapLimitMb ?? NaN;
  const operators = await Promise.all(Array.from({ length: OPERATORS }, (_, i) => mintToken(h.jwtSecret, { sub: `bench-overload-operator-${i + 1}`, operator: true, scopes: ['footprint:read'] })));
  const person = await mintToken(h.jwtSecret, { sub: DEMO_PERSON });
  const heavyBody = JSON.stringify({ query: firstPageOperation(planFootprint(h.schema)), variables: { id: HEAVY_PERSON, first: FIRST } });
  const heavyInit = (i: number): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${operators[i % operators.length]}`, 'x-footprint-reason': 'bench: heavy readers' },
    body: heavyBody,
  });
  const small = kindPlan(h.schema, 'cloud', 'locations', 'record');
  const smallInit: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${person}` }, body: JSON.stringify({ query: gatewayPage(small), variables: { id: DEMO_PERSON, first: 20 } }) };
  console.log(`\noverload: heavy readers of ${HEAVY_PERSON}'s whole footprint (first ${FIRST} of every kind, one request each, spread over ${OPERATORS} operators) + ${SMALL_CLIENTS} small readers, ${SECONDS} s a stage`);
  console.log(`  gateway heap limit ${heapLimitMb} MB; admission budget ${before.admission?.limit ?? '?'} records, ${before.admission?.perPrincipal ?? '?'} per caller`);

  // A gateway that dies is counted and started again (as npm start would), so the next stage still measures.
  let restarts = 0;
  let restarting: Promise<unknown> | null = null;
  let peakMb = 0;
  const watch = setInterval(() => {
    const c = gw.child;
    if (c.exitCode !== null || c.signalCode !== null) {
      if (!restarting) {
        restarts++;
        console.log(`  gateway exited (${c.signalCode ?? `code ${c.exitCode}`}); restarting it`);
        restarting = h.fed.restart('gateway').finally(() => (restarting = null));
      }
      return;
    }
    const now = residentMb(c.pid).now;
    if (Number.isFinite(now)) peakMb = Math.max(peakMb, now);
  }, 100);
  try {
    for (const connections of STAGES) {
      const stageRestarts = restarts;
      peakMb = 0;
      const ended: Ended = { completed: 0, refusedQuickly: 0, refusedSlowly: 0, failed: 0, hung: 0, firstFailure: null, refusals: new Map() };
      const smallMs: number[] = [];
      let smallFailed = 0;
      const deadline = performance.now() + SECONDS * 1000;
      const heavyClient = async (_: unknown, i: number) => {
        const init = heavyInit(i);
        while (performance.now() < deadline) {
          const r = await timed(url, init, HUNG_S * 1000);
          if ('hung' in r) ended.hung++;
          else if ('error' in r) {
            ended.failed++;
            ended.firstFailure ??= r.error;
          } else if (r.status === 200 && !r.text.includes('"errors":')) ended.completed++;
          else if (refusalOf(r.text)) {
            ended.refusals.set(refusalOf(r.text)!, (ended.refusals.get(refusalOf(r.text)!) ?? 0) + 1);
            if (r.ms <= QUICK_MS) ended.refusedQuickly++;
            else ended.refusedSlowly++;
            // A refused client waits as told (Retry-After), or a second when told the request is too big.
            await new Promise((res) => setTimeout(res, (r.retryAfter ?? 1) * 1000));
          } else {
            ended.failed++;
            ended.firstFailure ??= `HTTP ${r.status}: ${r.text.slice(0, 160)}`;
          }
        }
      };
      const smallClient = async () => {
        while (performance.now() < deadline) {
          const r = await timed(url, smallInit, HUNG_S * 1000);
          if ('status' in r && r.status === 200 && !r.text.includes('"errors":')) smallMs.push(r.ms);
          else {
            smallFailed++;
            smallMs.push(r.ms);
          }
        }
      };
      await Promise.all([...Array.from({ length: connections }, heavyClient), ...Array.from({ length: SMALL_CLIENTS }, smallClient)]);
      // A crash after the clients are done would still be this stage's.
      await new Promise((res) => setTimeout(res, 3000));
      await (restarting ?? Promise.resolve());
      const stageRestartCount = restarts - stageRestarts;
      const smallP99 = p99(smallMs);
      const total = ended.completed + ended.refusedQuickly + ended.refusedSlowly + ended.failed + ended.hung;
      console.log(
        `  ${connections} heavy connections: ${total} heavy requests — ${ended.completed} completed, ${ended.refusedQuickly} refused quickly, ${ended.refusedSlowly} refused slowly (${[...ended.refusals].map(([c, n]) => `${c} ${n}`).join(', ') || 'none'}), ${ended.failed} failed, ${ended.hung} hung` +
          `${ended.firstFailure ? ` (first failure: ${ended.firstFailure})` : ''}; ${smallMs.length} small requests, ${smallFailed} failed, p99 ${smallP99.toFixed(0)} ms; gateway peak RSS ${peakMb.toFixed(0)} MB; restarts ${stageRestartCount}`,
      );
      record({
        measure: `overload ${connections} heavy readers${FIRST === 5000 ? '' : ` (first ${FIRST})`}: restarts / peak RSS / small p99 / heavy hung`,
        figure: `${stageRestartCount} / ${peakMb.toFixed(0)} MB / ${smallP99.toFixed(0)} ms / ${ended.hung} (of ${total}: ${ended.completed} done, ${ended.refusedQuickly} refused < 1 s)`,
        target: `0 / < ${heapLimitMb} MB / < 1000 ms / 0`,
        pass: stageRestartCount === 0 && peakMb < heapLimitMb && smallP99 < 1000 && ended.hung === 0 && smallFailed === 0,
      });
    }
  } finally {
    clearInterval(watch);
  }
}
