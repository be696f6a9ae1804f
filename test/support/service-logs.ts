import { beforeEach } from 'vitest';
import { keepServiceLogs, serviceLogs } from '@footprint/scripts/federation';

/**
 * Setup file of the cross-service project: services a test file starts quietly (launchFederation's stdio
 * 'ignore') keep the end of what they print, and a test that fails prints it after its error — a test that
 * failed once under load should say what its services saw, not leave it discarded. A federation that does
 * not start says it in launchFederation's error.
 */
const KEEP_BYTES = 32 * 1024;
keepServiceLogs(KEEP_BYTES);
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    const logs = serviceLogs();
    if (logs) console.error(`What this file's services printed (the last ${KEEP_BYTES / 1024} KiB each):\n${logs}`);
  });
});
