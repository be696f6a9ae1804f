import { buildSchema, graphql, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LocalSource } from '../src/local.js';

// A plain schema (one graphql realm in the test; the gateway's is a subgraph schema of the same kind of object).
const schema = buildSchema('type Query { hello(name: String!): String! fail: String }');
const fields = (schema.getQueryType() as GraphQLObjectType).getFields();
fields.hello!.resolve = (_: unknown, a: { name: string }) => `hello ${a.name}`;
fields.fail!.resolve = () => {
  throw new Error('no');
};
// biome-ignore lint/suspicious/noExplicitAny: the data source's request/context types are Apollo's; the test passes the parts it reads
const call = (source: LocalSource, query: string, variables?: Record<string, unknown>) => source.process({ request: { query, variables }, context: {} } as any);

describe("the gateway's in-process subgraph as a data source", () => {
  it('answers as graphql() would — data, resolver errors, syntax and validation errors — the second time from the remembered parse', async () => {
    const source = new LocalSource(schema);
    for (const [query, variables] of [
      ['query($n: String!) { hello(name: $n) }', { n: 'a' }],
      ['query($n: String!) { hello(name: $n) }', { n: 'b' }],
      ['{ fail }', undefined],
      ['{ hello(', undefined],
      ['{ nope }', undefined],
      ['{ nope }', undefined],
      ['query($n: String!) { hello(name: $n) }', {}],
    ] as const) {
      const expected = JSON.parse(JSON.stringify(await graphql({ schema, source: query, variableValues: variables, contextValue: {} })));
      expect(JSON.parse(JSON.stringify(await call(source, query, variables))), query).toEqual(expected);
    }
  });
});
