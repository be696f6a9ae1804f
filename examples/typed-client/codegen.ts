import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator's client preset over the committed public API schema:
 * every `graphql(...)` document in src/ becomes a typed document (its result
 * and variables types), checked against the API when it is generated.
 */
const config: CodegenConfig = {
  schema: '../../gateway/api/schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  // ESM (NodeNext): the generated files import each other with .js extensions.
  emitLegacyCommonJSImports: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents as strings with their types: no GraphQL library is needed at run time.
        documentMode: 'string',
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
