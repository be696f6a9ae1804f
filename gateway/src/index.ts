import { listen } from '@footprint/kit';
import { loadGatewayConfig } from './config.js';
import { createGateway } from './server.js';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

try {
  const config = loadGatewayConfig();
  const gw = await createGateway({ config });
  const port = await listen(gw.http, config.port, config.host);
  // The address this process reaches itself at (its export workers read through it): the interface it listens on.
  const self = config.host === '0.0.0.0' || config.host === '::' || config.host === '' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  await gw.started(`http://${self}:${port}/graphql`);
  gw.logger.info(`gateway listening on http://${config.host}:${port}/graphql`);
  const stop = () => void gw.stop().finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
