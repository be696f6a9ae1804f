import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * The file a service package runs as, found by package name through its `exports` ("./main"), not by a path
 * into another package's build: `serviceEntry('@footprint/gateway')`, or a subgraph's `@footprint/subgraph-<name>`.
 */
export function serviceEntry(pkg: string): string {
  return require.resolve(`${pkg}/main`);
}
