import { CamelCasePlugin } from 'kysely';

/** Kysely's own name mapping (the CamelCasePlugin every store uses), for SQL the kit writes without Kysely. */
class Names extends CamelCasePlugin {
  toSnake(s: string): string {
    return this.snakeCase(s);
  }
  toCamel(s: string): string {
    return this.camelCase(s);
  }
}

/** snake_case and camelCase names exactly as the stores' Kysely maps them (galleryItem ↔ gallery_item). */
export const sqlNames = new Names();
