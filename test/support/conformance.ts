import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildASTSchema,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  printType,
  type DocumentNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type ObjectTypeDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDuration, buildDataMap, personalDataProblems, readKindMeta, TAXONOMY, type KindMeta } from '@footprint/schema';
import { CREDENTIAL_HEADER, encodeCursor, ERASE_SCOPE, PROCESS_SCOPE, RESTRICT_SCOPE, MAX_PAGE_SIZE, signCredential, subgraphDocument, type SecretsConfig, type SeedTarget, type Store, type Subgraph } from '@footprint/kit';
import { postGraphQL, startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@footprint/kit/testing';
import { composeSupergraph, subgraphSources } from '@footprint/gateway/compose';
import { planFootprint, type FootprintPlan, type KindPlan } from '@footprint/gateway/footprint';

/**
 * The behaviour suite every subgraph must pass, run against the subgraph
 * itself: its built package, in process, over real HTTP and a fresh SQLite
 * store, seeded by its own seed.ts. Nothing here names a domain: the suite
 * reads what to check from the SDL the subgraph serves.
 */

/** A domain package's main export: its defineSubgraph declaration (src/subgraph.ts). */
export interface SubgraphModule {
  subgraph: { createServer(config: SecretsConfig): Promise<Subgraph & { store: Store<unknown> }> };
}
/** What the conformance suite starts a subgraph from. */
export type LoadedSubgraph = { createServer: SubgraphModule['subgraph']['createServer'] } & SeedModule;
export interface SeedModule {
  seed(store: Store<unknown>, targets: SeedTarget[]): Promise<void>;
}

type Conn = { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string }[]; nodes: Record<string, unknown>[] };
type Discovery = { domain: string; kinds: { kind: string; title: string; count: number; earliest: string | null; latest: string | null; regions: string[]; sources: string[] }[] };

/** Enough records per kind that a page of 100 holds several times a light person's, and nested lookups would show. */
const HEAVY_SCALE = 12;
const SHARED_TYPES = ['PersonalData', 'RecordMeta', 'PageInfo', 'DomainDiscovery', 'KindDiscovery', ...Object.keys(TAXONOMY)];

/** The columns the kit gives every record (recordTable): not personal data a kind declares, kept on a retained record. */
const RECORD_COLUMNS = ['id', 'personId', 'collectedAt', 'region', 'source'];
/** Whether a stored column holds a GraphQL field: the same name, or the name and a suffix (totalMinor for total, invoiceNumber for invoice). */
const columnOf = (column: string, field: string) => column === field || (column.startsWith(field) && /^[A-Z0-9]/.test(column.slice(field.length)));
const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const randomPerson = (prefix: number) => `${prefix}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
const unwrap = (t: GraphQLType): GraphQLType => (isNonNullType(t) ? t.ofType : t);
/**
 * A subgraph SDL as graphql-js can build it: federation lets a subgraph extend
 * a type nobody defines there (Query, Mutation); such an extension becomes the
 * definition, as composition treats it.
 */
function buildSubgraphSdl(d: DocumentNode): GraphQLSchema {
  const defined = new Set(d.definitions.flatMap((x) => (x.kind === Kind.OBJECT_TYPE_DEFINITION ? [x.name.value] : [])));
  const definitions = d.definitions.map((x) => {
    if (x.kind !== Kind.OBJECT_TYPE_EXTENSION || defined.has(x.name.value)) return x;
    defined.add(x.name.value);
    return { ...x, kind: Kind.OBJECT_TYPE_DEFINITION } as ObjectTypeDefinitionNode;
  });
  // Federation's own directives are not declared in the SDL a subgraph serves; graphql-js reads it anyway.
  return buildASTSchema({ ...d, definitions }, { assumeValidSDL: true });
}
const implementsPersonalData = (t: unknown): t is GraphQLObjectType => isObjectType(t) && t.getInterfaces().some((i) => i.name === 'PersonalData');

/**
 * A listed subgraph's package, by name: `@footprint/subgraph-<name>` exports its server (".") and its seed ("./seed").
 * The specifier is only known at run time, so the module is typed by the contract every subgraph package keeps.
 */
export async function importSubgraphPackage(name: string): Promise<LoadedSubgraph> {
  const { subgraph } = (await import(/* @vite-ignore */ `@footprint/subgraph-${name}`)) as SubgraphModule;
  const { seed } = (await import(/* @vite-ignore */ `@footprint/subgraph-${name}/seed`)) as SeedModule;
  return { createServer: (config) => subgraph.createServer(config), seed };
}

/** A subgraph built outside this workspace (a scaffold in a copy of the repository), from its dist folder. */
export async function importSubgraphDist(dist: string): Promise<LoadedSubgraph> {
  const { subgraph } = (await import(pathToFileURL(join(dist, 'subgraph.js')).href)) as SubgraphModule;
  const { seed } = (await import(pathToFileURL(join(dist, 'seed.js')).href)) as SeedModule;
  return { createServer: (config) => subgraph.createServer(config), seed };
}

/** `load` gives the subgraph's built package (default: the workspace package of that name). */
export function describeConformance(name: string, load: () => Promise<LoadedSubgraph> = () => importSubgraphPackage(name)): void {
  describe(`conformance: ${name}`, () => {
    const [A, B, HEAVY] = [randomPerson(5), randomPerson(6), randomPerson(7)];
    let sg: TestSubgraph<unknown>;
    let sdl: string;
    let doc: DocumentNode;
    let schema: GraphQLSchema;
    let plan: FootprintPlan;
    let kinds: Map<string, KindMeta>;

    const as = async (person: string | null) => ({ [CREDENTIAL_HEADER]: await sg.credential(person) });
    /** The first page (or the page after `after`) of the given kinds, and discovery, through _entities. */
    const domainQuery = (ks: KindPlan[], withDiscovery = true) =>
      `query($r: [_Any!]!${ks.length ? ', $first: Int, $after: String' : ''}) { _entities(representations: $r) { ... on Person { ${name} { ${ks
        .map((k) => `${k.field}(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor } nodes { ${k.selection} } }`)
        .join(' ')} ${withDiscovery ? 'discovery { domain kinds { kind title count earliest latest regions sources } }' : ''} } } } }`;
    async function read(person: string, ks: KindPlan[], vars: { first?: number; after?: string | null } = {}, asPerson: string | null = person, reps = [person]) {
      return postGraphQL<{ _entities: (Record<string, Record<string, unknown> | null> | null)[] }>(
        sg.url,
        domainQuery(ks),
        { r: reps.map((id) => ({ __typename: 'Person', id })), first: vars.first ?? 100, after: vars.after ?? null },
        await as(asPerson),
      );
    }
    const domainOf = (res: GraphQLResponse<{ _entities: (Record<string, Record<string, unknown> | null> | null)[] }>, i = 0) => res.data?._entities?.[i]?.[name] ?? null;
    const recordIds = async (person: string) => {
      const res = await read(person, plan.kinds, { first: MAX_PAGE_SIZE });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const d = domainOf(res)!;
      return plan.kinds.flatMap((k) => (d[k.field] as Conn).nodes.map((n) => n.id as string));
    };

    beforeAll(async () => {
      const { createServer, seed } = await load();
      sg = await startTestSubgraph(createServer, seed, [
        { id: A, scale: 1 },
        { id: B, scale: 1 },
        { id: HEAVY, scale: HEAVY_SCALE },
      ]);
      const res = await postGraphQL<{ _service: { sdl: string } }>(sg.url, '{ _service { sdl } }', {}, await as(null));
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      sdl = res.data!._service.sdl;
      doc = parse(sdl);
      schema = buildSubgraphSdl(doc);
      plan = planFootprint(schema);
      kinds = new Map(readKindMeta(doc).map((k) => [k.kind, k]));
    });
    afterAll(() => sg?.close());

    it('implements the contract: Person.<name> leads to <Name>Data with discovery; the shared types are unchanged', () => {
      const person = schema.getType('Person') as GraphQLObjectType;
      const field = person.getFields()[name];
      expect(field, `Person.${name}`).toBeDefined();
      // Nullable, so a failing domain does not hide the others.
      expect(String(field!.type)).toBe(`${pascal(name)}Data`);
      const data = schema.getType(`${pascal(name)}Data`) as GraphQLObjectType;
      expect(String(data.getFields().discovery?.type)).toBe('DomainDiscovery!');
      const contract = buildSubgraphSdl(subgraphDocument(''));
      for (const t of SHARED_TYPES) expect(printType(schema.getType(t)!), t).toBe(printType(contract.getType(t)!));
      expect(Object.keys(person.getFields()).sort()).toEqual(['id', name].sort());
      expect(plan.domains).toEqual([name]);
    });

    it('gives every PersonalData type complete metadata, and every record the metadata of its kind', async () => {
      expect(personalDataProblems(doc, () => name)).toEqual([]);
      expect(kinds.size).toBeGreaterThan(0);
      const res = await read(A, plan.kinds);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const d = domainOf(res)!;
      for (const k of plan.kinds) {
        const nodes = (d[k.field] as Conn).nodes;
        expect(nodes.length, `the seed writes no ${k.typename} for a demo person`).toBeGreaterThan(0);
        for (const n of nodes) {
          const meta = n.meta as Record<string, unknown>;
          const kind = kinds.get(meta.kind as string);
          expect(kind?.typename, `${k.typename}: meta.kind ${String(meta.kind)}`).toBe(k.typename);
          expect(n.id).toMatch(new RegExp(`^${kind!.kind.replace('.', '\\.')}:\\d+$`));
          expect(meta).toMatchObject({
            domain: name,
            category: kind!.category,
            purposes: kind!.purposes,
            legalBasis: kind!.legalBasis,
            retention: kind!.retention,
            correctable: kind!.correctable,
            correctionNote: kind!.correctable ? null : kind!.reason,
            recipients: kind!.recipients,
            policySection: kind!.policy,
          });
          expect(TAXONOMY.DataSource.values).toContain(meta.source);
          expect(TAXONOMY.DataRegion.values).toContain(meta.region);
          expect(Date.parse(meta.collectedAt as string), 'collectedAt').not.toBeNaN();
        }
      }
    });

    it('serves records only as connections (first/after, edges, nodes, pageInfo, totalCount), every kind reachable', () => {
      const data = schema.getType(`${pascal(name)}Data`) as GraphQLObjectType;
      for (const f of Object.values(data.getFields()) as GraphQLField<unknown, unknown>[]) {
        if (f.name === 'discovery') continue;
        const conn = unwrap(f.type);
        expect(isObjectType(conn) && conn.name.endsWith('Connection'), `${data.name}.${f.name} is not a connection`).toBe(true);
        expect(isNonNullType(f.type), `${data.name}.${f.name} must be non-null`).toBe(true);
        expect(f.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['first: Int', 'after: String']);
        const node = (conn as GraphQLObjectType).name.replace(/Connection$/, '');
        const c = (conn as GraphQLObjectType).getFields();
        expect(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, String(v.type)]))).toEqual({
          edges: `[${node}Edge!]!`,
          nodes: `[${node}!]!`,
          pageInfo: 'PageInfo!',
          totalCount: 'Int!',
        });
        const edge = (schema.getType(`${node}Edge`) as GraphQLObjectType).getFields();
        expect(Object.fromEntries(Object.entries(edge).map(([k, v]) => [k, String(v.type)]))).toEqual({ cursor: 'String!', node: `${node}!` });
      }
      // A list of records anywhere else would escape pagination (and the footprint's cursor-following).
      for (const t of Object.values(schema.getTypeMap())) {
        if (!isObjectType(t) || t.name.startsWith('_') || t.name.endsWith('Connection')) continue;
        for (const f of Object.values(t.getFields())) {
          if (isListType(unwrap(f.type)) && implementsPersonalData(getNamedType(f.type))) expect.fail(`${t.name}.${f.name} is a list of records, not a connection`);
        }
      }
      expect(plan.kinds.map((k) => k.typename).sort(), 'every @personalData type must be reachable through a connection').toEqual(
        [...kinds.values()].map((k) => k.typename).sort(),
      );
    });

    it('pages every kind with after to the end: each record once, counts equal to totalCount and to discovery', async () => {
      const first = await read(HEAVY, plan.kinds);
      const discovery = domainOf(first)!.discovery as Discovery;
      expect(discovery.domain).toBe(name);
      expect(discovery.kinds.map((k) => k.kind).sort()).toEqual([...kinds.keys()].sort());
      for (const k of plan.kinds) {
        const ids: string[] = [];
        let after: string | null = null;
        let total = -1;
        for (let page = 0; ; page++) {
          const res = await read(HEAVY, [k], { first: 7, after });
          expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
          const c = domainOf(res)![k.field] as Conn;
          total = c.totalCount;
          ids.push(...c.nodes.map((n) => n.id as string));
          expect(c.pageInfo.endCursor).toBe(c.edges.at(-1)?.cursor ?? null);
          if (!c.pageInfo.hasNextPage) break;
          expect(c.nodes).toHaveLength(7);
          after = c.pageInfo.endCursor;
          expect(page).toBeLessThan(10_000);
        }
        expect(ids.length, k.typename).toBe(total);
        expect(new Set(ids).size, k.typename).toBe(ids.length);
        const kind = ids[0]?.split(':')[0];
        if (kind) expect(discovery.kinds.find((d) => d.kind === kind)?.count, `${kind}: discovery count`).toBe(total);
      }
      const forged = await read(HEAVY, plan.kinds.slice(0, 1), { after: Buffer.from('not a cursor').toString('base64url') });
      expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const tooMany = await read(HEAVY, plan.kinds.slice(0, 1), { first: MAX_PAGE_SIZE + 1, after: encodeCursor(0) });
      expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('refuses calls without a valid gateway credential — _service and _entities too', async () => {
      const entities = domainQuery(plan.kinds.slice(0, 1));
      const vars = { r: [{ __typename: 'Person', id: A }] };
      const forged = await signCredential({ actor: A, actorType: 'subject', person: A, scopes: [], requestId: 'conformance' }, 'f'.repeat(48));
      const expired = await signCredential({ actor: A, actorType: 'subject', person: A, scopes: [], requestId: 'conformance' }, sg.config.internalSecret, -60);
      const attempts: Record<string, string>[] = [{}, { [CREDENTIAL_HEADER]: forged }, { [CREDENTIAL_HEADER]: expired }, { [CREDENTIAL_HEADER]: 'Bearer x' }];
      for (const headers of attempts) {
        for (const query of ['{ _service { sdl } }', entities]) {
          const res = await postGraphQL(sg.url, query, vars, headers);
          expect(res.status).toBe(401);
          expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
          expect(res.data ?? null).toBeNull();
        }
      }
      const noPerson = await read(A, plan.kinds, {}, null);
      expect(noPerson.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(domainOf(noPerson)).toBeNull();
    });

    it('never returns another person’s rows through _entities', async () => {
      const mine = await recordIds(A);
      const theirs = await recordIds(B);
      expect(theirs.length).toBeGreaterThan(0);
      expect(mine.filter((id) => theirs.includes(id))).toEqual([]);
      for (const reps of [[B], [A, B], [B, A]]) {
        const res = await read(A, plan.kinds, { first: MAX_PAGE_SIZE }, A, reps);
        expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
        const body = JSON.stringify(res.data ?? null);
        for (const id of theirs) expect(body).not.toContain(`"${id}"`);
        // Refusing the whole call is as good as refusing B alone: nothing of B's may be in it.
        expect(domainOf(res, reps.indexOf(B))).toBeNull();
      }
    });

    it('batches its loaders: a heavy person’s records cost the same statements as a light one’s; discovery one statement', async () => {
      const cost = async (person: string, ks: KindPlan[], withDiscovery: boolean) => {
        const before = sg.store.statements;
        const vars = { r: [{ __typename: 'Person', id: person }], ...(ks.length ? { first: 100 } : {}) };
        const res = await postGraphQL(sg.url, domainQuery(ks, withDiscovery), vars, await as(person));
        expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
        return { statements: sg.store.statements - before, records: JSON.stringify(res.data).split('"meta":').length - 1 };
      };
      const light = await cost(A, plan.kinds, false);
      const heavy = await cost(HEAVY, plan.kinds, false);
      expect(heavy.records, 'the heavy person must hold more records for this check to mean anything').toBeGreaterThan(light.records * 3);
      expect(heavy.statements).toBe(light.statements);
      expect((await cost(A, [], true)).statements).toBe(1);
      expect((await cost(HEAVY, [], true)).statements).toBe(1);
    });

    it('composes with every other subgraph and the gateway, its metadata surviving into the supergraph', () => {
      // The SDL it serves, in place of (or beside) what the repository lists.
      const sources = [...subgraphSources().filter((s) => s.name !== name), { name, url: 'http://127.0.0.1:1/graphql', typeDefs: doc }];
      const map = buildDataMap(composeSupergraph(sources));
      expect(map.problems.filter((p) => p.domain === name || p.domain === null)).toEqual([]);
      expect(
        map.entries
          .filter((e) => e.domain === name)
          .map((e) => e.kind)
          .sort(),
      ).toEqual([...kinds.keys()].sort());
    });

    /** A rights call as the gateway's rights job makes it: the one person, and the scopes it names. */
    const rights = async <T>(person: string, query: string, variables: Record<string, unknown> = {}, scopes = [ERASE_SCOPE, RESTRICT_SCOPE]) =>
      postGraphQL<T>(sg.url, query, variables, { [CREDENTIAL_HEADER]: await sg.credential(person, { scopes, actorType: 'job', actor: 'conformance' }) });
    type Metas = { meta: { restricted: boolean; restriction: { ground: string; reason: string; until: string | null } | null; erasure: { action: string } } }[];
    const metas = async (person: string) => {
      const res = await postGraphQL<{ _entities: Record<string, Record<string, { nodes: Metas }>>[] }>(
        sg.url,
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${name} { ${plan.kinds.map((k) => `${k.field}(first: 50) { nodes { meta { kind restricted restriction { ground reason until since } erasure { action fields note retainFor retainFrom } } } }`).join(' ')} } } } }`,
        { r: [{ __typename: 'Person', id: person }] },
        await as(person),
      );
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const d = res.data!._entities[0]![name]!;
      return plan.kinds.flatMap((k) => d[k.field]!.nodes);
    };
    const KINDS = () => [...kinds.keys()];
    const STATE = 'domain restrictions { kind recordId ground reason until since } objections withdrawnConsents';

    it('restricts and lifts: every record of a restricted kind shows it in RecordMeta; a past end and a missing scope are refused', async () => {
      const restrict = `mutation($k: [String!]!, $u: DateTime) { _restrict(kinds: $k, reason: "contested", until: $u) { ${STATE} } }`;
      const noScope = await rights(A, restrict, { k: KINDS() }, [ERASE_SCOPE]);
      expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const past = await rights(A, restrict, { k: KINDS(), u: '2001-01-01T00:00:00Z' });
      expect(past.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const unknown = await rights(A, restrict, { k: [`${name}.no_such_kind`] });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      for (const m of await metas(A)) expect(m.meta.restricted).toBe(false);

      const res = await rights<{ _restrict: { restrictions: { kind: string; ground: string }[] } }>(A, restrict, { k: KINDS(), u: '2099-12-31T00:00:00Z' });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.data!._restrict.restrictions.map((r) => r.kind).sort()).toEqual(KINDS().sort());
      for (const m of await metas(A)) expect(m.meta).toMatchObject({ restricted: true, restriction: { ground: 'PERSON_REQUEST', reason: 'contested', until: '2099-12-31T00:00:00.000Z' } });
      // Someone else's records are not restricted by it.
      for (const m of await metas(B)) expect(m.meta.restricted).toBe(false);

      const lifted = await rights<{ _liftRestriction: { restrictions: unknown[] } }>(A, `mutation($k: [String!]!) { _liftRestriction(kinds: $k) { ${STATE} } }`, { k: KINDS() });
      expect(lifted.data!._liftRestriction.restrictions).toEqual([]);
      for (const m of await metas(A)) expect(m.meta.restricted).toBe(false);
    });

    it('runs every declared processing activity from outside, refusing it under a restriction, an objection and a withdrawn consent', async () => {
      type Run = { _runProcessing: { refusal: string | null } };
      const run = (person: string, activity: string) => rights<Run>(person, 'mutation($a: String!) { _runProcessing(activity: $a) { refusal } }', { a: activity }, [RESTRICT_SCOPE, PROCESS_SCOPE]);
      for (const a of sg.subgraph.rights.activities()) {
        expect(a.triggered, `${name}: processing activity ${a.name} has no trigger (run: in src/rights.ts)`).toBe(true);
        expect((await rights(A, 'mutation($k: [String!]!) { _restrict(kinds: $k, reason: "conformance") { domain } }', { k: a.kinds })).errors).toBeUndefined();
        expect((await run(A, a.name)).data?._runProcessing.refusal, `${a.name} under a restriction`).toBe('RESTRICTED');
        expect((await rights(A, 'mutation($k: [String!]!) { _liftRestriction(kinds: $k) { domain } }', { k: a.kinds })).errors).toBeUndefined();
        if (a.objection) {
          expect((await rights(B, 'mutation($p: RightsPurpose!) { _object(purpose: $p) { domain } }', { p: a.objection })).errors).toBeUndefined();
          expect((await run(B, a.name)).data?._runProcessing.refusal, `${a.name} after an objection`).toBe('OBJECTED');
        }
        if (a.consent) {
          expect((await rights(A, 'mutation($p: Purpose!) { _withdrawConsent(purpose: $p) { domain } }', { p: a.consent })).errors).toBeUndefined();
          expect((await run(A, a.name)).data?._runProcessing.refusal, `${a.name} after a withdrawal`).toBe('CONSENT_WITHDRAWN');
          const given = await rights<{ _giveConsent: { withdrawnConsents: string[] } }>(A, 'mutation($p: Purpose!) { _giveConsent(purpose: $p) { withdrawnConsents } }', { p: a.consent });
          expect(given.data?._giveConsent.withdrawnConsents).not.toContain(a.consent);
        }
      }
    });

    it('erases a person: discovery equals what the receipt says remains, no one else changes, replay gives the same receipts', async () => {
      const ERASE = `mutation($id: ID!, $k: [String!]) { _erase(requestId: $id, kinds: $k, reason: "conformance") { domain requestId replayed erasedAt kinds { kind action deleted anonymized retained fields ground retainedUntil noticesRecorded } } }`;
      const requestId = `conformance-${HEAVY}`;
      const refused = await rights(HEAVY, ERASE, { id: requestId }, [RESTRICT_SCOPE]);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const othersBefore = await Promise.all([A, B].map((p) => read(p, plan.kinds, { first: MAX_PAGE_SIZE })));
      const before = domainOf(await read(HEAVY, [], { first: 1 }))!.discovery as Discovery;
      const rules = sg.subgraph.rights.erasureRules();
      // The domain's own tables, by the names its rules give (the suite knows no domain's DB type).
      const db = sg.store.db.withTables<Record<string, Record<string, string | number | null>>>();
      // The keys the person's records give their child rows, read before erasure takes the records.
      const parentKeys = new Map<string, (string | number | null)[]>();
      for (const r of rules) {
        for (const c of r.children) {
          const rows = await db.selectFrom(r.table).select(c.parentColumn ?? 'id').where('personId', '=', HEAVY).execute();
          parentKeys.set(`${r.kind}/${c.table}`, rows.map((row) => row[c.parentColumn ?? 'id']));
        }
      }
      // Each ANONYMIZE kind's records of the person, as stored, to find them again once they carry no person id.
      const anonymized = await Promise.all(
        rules.filter((r) => r.action === 'ANONYMIZE').map(async (a) => ({ ...a, rows: await db.selectFrom(a.table).selectAll().where('personId', '=', HEAVY).execute() })),
      );

      type Receipt = { domain: string; requestId: string; replayed: boolean; kinds: { kind: string; action: string; deleted: number; anonymized: number; retained: number; fields: string[]; ground: string | null; retainedUntil: string | null }[] };
      const res = await rights<{ _erase: Receipt }>(HEAVY, ERASE, { id: requestId });
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const receipt = res.data!._erase;
      expect(receipt).toMatchObject({ domain: name, requestId, replayed: false });
      expect(receipt.kinds.map((k) => k.kind).sort()).toEqual(KINDS().sort());
      const after = domainOf(await read(HEAVY, [], { first: 1 }))!.discovery as Discovery;
      for (const k of receipt.kinds) {
        const meta = kinds.get(k.kind)!;
        expect(k.action, k.kind).toBe(meta.erasure);
        const was = before.kinds.find((d) => d.kind === k.kind)!.count;
        const now = after.kinds.find((d) => d.kind === k.kind)!.count;
        // Anonymised records are no one's: only what is retained is still the person's.
        expect(now, `${k.kind}: discovery after erasure`).toBe(k.retained);
        expect(k.deleted + k.anonymized + k.retained, `${k.kind}: every record accounted for`).toBe(was);
        if (meta.erasure === 'DELETE') expect(now, k.kind).toBe(0);
        if (meta.erasure === 'ANONYMIZE') expect(k.fields).toEqual(meta.erasureFields);
        if (meta.erasure === 'RETAIN' && k.retained > 0) {
          expect(k.ground).toBe(meta.erasureNote);
          expect(Date.parse(k.retainedUntil!)).toBeGreaterThan(Date.now());
        }
      }
      // Each declared rule, in the stored rows themselves: DELETE leaves no row of the person's in the kind's table nor in
      // its child tables; RETAIN keeps values only in the columns of its retainFields (besides the kit's record columns),
      // every other column cleared as the domain's rules say, and each record is held until its own end.
      const childRows = async (r: (typeof rules)[number], c: (typeof rules)[number]['children'][number]) => {
        const keys = parentKeys.get(`${r.kind}/${c.table}`) ?? [];
        if (keys.length === 0) return [];
        let q = db.selectFrom(c.table).selectAll().where(c.column, 'in', keys);
        if (c.personColumn) q = q.where(c.personColumn, '=', HEAVY);
        return q.execute();
      };
      for (const r of rules) {
        const meta = kinds.get(r.kind)!;
        const rows = await db.selectFrom(r.table).selectAll().where('personId', '=', HEAVY).execute();
        if (r.action === 'DELETE') {
          expect(rows.length, `${r.kind}: rows left in ${r.table}`).toBe(0);
          for (const c of r.children) expect((await childRows(r, c)).length, `${r.kind}: child rows left in ${c.table}`).toBe(0);
        }
        if (r.action !== 'RETAIN') continue;
        for (const row of rows) {
          for (const [column, value] of Object.entries(row)) {
            if (RECORD_COLUMNS.includes(column)) continue;
            if (column in r.clearOnRetain) expect(value, `${r.kind}: ${r.table}.${column} of a retained record`).toBe(r.clearOnRetain[column]);
            else expect(meta.retainFields.some((f) => columnOf(column, f)), `${r.kind}: ${r.table}.${column} is kept, but no field of retainFields (${meta.retainFields.join(', ')}) holds it and clearOnRetain does not clear it`).toBe(true);
          }
        }
        for (const c of r.children) {
          for (const row of await childRows(r, c)) for (const [column, value] of Object.entries(c.clearOnRetain ?? {})) expect(row[column], `${r.kind}: ${c.table}.${column} of a retained record`).toBe(value);
        }
      }
      const held = await postGraphQL<{ _entities: Record<string, Record<string, { nodes: { meta: { kind: string; collectedAt: string; restricted: boolean; restriction: { ground: string; until: string | null } | null } }[] }>>[] }>(
        sg.url,
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ${name} { ${plan.kinds.map((k) => `${k.field}(first: ${MAX_PAGE_SIZE}) { nodes { meta { kind collectedAt restricted restriction { ground until } } } }`).join(' ')} } } } }`,
        { r: [{ __typename: 'Person', id: HEAVY }] },
        await as(HEAVY),
      );
      expect(held.errors, JSON.stringify(held.errors)).toBeUndefined();
      for (const k of plan.kinds) {
        for (const { meta: m } of held.data!._entities[0]![name]![k.field]!.nodes) {
          const meta = kinds.get(m.kind)!;
          if (meta.erasure !== 'RETAIN') continue;
          const end = meta.retainFrom === 'COLLECTED' ? addDuration(new Date(m.collectedAt), meta.retainFor!)!.toISOString() : receipt.kinds.find((x) => x.kind === m.kind)!.retainedUntil;
          expect(m, `${m.kind}: a retained record's hold`).toMatchObject({ restricted: true, restriction: { ground: 'LEGAL_HOLD', until: end } });
        }
      }
      // ANONYMIZE: no row of the kind's table or its child tables has the person's id, and no join key leads to the person's records.
      for (const a of anonymized) {
        const receipt_ = receipt.kinds.find((k) => k.kind === a.kind)!;
        expect(a.rows.length, `${a.kind}: the heavy person has records to anonymise`).toBeGreaterThan(0);
        expect(await db.selectFrom(a.table).select('id').where('personId', '=', HEAVY).execute(), `${a.kind}: rows with the person's id`).toEqual([]);
        const ids = a.rows.map((r) => r.id!);
        const left = await db.selectFrom(a.table).selectAll().where('id', 'in', ids).execute();
        expect(left, `${a.kind}: the anonymised records are there`).toHaveLength(receipt_.anonymized);
        for (const c of a.children) {
          const parents = a.rows.map((r) => r[c.parentColumn ?? 'id']!);
          expect(await db.selectFrom(c.table).select('id').where(c.column, 'in', parents).execute(), `${a.kind}: child rows in ${c.table}`).toEqual([]);
        }
        for (const j of a.joinKeys) {
          const leads = db.selectFrom(j.table).select(j.parentColumn).where('personId', '=', HEAVY);
          const linked = await db.selectFrom(a.table).select('id').where('id', 'in', ids).where(j.column, 'in', leads).execute();
          expect(linked, `${a.kind}: ${j.column} still leads to the person's ${j.table}`).toEqual([]);
        }
      }
      // What is kept under a legal hold shows as restricted, with its ground and end.
      for (const m of await metas(HEAVY)) {
        if (m.meta.erasure.action === 'RETAIN') expect(m.meta).toMatchObject({ restricted: true, restriction: { ground: 'LEGAL_HOLD' } });
      }
      const othersAfter = await Promise.all([A, B].map((p) => read(p, plan.kinds, { first: MAX_PAGE_SIZE })));
      expect(othersAfter).toEqual(othersBefore);

      const again = await rights<{ _erase: Receipt }>(HEAVY, ERASE, { id: requestId });
      expect(again.data!._erase.replayed).toBe(true);
      expect(again.data!._erase.kinds).toEqual(receipt.kinds);
      expect(domainOf(await read(HEAVY, [], { first: 1 }))!.discovery).toEqual(after);
    });
  });
}
