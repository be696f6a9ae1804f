import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, validateSchema } from 'graphql';
import { describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '@footprint/kit';
import { bearer, gql, subjectToken } from './support/client.js';

const url = inject('gatewayUrl');
const example = join(REPO_ROOT, 'examples', 'typed-client');

describe('the published client API schema', () => {
  const sdl = readFileSync(join(REPO_ROOT, 'gateway', 'api', 'schema.graphql'), 'utf8');

  it('is a valid schema on its own, with no federation machinery', () => {
    const schema = buildSchema(sdl);
    expect(validateSchema(schema)).toEqual([]);
    expect(sdl).not.toMatch(/@inaccessible|@join__|join__|link__|@link|@key|@personalData|_entities|_service|_Any/);
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['me', 'person', 'dataMap', 'exportJob']));
  });

  it('is exactly what the running gateway serves (introspection)', async () => {
    const { getIntrospectionQuery, buildClientSchema, lexicographicSortSchema, printSchema } = await import('graphql');
    const res = await gql<Parameters<typeof buildClientSchema>[0]>(url, getIntrospectionQuery(), {}, bearer(await subjectToken('10000001')));
    expect(res.errors).toBeUndefined();
    // Introspection orders types its own way: compare sorted.
    const served = printSchema(lexicographicSortSchema(buildClientSchema(res.data!)));
    expect(printSchema(lexicographicSortSchema(buildSchema(sdl)))).toBe(served);
  });
});

describe('the typed client example (examples/typed-client)', () => {
  it('is built (type-checked against the generated documents) and runs against the federation', async () => {
    expect(existsSync(join(example, 'dist', 'index.js')), 'npm run build compiles the example').toBe(true);
    const token = await subjectToken('10000001');
    const run = spawnSync(process.execPath, [join(example, 'dist', 'index.js')], { env: { ...process.env, FOOTPRINT_GATEWAY_URL: url, FOOTPRINT_TOKEN: token }, encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // What it prints is what the gateway holds for the person.
    const truth = await gql<{ me: { orders: { orders: { totalCount: number } } } }>(url, '{ me { orders { orders { totalCount } } } }', {}, bearer(token));
    expect(run.stdout).toContain('Person 10000001');
    expect(run.stdout).toContain(`orders read: ${truth.data!.me.orders.orders.totalCount}`);
    expect(run.stdout).toMatch(/^ {2}account: \d+ records in \d+ kinds$/m);
  });

  it('fails with the gateway\'s code and message when the token is refused', () => {
    const run = spawnSync(process.execPath, [join(example, 'dist', 'index.js')], { env: { ...process.env, FOOTPRINT_GATEWAY_URL: url, FOOTPRINT_TOKEN: 'not-a-token' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/UNAUTHENTICATED: The bearer token is invalid/);
  });
});
