import { beforeAll, describe, expect, inject, it } from 'vitest';
import { documentNesting } from '@footprint/kit/nesting.js';
import { bearer, subjectToken } from './support/client.js';

/**
 * A document nested thousands of levels deep made graphql-js's recursive
 * parser overflow the stack: GRAPHQL_PARSE_FAILED "Maximum call stack size
 * exceeded", once an HTTP 500. The kit's HTTP front now measures the nesting
 * in one linear pass before anything parses, so it is LIMIT_EXCEEDED, over
 * POST and GET, wherever the brackets are (selections, lists, objects).
 * Against the real gateway over HTTP.
 */

const SHAPES = {
  'selection set': (d: number) => `{ me ${'{ id '.repeat(d)}${'}'.repeat(d)} }`,
  'list value': (d: number) => `{ person(id: ${'['.repeat(d)}"1"${']'.repeat(d)}) { id } }`,
  'object value': (d: number) => `{ requestExport(input: ${'{ a: '.repeat(d)}1${' }'.repeat(d)}) { id } }`,
};

const url = inject('gatewayUrl');
let headers: Record<string, string>;
beforeAll(async () => {
  headers = bearer(await subjectToken('10000001'));
});

async function post(query: string, accept = 'application/json') {
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', accept }, body: JSON.stringify({ query }) });
  return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
}
async function get(query: string) {
  const get = new URL(url);
  get.searchParams.set('query', query);
  // A GET carries its document in the URL, under the 16 KB header limit: 2,000 levels of `[` fit, 4,450 do not.
  const res = await fetch(get, { headers: { ...headers, accept: 'application/graphql-response+json', 'apollo-require-preflight': 'true' } });
  return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
}

describe('document nesting', () => {
  it('is measured outside strings, block strings and comments', () => {
    expect(documentNesting('{ a(x: [{ b: 1 }]) { c } }')).toBe(4);
    expect(documentNesting('{ a(x: "{{{[[[(((") }')).toBe(2);
    expect(documentNesting('{ a(x: "\\"{{{") }')).toBe(2);
    expect(documentNesting('{ a(x: """ {{{ \\""" ((( """) }')).toBe(2);
    expect(documentNesting('# {{{{{\n{ a }')).toBe(1);
    expect(documentNesting('{'.repeat(100_000), 128)).toBe(129);
  });

  for (const [shape, build] of Object.entries(SHAPES)) {
    it(`within the limit, a ${shape} 100 deep is not refused for nesting`, async () => {
      const res = await post(build(100));
      expect(res.status).not.toBe(500);
      for (const e of res.body.errors ?? []) expect(e.message).not.toMatch(/nesting limit|call stack/i);
    });
    for (const depth of [2_000, 4_450, 100_000]) {
      it(`a ${shape} ${depth} deep is LIMIT_EXCEEDED over POST`, async () => {
        const json = await post(build(depth));
        expect(json.status).toBe(200);
        expect(json.body.errors).toHaveLength(1);
        expect(json.body.errors![0]!.extensions?.code).toBe('LIMIT_EXCEEDED');
        expect(json.body.errors![0]!.message).toMatch(/^Nesting limit of 128 exceeded: the document nests \{, \( or \[ more than 128 levels deep/);
        const graphqlResponse = await post(build(depth), 'application/graphql-response+json');
        expect(graphqlResponse.status).toBe(400);
        expect(graphqlResponse.body.errors![0]!.extensions?.code).toBe('LIMIT_EXCEEDED');
      });
    }
  }

  it('a list value 2,000 deep is LIMIT_EXCEEDED over GET', async () => {
    const res = await get(SHAPES['list value'](2_000));
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions?.code).toBe('LIMIT_EXCEEDED');
    expect(res.body.errors![0]!.message).toMatch(/Nesting limit of 128 exceeded/);
  });

  it('a deeper GET is over the header limit first (431, never a 500)', async () => {
    for (const shape of Object.values(SHAPES)) {
      const res = await get(shape(4_450));
      expect(res.status).toBe(431);
      expect(res.body.errors![0]!.extensions?.code).toBe('HEADERS_TOO_LARGE');
    }
  });
});
