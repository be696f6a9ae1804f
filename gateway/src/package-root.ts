import { fileURLToPath } from 'node:url';

/**
 * The gateway package's own folder (dist/.. once built): its SDL (schema/), the privacy centre's static files
 * (privacy/), the composed supergraph and the API schema it writes. Read from the package, not the repository,
 * so an installed gateway finds them too.
 */
export const GATEWAY_ROOT = fileURLToPath(new URL('..', import.meta.url));
