import { readFileSync } from 'node:fs';
import { TAXONOMY } from './taxonomy.js';

/** The @link URL of Footprint's own directives; composition keeps @personalData through it. */
export const PERSONAL_DATA_SPEC = 'https://footprint.dev/personal-data/v1.0';
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.7';

/** One of the contract's SDL files (schema/graphql/), shipped with this package. */
function sdl(file: string): string {
  return readFileSync(new URL(`../graphql/${file}`, import.meta.url), 'utf8');
}

/** The taxonomy enums, generated from taxonomy.ts so the SDL cannot drift from it. */
export const taxonomyTypeDefs = Object.entries(TAXONOMY)
  .map(([name, t]) => `enum ${name} {\n${t.values.map((v) => `  "${t.describe[v as keyof typeof t.describe]}"\n  ${v}`).join('\n')}\n}`)
  .join('\n\n');

/**
 * The SDL every subgraph is built with, in front of its own schema.graphql:
 * directive.graphql (federation links, @personalData), the taxonomy enums,
 * personal-data.graphql (PersonalData, RecordMeta, Person),
 * and the corrections and rights shapes every domain answers with.
 */
export const contractTypeDefs = [sdl('directive.graphql'), taxonomyTypeDefs, sdl('personal-data.graphql'), sdl('corrections.graphql'), sdl('rights.graphql')].join('\n');
