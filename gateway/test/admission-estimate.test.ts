import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateRecords } from '../src/admission/estimate.js';

/** The records an operation may assemble, as admission counts them before anything runs. */

const schema = buildSchema(`
  type Query { me: Person, person(id: ID!): Person }
  type Person { id: ID!, music: MusicData }
  type MusicData { playbacks(first: Int, after: String): PlaybackConnection!, tracks(first: Int = 7): PlaybackConnection! }
  type PlaybackConnection { totalCount: Int!, nodes: [Playback!]! }
  type Playback { id: ID!, plays(first: Int): PlaybackConnection! }
`);

const estimate = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  return estimateRecords(schema, document, operation, variables);
};

describe('estimateRecords', () => {
  it('counts each connection by its first, from a literal, a variable, the schema default or the domains default page', () => {
    expect(estimate('{ me { music { playbacks(first: 20) { totalCount } } } }')).toBe(20);
    expect(estimate('query($n: Int) { me { music { playbacks(first: $n) { totalCount } } } }', { n: 300 })).toBe(300);
    // A variable not given, and a connection without first: the domains' default page (100); the schema's default wins.
    expect(estimate('query($n: Int) { me { music { playbacks(first: $n) { totalCount } } } }', {})).toBe(100);
    expect(estimate('{ me { music { playbacks { totalCount } } } }')).toBe(100);
    expect(estimate('{ me { music { tracks { totalCount } } } }')).toBe(7);
  });

  it('caps first at the largest page, adds aliases and multiplies nested connections', () => {
    expect(estimate('{ me { music { playbacks(first: 100000) { totalCount } } } }')).toBe(5000);
    expect(estimate('{ me { music { a: playbacks(first: 10) { totalCount } b: playbacks(first: 30) { totalCount } } } }')).toBe(40);
    // 10 playbacks, each with 20 plays: 10 + 200.
    expect(estimate('{ me { music { playbacks(first: 10) { nodes { plays(first: 20) { totalCount } } } } } }')).toBe(210);
  });

  it('follows fragments, and counts at least one record for a request that asks none', () => {
    expect(estimate('{ me { music { ...M } } } fragment M on MusicData { playbacks(first: 12) { totalCount } }')).toBe(12);
    expect(estimate('{ me { music { ... on MusicData { playbacks(first: 13) { totalCount } } } } }')).toBe(13);
    expect(estimate('{ me { id } }')).toBe(1);
  });
});
