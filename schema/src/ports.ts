/**
 * The ports the WHATWG Fetch standard blocks ("bad ports"): Node's fetch — used
 * by the gateway to call subgraphs, by the export worker to read through the
 * gateway, and by most clients — refuses them with only "fetch failed". A
 * service configured on one of them would start and then be unreachable.
 * https://fetch.spec.whatwg.org/#port-blocking
 */
export const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
  119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636,
  989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** Why a port cannot be used, or null when it can (0 asks the system for a free one). */
export function portProblem(port: number): string | null {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `${port} is not a TCP port (0–65535)`;
  if (FETCH_BLOCKED_PORTS.has(port)) return `port ${port} is blocked by fetch (a "bad port" of the Fetch standard): clients and the gateway could not reach it; choose another`;
  return null;
}
