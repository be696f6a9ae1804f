/**
 * The data inventory of the privacy policy (shared/policy/DATA-INVENTORY.md),
 * in typed form so the project stands alone. Each item is one bullet of the
 * inventory; `kinds` are the record kinds (the `kind` of @personalData) that
 * cover it. The coverage gate checks that every kind here is served by some
 * subgraph, and tests check that a footprint returns every one.
 */
export interface InventoryItem {
  /** Stable id of the inventory bullet, `<domain>.<slug>`. */
  id: string;
  domain: string;
  /** The bullet's heading as the inventory words it. */
  title: string;
  /** Policy sections the bullet cites. */
  policy: string;
  kinds: string[];
  /**
   * Headings of further DATA-INVENTORY.md bullets this item answers for, when
   * a bullet states a rule about the item's data rather than new data.
   */
  alsoCovers?: string[];
}

const item = (domain: string, slug: string, title: string, policy: string, kinds: string[], alsoCovers?: string[]): InventoryItem => ({
  id: `${domain}.${slug}`,
  domain,
  title,
  policy,
  kinds: kinds.map((k) => `${domain}.${k}`),
  ...(alsoCovers ? { alsoCovers } : {}),
});

export const INVENTORY: readonly InventoryItem[] = [
  item('account', 'profile', 'Profile: account ID, name, nickname, gender, profile photo, e-mail, phone', '§2, §3.1.1', ['profile']),
  item('account', 'security', 'Security: two-step verification enrolment, security info', '§3.1.1, §6.1', ['security']),
  item('account', 'sign-in', 'Sign-in and log data: registration time, login times, IPs, cookies/identifiers', '§3.1.2', ['sign_in']),
  item('account', 'linked-accounts', 'Linked social accounts: external account ID, nickname, photo, e-mail', '§3.1.3', ['linked_account']),
  item('account', 'ecv', 'Environment characteristic value (ECV)', '§3.1.2, §3.2', ['ecv']),
  item('account', 'consents', 'Consents given and withdrawn; notification preferences', '§8, §9', ['consent', 'notification_preference']),
  item('account', 'data-region', 'Data region: where the data lives', '§11', ['data_region']),

  item('orders', 'orders', 'Orders: order number, items, amounts, status, invoice details', '§3.1.1, §3.2', ['order']),
  item('orders', 'delivery', 'Delivery: recipient, address, phone, postal code, tracking e-mail, carrier and tracking number', '§3.2, §4', ['delivery', 'delivery_address']),
  item('orders', 'payment', 'Payment: bank account number, account holder, card number (masked)', '§3.1.1', ['payment_method']),
  item('orders', 'support', 'After-sales and support tickets', '§3.2', ['support_ticket']),
  item('orders', 'gift-addresses', 'Addresses given by another buyer who sent you a gift', '§3.1.3', ['gift_address']),

  item('cloud', 'synced-content', 'Synced content: contacts, notes, gallery items with location tags, other synced material', '§3.1.1, §3.2', ['contact', 'note', 'gallery_item', 'synced_file']),
  item('cloud', 'find-device', 'Find Device: location history, remote lock and wipe commands', '§3.2', ['location', 'device_command']),
  item('cloud', 'devices', 'Devices linked to the account: IMEI/OAID, serial number, model, Android ID, activation time', '§3.1.2', ['device']),

  item('community', 'profile', 'Profile in the community: badges, ratings, nickname', '§3.1.2', ['profile']),
  item('community', 'posts', 'Posts and comments; private messages', '§3.1.2', ['post', 'comment', 'private_message']),
  item('community', 'browsing', 'Browsing history and login info', '§3.1.2', ['browsing', 'login']),
  item('community', 'promotions', 'Promotions and lotteries entered, prizes and the shipping details given for them', '§3.1.1, §3.2', ['promotion_entry']),

  item('messaging', 'conversations', 'Conversations and chat history', '§3.2', ['conversation', 'message']),
  item('messaging', 'routing', 'Identifiers used for routing: phone numbers and message IDs', '§3.2', ['routing_identifier'], [
    // Correspondents' numbers are held only as masked routing identifiers.
    "A correspondent's number is their data too",
  ]),

  item('themes', 'interactions', 'Downloads, purchases, likes, comments, favourites, shares, search queries', '§3.1.2', ['download', 'purchase', 'interaction', 'search_query']),
  item('themes', 'recommendation', 'Recommendation profile built from download and search history', '§3.2', ['recommendation_profile']),
  item('themes', 'carousel', 'Wallpaper Carousel: subscriptions, frequency, views, view mode and duration, article clicks and impressions', '§3.1.2', ['carousel_subscription', 'carousel_event']),

  item('push', 'registrations', 'Registrations: account ID, GAID, FCM token, Android ID, Space ID, app package and version, device model and brand', '§3.2', ['registration']),
  item('push', 'history', 'Notification history (system, service and marketing notices)', '§3.2', ['notification']),
  item('push', 'choices', 'Marketing opt-in/opt-out and per-app notification choices', '§3.2, §8', ['marketing_choice', 'app_notification_setting']),
  item('push', 'advertising', 'Advertising: advertising ID, ad segments, and the objection to profiling', '§3.2, §3.1.3', ['advertising_id', 'ad_segment', 'profiling_objection']),

  item('music', 'playback', 'Playback history: track, when, how long, on which device', '§3.1.2', ['playback']),
  item('music', 'search', 'Search queries in the music service', '§3.1.2', ['search_query']),
];

/** All inventory kinds, optionally of one domain. */
export function inventoryKinds(domain?: string): string[] {
  return INVENTORY.filter((i) => !domain || i.domain === domain).flatMap((i) => i.kinds);
}
