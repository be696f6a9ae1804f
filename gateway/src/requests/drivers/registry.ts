import type { RequestType } from '../model.js';
import type { RequestDriver } from './driver.js';

/** The drivers by request type; registering a second driver for a type replaces the first (a feature that lands later). */
export class DriverRegistry {
  private readonly byType = new Map<RequestType, RequestDriver>();

  register(driver: RequestDriver): this {
    for (const t of driver.types) this.byType.set(t, driver);
    return this;
  }

  for(type: RequestType): RequestDriver {
    const d = this.byType.get(type);
    if (!d) throw new Error(`No driver for privacy requests of type ${type}`);
    return d;
  }

  all(): RequestDriver[] {
    return [...new Set(this.byType.values())];
  }
}
