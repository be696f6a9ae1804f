import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, execute, getOperationAST, GraphQLError, parse, validate } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, REQUEST_ID_HEADER } from '@footprint/kit';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';
import { createTokenVerifier, SCOPES, type Principal } from '../src/auth/principal.js';
import { personMarks } from '../src/auth/targets.js';
import { loadGatewayConfig } from '../src/config.js';
import type { GatewayContext } from '../src/context.js';
import { loadExportConfig } from '../src/exports/config.js';
import { downloadRoute } from '../src/exports/download.js';
import { ExportMaintenance } from '../src/exports/maintenance.js';
import { exportPlan } from '../src/exports/plan.js';
import { exportResolvers } from '../src/exports/resolvers.js';
import { signedDownloadUrl } from '../src/exports/signing.js';
import { exportMigrations, ExportJobs, type ExportJob } from '../src/exports/store.js';
import { jobPaths } from '../src/exports/worker.js';
import { authorizeOperation } from '../src/plugins/authorization.js';

/**
 * The one access path (auth/access.ts) through its users: the authorization
 * plugin, which finds the person by the @person directive of the schema (not
 * by what an argument is called), and the exports' resolvers and download
 * route, which decide and audit through the same functions. Real parts:
 * graphql-js parsing, validation and execution around the plugin's decision
 * (the function Apollo Server calls), the gateway's SQLite store with its
 * append-only audit log, a real HTTP server for the download.
 */

const ME = '10000001';
const OTHER = '10000002';
const logger = createLogger('access-test', 'silent');

let dir: string;
let store: GatewayStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'footprint-access-'));
  store = openGatewayStore(dir, exportMigrations);
  await store.migrate();
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const subject = (sub: string): Principal => ({ kind: 'subject', sub });
const operator = (sub: string, scopes: string[], reason: string | null = 'DSAR ticket 4711'): Principal => ({ kind: 'operator', sub, scopes, reason });
const context = (principal: Principal, requestId = `req-${Math.random().toString(36).slice(2)}`): GatewayContext => ({ requestId, principal, person: null, log: logger, exchange: {} });

interface AuditRecord {
  actor: string;
  actorType: string;
  person: string | null;
  operation: string;
  reason: string | null;
  outcome: string;
}
const auditOf = (actor: string): Promise<AuditRecord[]> =>
  store.db.selectFrom('auditLog').select(['actor', 'actorType', 'person', 'operation', 'reason', 'outcome']).where('actor', '=', actor).orderBy('id').execute();

describe('the person a request is about comes from @person, not from argument names', () => {
  // A schema of the gateway's kind: who the person is is said by the directive only.
  const schema = buildSchema(`
    directive @person on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
    type Query {
      "The person argument is not called id."
      owner(account: ID! @person): String
      "An id that names something else (a record), not a person."
      record(id: ID!): String
      "The person named in an input object, nested in a list."
      search(filters: [Filter!]!): String
      "Another root field naming a person, by another argument."
      ledger(holder: ID @person): String
    }
    input Filter { subject: ID @person, text: String }
  `);
  const resolve = (_: unknown, __: unknown, ctx: GatewayContext) => ctx.person;
  for (const name of ['owner', 'record', 'search', 'ledger'] as const) schema.getQueryType()!.getFields()[name]!.resolve = resolve;
  // The store is opened in beforeAll, after this describe is collected.
  const options = () => ({ store, persons: personMarks(schema), fieldScopes: { ledger: SCOPES.export } });

  /** As the gateway runs a request: parse, validate, the plugin's decision, then execution. */
  async function run(query: string, principal: Principal, variables?: Record<string, unknown>) {
    const ctx = context(principal);
    const document = parse(query);
    expect(validate(schema, document)).toEqual([]);
    try {
      await authorizeOperation(options(), { ctx, document, schema, variables, operationName: undefined, operation: getOperationAST(document) ?? undefined });
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      return { result: { errors: [err], data: undefined }, ctx };
    }
    return { result: await execute({ schema, document, variableValues: variables ?? null, contextValue: ctx }), ctx };
  }

  it('reads the marks from the schema', () => {
    const marks = personMarks(schema);
    expect([...marks.arguments].map(([f, a]) => `${f}(${[...a].join(',')})`)).toEqual(['Query.owner(account)', 'Query.ledger(holder)']);
    expect([...marks.inputFields].map(([t, f]) => `${t}.${[...f].join(',')}`)).toEqual(['Filter.subject']);
  });

  it('authorizes an @person argument that is not called id: a person only themselves, however it is spelled', async () => {
    const own = await run(`{ owner(account: "${ME}") }`, subject(ME));
    expect(own.result.errors).toBeUndefined();
    expect(own.result.data).toEqual({ owner: ME });
    for (const [how, query, variables] of [
      ['literal', `{ owner(account: "${OTHER}") }`, undefined],
      ['variable', 'query($a: ID!) { owner(account: $a) }', { a: OTHER }],
      ['alias beside its own', `{ mine: owner(account: "${ME}") theirs: owner(account: "${OTHER}") }`, undefined],
      ['named fragment', `query { ...F } fragment F on Query { owner(account: "${OTHER}") }`, undefined],
      ['input field in a list', `{ search(filters: [{ text: "x" }, { subject: "${OTHER}" }]) }`, undefined],
      ['input field through a variable', 'query($f: [Filter!]!) { search(filters: $f) }', { f: [{ subject: OTHER }] }],
    ] as const) {
      const res = await run(query, subject(ME), variables);
      expect(res.result.errors?.[0]?.extensions?.code, how).toBe('FORBIDDEN');
      expect(res.result.errors?.[0]?.message, how).toBe(`Not allowed to read person ${OTHER}: a person may act only for themselves`);
      expect(res.result.data ?? null, how).toBeNull();
    }
  });

  it('decides each request on its own variables when Apollo reuses one parsed document (the walk is cached per document)', async () => {
    for (const query of ['query($a: ID!) { owner(account: $a) }', 'query($f: [Filter!]!) { search(filters: $f) }']) {
      const document = parse(query);
      const ask = (id: string) => {
        const variables = query.includes('$a') ? { a: id } : { f: [{ text: 'x' }, { subject: id }] };
        const ctx = context(subject(ME));
        return authorizeOperation(options(), { ctx, document, schema, variables, operationName: undefined, operation: getOperationAST(document) ?? undefined }).then(
          () => ctx.person,
          (err: GraphQLError) => String(err.extensions?.code),
        );
      };
      expect(await ask(ME), query).toBe(ME);
      expect(await ask(OTHER), query).toBe('FORBIDDEN');
      expect(await ask(ME), query).toBe(ME);
    }
  });

  it('does not treat an argument named id without @person as a person', async () => {
    // Not refused for a subject, not checked as an account ID, and no person is set for the resolvers.
    for (const id of [OTHER, 'not-an-account-id']) {
      const res = await run(`{ record(id: "${id}") }`, subject(ME));
      expect(res.result.errors, id).toBeUndefined();
      expect(res.ctx.person, id).toBeNull();
    }
    const actor = 'ops-record-id';
    const res = await run(`{ record(id: "${OTHER}") }`, operator(actor, [SCOPES.read]));
    expect(res.result.errors).toBeUndefined();
    expect(await auditOf(actor)).toEqual([]);
  });

  it('checks an @person value as an account ID before anything is audited, naming the argument', async () => {
    const actor = 'ops-bad-id';
    const res = await run('{ owner(account: "alice") }', operator(actor, [SCOPES.read]));
    expect(res.result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'account' });
    expect(await auditOf(actor)).toEqual([]);
  });

  it('gives an operator one person per request, with every field’s scope and a reason, audited', async () => {
    const actor = 'ops-directive';
    const two = await run(`{ owner(account: "${OTHER}") ledger(holder: "${ME}") }`, operator(actor, [SCOPES.read, SCOPES.export]));
    expect(two.result.errors?.[0]).toMatchObject({ message: 'An operator request reads one person at a time', extensions: { code: 'BAD_USER_INPUT' } });
    const noScope = await run(`{ owner(account: "${OTHER}") ledger(holder: "${OTHER}") }`, operator(actor, [SCOPES.read]));
    expect(noScope.result.errors?.[0]).toMatchObject({ message: `Operator token lacks the scope ${SCOPES.export}`, extensions: { code: 'FORBIDDEN' } });
    const ok = await run(`{ owner(account: "${OTHER}") ledger(holder: "${OTHER}") }`, operator(actor, [SCOPES.read, SCOPES.export]));
    expect(ok.result.errors).toBeUndefined();
    expect(ok.result.data).toEqual({ owner: OTHER, ledger: OTHER });
    expect(await auditOf(actor)).toEqual([
      { actor, actorType: 'operator', person: OTHER, operation: 'query (anonymous) [owner, ledger]', reason: 'DSAR ticket 4711', outcome: `refused: Operator token lacks the scope ${SCOPES.export}` },
      { actor, actorType: 'operator', person: OTHER, operation: 'query (anonymous) [owner, ledger]', reason: 'DSAR ticket 4711', outcome: 'allowed' },
    ]);
  });
});

describe('exports decide and audit through the common path', () => {
  const config = loadGatewayConfig({ LOG_LEVEL: 'silent' });
  let exportConfig: ReturnType<typeof loadExportConfig>;
  let jobs: ExportJobs;
  let job: ExportJob;
  let resolvers: ReturnType<typeof exportResolvers>;
  let http: Server;
  let origin: string;

  const resolver = (type: 'Query' | 'Mutation', name: string) => resolvers[type]![name] as (parent: unknown, args: Record<string, unknown>, ctx: GatewayContext) => Promise<unknown>;
  const exportJob = (jobId: string, ctx: GatewayContext) => resolver('Query', 'exportJob')(null, { jobId }, ctx) as Promise<ExportJob | null>;
  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return { code: (err as { extensions: { code: string } }).extensions.code, message: (err as Error).message };
    }
    throw new Error('it was allowed');
  };
  const token = (claims: Record<string, unknown>, sub: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(config.jwtSecret!));

  beforeAll(async () => {
    exportConfig = loadExportConfig({ ...config, dataDir: dir });
    jobs = new ExportJobs(store);
    const created = await jobs.create({ personId: OTHER, requestedBy: OTHER, requesterType: 'subject', reason: null, allowPartial: false, progress: { schemaHash: 'test', kinds: [] } }, { windowMs: 1, maxPerWindow: 100 });
    await jobs.claim(created.id, 'test-worker');
    const archive = jobPaths(exportConfig.dir, created.id).archive;
    mkdirSync(exportConfig.dir, { recursive: true });
    writeFileSync(archive, 'PK-not-really-a-zip');
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    await jobs.succeed(created.id, 'test-worker', { progress: { schemaHash: 'test', kinds: [] }, archiveBytes: 19, archiveSha256: 'a'.repeat(64), records: 0, expiresAt, finishedAt: new Date().toISOString() });
    job = (await jobs.get(created.id))!;
    expect(job.state).toBe('SUCCEEDED');
    const queue = { enqueue: async () => {}, cancelled: async () => {}, close: async () => {} };
    resolvers = exportResolvers({ jobs, queue, config: exportConfig, store, plan: exportPlan(readFileSync(config.supergraphPath, 'utf8')) });
    const verify = createTokenVerifier({ jwtSecret: config.jwtSecret, jwksUrl: undefined, issuer: undefined, audience: undefined });
    const route = downloadRoute({ jobs, config: exportConfig, store, verify, maintenance: new ExportMaintenance({ jobs, config: exportConfig, logger, recoverStale: false }), logger });
    http = createServer((req, res) => {
      res.setHeader(REQUEST_ID_HEADER, 'download-request');
      void route(req, res, new URL(req.url ?? '/', 'http://localhost'));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve())));

  it('refuse another person’s export: to request or list it (FORBIDDEN), or to see it by its id (not found)', async () => {
    const me = context(subject(ME));
    expect(await failure(resolver('Mutation', 'requestExport')(null, { personId: OTHER }, me))).toEqual({ code: 'FORBIDDEN', message: `Not allowed to export person ${OTHER}: a person may act only for themselves` });
    expect((await failure(resolver('Query', 'exportJobs')(null, { personId: OTHER }, me))).code).toBe('FORBIDDEN');
    expect(await exportJob(job.id, me)).toBeNull();
    expect((await exportJob(job.id, context(subject(OTHER))))?.id).toBe(job.id);
  });

  it('audit an operator’s access to a job, refusals too, as the plugin does', async () => {
    const actor = 'ops-export-job';
    expect(await failure(exportJob(job.id, context(operator(actor, [SCOPES.read]))))).toEqual({ code: 'FORBIDDEN', message: `Operator token lacks the scope ${SCOPES.export}` });
    expect(await failure(exportJob(job.id, context(operator(actor, [SCOPES.export], null))))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/X-Footprint-Reason/) });
    expect((await exportJob(job.id, context(operator(actor, [SCOPES.export]))))?.id).toBe(job.id);
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    expect(await exportJob(unknown, context(operator(actor, [SCOPES.export])))).toBeNull();
    expect(await auditOf(actor)).toEqual([
      { actor, actorType: 'operator', person: OTHER, operation: `query exportJob ${job.id}`, reason: 'DSAR ticket 4711', outcome: `refused: Operator token lacks the scope ${SCOPES.export}` },
      { actor, actorType: 'operator', person: OTHER, operation: `query exportJob ${job.id}`, reason: null, outcome: expect.stringMatching(/^refused: .*X-Footprint-Reason/) },
      { actor, actorType: 'operator', person: OTHER, operation: `query exportJob ${job.id}`, reason: 'DSAR ticket 4711', outcome: 'allowed' },
      { actor, actorType: 'operator', person: null, operation: `query exportJob ${unknown}`, reason: 'DSAR ticket 4711', outcome: 'not found' },
    ]);
  });

  it('refuse another person’s archive download, and audit an operator’s download and its refusal', async () => {
    const link = signedDownloadUrl({ publicUrl: origin, secret: exportConfig.internalSecret, jobId: job.id, person: OTHER, ttlSeconds: 600, archiveExpiresAt: job.expiresAt! }).url;
    const get = (headers: Record<string, string>) => fetch(link, { headers });

    const other = await get({ authorization: `Bearer ${await token({}, ME)}` });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ errors: [{ message: `Not allowed to download the archive of person ${OTHER}: a person may act only for themselves`, extensions: { code: 'FORBIDDEN' } }] });
    expect(await auditOf(ME)).toEqual([]);

    const own = await get({ authorization: `Bearer ${await token({}, OTHER)}` });
    expect(own.status).toBe(200);
    expect(await own.text()).toBe('PK-not-really-a-zip');

    const actor = 'ops-download';
    const noScope = await get({ authorization: `Bearer ${await token({ role: 'operator', scope: SCOPES.read }, actor)}`, 'x-footprint-reason': 'DSAR ticket 4711' });
    expect(noScope.status).toBe(403);
    const ok = await get({ authorization: `Bearer ${await token({ role: 'operator', scope: SCOPES.export }, actor)}`, 'x-footprint-reason': 'DSAR ticket 4711' });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const operation = `download export ${job.id}`;
    expect(await auditOf(actor)).toEqual([
      { actor, actorType: 'operator', person: OTHER, operation, reason: 'DSAR ticket 4711', outcome: `refused: Operator token lacks the scope ${SCOPES.export}` },
      { actor, actorType: 'operator', person: OTHER, operation, reason: 'DSAR ticket 4711', outcome: 'allowed' },
    ]);
    // The person's own download is on the record too.
    expect(await auditOf(OTHER)).toEqual([{ actor: OTHER, actorType: 'subject', person: OTHER, operation, reason: null, outcome: 'allowed' }]);
  });
});
