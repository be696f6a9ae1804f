import { readKindMeta, type KindMeta } from '@footprint/schema';
import { subgraphDocument } from '@footprint/kit';
import { gatewayTypeDefs } from '../compose.js';

let kind: KindMeta | null = null;

/** gateway.privacy_request as the gateway's schema declares it (read once): its meta, and its hold after erasure. */
export function privacyRequestKind(): KindMeta {
  kind ??= readKindMeta(subgraphDocument(gatewayTypeDefs())).find((k) => k.typename === 'PrivacyRequest') ?? null;
  if (!kind) throw new Error('The gateway schema declares no PrivacyRequest kind');
  return kind;
}

/** How long a person's requests are held after their account's first erasure (retainFor, an ISO 8601 duration). */
export function privacyRequestHold(): string {
  const { retainFor } = privacyRequestKind();
  if (!retainFor) throw new Error('gateway.privacy_request declares no retainFor: its hold after erasure would have no end');
  return retainFor;
}
