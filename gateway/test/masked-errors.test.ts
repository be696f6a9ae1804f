import { Writable } from 'node:stream';
import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../src/context.js';
import { formatError } from '../src/plugins/errors.js';
import { requestLogPlugin } from '../src/plugins/logging.js';

/**
 * An error without a known code reaches the client as "Internal server error" and nothing more: its cause must
 * then be in the log, or nobody could find it. Errors with a code the client may see are not logged as faults.
 */
describe('masked errors', () => {
  it('logs the cause of an error the client sees only as INTERNAL_SERVER_ERROR', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const server = new ApolloServer<GatewayContext>({
      typeDefs: 'type Query { broken: String, refused: String }',
      resolvers: {
        Query: {
          broken: () => {
            throw new Error('SQLITE_BUSY: database is locked');
          },
          refused: () => {
            throw new GraphQLError('Already erased', { extensions: { code: 'CONFLICT' } });
          },
        },
      },
      formatError,
      plugins: [requestLogPlugin()],
    });
    await server.start();
    try {
      const contextValue: GatewayContext = { requestId: 'r-1', principal: { kind: 'subject', sub: '1' }, person: '1', log: pino({ level: 'info' }, sink), exchange: {} };
      const res = await server.executeOperation({ query: '{ broken refused }' }, { contextValue });
      if (res.body.kind !== 'single') throw new Error('expected a single result');
      const errors = res.body.singleResult.errors ?? [];
      expect(errors.map((e) => [e.message, e.extensions?.code])).toEqual([
        ['Internal server error', 'INTERNAL_SERVER_ERROR'],
        ['Already erased', 'CONFLICT'],
      ]);
      const faults = lines.filter((l) => l.level === 50);
      expect(faults).toHaveLength(1);
      expect(faults[0]).toMatchObject({ msg: 'unexpected error, masked for the client', path: ['broken'], err: { message: 'SQLITE_BUSY: database is locked' } });
      expect(String((faults[0]!.err as { stack?: string }).stack)).toContain('masked-errors.test.ts');
    } finally {
      await server.stop();
    }
  });
});
