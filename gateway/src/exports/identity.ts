import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who runs a job, as written in its row: `<name>/<incarnation>`. The name
 * survives restarts, so a restarted worker recognises the jobs its previous
 * incarnation left RUNNING and takes them back at once; the incarnation is
 * this process's own, so every write stays conditional on the live owner.
 */
export interface WorkerIdentity {
  name: string;
  /** The value of the job row's `worker` column while this process owns it. */
  id: string;
}

export function workerIdentity(name: string): WorkerIdentity {
  return { name, id: `${name}/${process.pid}-${randomUUID().slice(0, 8)}` };
}

/**
 * An embedded gateway's worker name: FOOTPRINT_WORKER_ID when set, else
 * `gateway:<host>:<port>`. Two live processes cannot listen on one port of
 * one host, so no two live gateways share the default name — the listening
 * socket is the proof; a configured name must be unique among live gateways.
 */
export function embeddedWorkerName(configured: string | undefined, gatewayUrl: string): string {
  if (configured) return configured;
  const url = new URL(gatewayUrl);
  return `gateway:${hostname()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}
