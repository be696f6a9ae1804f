import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeServer, createLogger, createSubgraph, listen, openStore, type PagePrefetch } from '@footprint/kit';
import { createLoaders, prefetch, type MessagingLoaders } from '../src/loaders.js';
import { recordResolvers } from '../src/resolvers/records.js';
import { tables, type MessagingDB } from '../src/store.js';

/**
 * A prefetch that names a type or field the schema does not have would never run (the fields would quietly load
 * one promise per record again): the kit refuses it when the subgraph is built, naming what is wrong.
 */
const dir = mkdtempSync(join(tmpdir(), 'footprint-prefetch-'));
const store = openStore<MessagingDB>({ domain: 'messaging', dataDir: dir, migrations: tables.migrations });
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const build = (p: Readonly<Record<string, readonly PagePrefetch<MessagingLoaders>[]>>) =>
  createSubgraph<MessagingDB, MessagingLoaders>({
    name: 'messaging',
    typeDefs: readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'),
    tables: tables.kinds,
    store,
    resolvers: recordResolvers,
    createLoaders,
    prefetch: p,
    internalSecret: 'x'.repeat(32),
    logger: createLogger('prefetch-test', 'silent'),
  });

describe('page prefetch declarations', () => {
  it("accept the domain's own", async () => {
    const sg = build(prefetch);
    expect(sg.name).toBe('messaging');
    // Built and served like any subgraph, then closed (which stops its engines).
    await listen(sg.http, 0);
    await closeServer(sg.http);
  });

  it('refuse a type that is not a record type of the subgraph', () => {
    expect(() => build({ MessagingLetter: prefetch.MessagingMessage ?? [] })).toThrow('messaging: prefetch names MessagingLetter, which is not a record type of this subgraph');
  });

  it('refuse a field the type does not have', () => {
    const wrong = (prefetch.MessagingMessage ?? []).map((p) => ({ ...p, fields: ['sender', 'senders'] }));
    expect(() => build({ MessagingMessage: wrong })).toThrow('messaging: prefetch for MessagingMessage names field senders, which MessagingMessage does not have');
  });
});
