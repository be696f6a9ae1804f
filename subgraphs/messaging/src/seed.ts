import { insertChunked, personProfile, recordBase, TRICKY_TEXT, type Rng, type SeedRow, type SeedTarget } from '@footprint/kit';
import { maskPhone, type MessagingDB, type MessagingStore, type RoutingIdentifierRow } from './store.js';

const END = '2026-10-31T00:00:00Z';
const PREFIXES = ['+99450', '+99451', '+99455', '+99470', '+99477', '+99410'];
const GROUP_TITLES = ['Ailə 👨‍👩‍👧', 'İş qrupu, 2024', 'Şəki səfəri — "avqust"', 'Uşaqların məktəbi', 'Futbol, çərşənbə axşamı', 'Qonşular (Nizami küç.)'];
const BODIES = [
  'Salam! Necəsən?',
  'Sabah görüşürük, saat 10:00-da.',
  'Çox sağ ol, aldım 🙏',
  'Zəng edə bilərsən? Təcili deyil.',
  'Şəkilləri göndərdim, bax görək.',
  'Yolda tıxac var, 15 dəqiqə gecikirəm.',
  'Ad günün mübarək! 🎉',
  'Bu gün işdən gec çıxacağam.',
  'Ünvanı bir də yaz, zəhmət olmasa.',
  ...TRICKY_TEXT,
];

const plusSeconds = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString();
const uuid = (rng: Rng) => {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};
const miMessageId = (rng: Rng) => `MIM-${rng.hex(16).toUpperCase()}`;

interface SeedConversation {
  conversationId: string;
  type: 'DIRECT' | 'GROUP';
  title: string | null;
  members: string[];
  createdAt: string;
  ownNumber: string;
  messages: number;
}

/**
 * Deterministic messaging data for each target: own phone numbers and Mi
 * Message IDs, correspondents (the neighbouring targets among them, so that
 * one person's own number is another's correspondent), direct and group
 * conversations, and 8 × scale messages with their routing parties.
 */
export async function seed(store: MessagingStore, targets: SeedTarget[]): Promise<void> {
  const db = store.db;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const { profile: p, rng } = t;
    // Neighbouring targets write to each other: A's own number is B's correspondent and back.
    const neighbours = targets.length > 1 ? [...new Set([targets[(i + 1) % targets.length]!, targets[(i + targets.length - 1) % targets.length]!])].filter((n) => n !== t) : [];

    // Own routing identifiers: the current number, perhaps an old one, a Mi Message ID per device.
    const identifiers: Omit<RoutingIdentifierRow, 'id'>[] = [];
    let oldNumber: { value: string; until: string } | null = null;
    let currentSince = rng.date('2019-01-01T00:00:00Z', '2019-06-01T00:00:00Z');
    if (rng.bool(0.5)) {
      const registeredAt = currentSince;
      const until = rng.date('2021-01-01T00:00:00Z', '2021-12-31T00:00:00Z');
      let value = `${rng.pick(PREFIXES)}${rng.digits(7)}`;
      while (value === p.phone) value = `${rng.pick(PREFIXES)}${rng.digits(7)}`;
      oldNumber = { value, until };
      identifiers.push({ ...recordBase(t, registeredAt), type: 'PHONE_NUMBER', value, registeredAt, verifiedAt: plusSeconds(registeredAt, rng.int(20, 300)), deactivatedAt: until });
      currentSince = until;
    }
    identifiers.push({ ...recordBase(t, currentSince), type: 'PHONE_NUMBER', value: p.phone, registeredAt: currentSince, verifiedAt: plusSeconds(currentSince, rng.int(20, 300)), deactivatedAt: null });
    const devices = rng.int(1, 2);
    for (let d = 0; d < devices; d++) {
      const registeredAt = d === 0 ? currentSince : rng.date(currentSince, END);
      identifiers.push({ ...recordBase(t, registeredAt), type: 'MI_MESSAGE_ID', value: miMessageId(rng), registeredAt, verifiedAt: null, deactivatedAt: null });
    }
    const ownNumbers = new Set([p.phone, ...(oldNumber ? [oldNumber.value] : [])]);
    const ownNumberAt = (at: string) => (oldNumber && at < oldNumber.until ? oldNumber.value : p.phone);

    // Correspondents: full numbers, names and Mi Message IDs are theirs, kept for routing only.
    const correspondents: { phoneNumber: string; phoneMasked: string; displayName: string | null; miMessageId: string | null; firstSeenAt: string }[] = [];
    const numbers = new Set<string>();
    const masks = new Set<string>();
    const addCorrespondent = (phoneNumber: string, displayName: string) => {
      const phoneMasked = maskPhone(phoneNumber);
      if (ownNumbers.has(phoneNumber) || numbers.has(phoneNumber) || masks.has(phoneMasked)) return false;
      numbers.add(phoneNumber);
      masks.add(phoneMasked);
      correspondents.push({ phoneNumber, phoneMasked, displayName, miMessageId: rng.bool(0.7) ? miMessageId(rng) : null, firstSeenAt: rng.date(currentSince, END) });
      return true;
    };
    for (const n of neighbours) addCorrespondent(n.profile.phone, n.profile.fullName);
    const poolSize = 4 + Math.floor(t.scale / 10);
    while (correspondents.length < poolSize) {
      addCorrespondent(`${rng.pick(PREFIXES)}${rng.digits(7)}`, personProfile(String(rng.int(20000000, 29999999))).fullName);
    }

    // Conversations: the first is direct (with a neighbour when there is one), the second a group.
    const conversations: SeedConversation[] = [];
    const conversationCount = 2 + Math.floor(t.scale / 20);
    for (let c = 0; c < conversationCount; c++) {
      const type = c === 0 ? 'DIRECT' : c === 1 ? 'GROUP' : rng.bool(0.7) ? 'DIRECT' : 'GROUP';
      const members: string[] = [];
      const size = type === 'DIRECT' ? 1 : rng.int(2, Math.min(5, correspondents.length));
      while (members.length < size) {
        const m = c === 0 ? correspondents[0]!.phoneNumber : rng.pick(correspondents).phoneNumber;
        if (!members.includes(m)) members.push(m);
      }
      const createdAt = rng.date('2019-06-01T00:00:00Z', '2026-06-01T00:00:00Z');
      conversations.push({
        conversationId: `cv-${rng.hex(24)}`,
        type,
        title: type === 'GROUP' ? rng.pick(GROUP_TITLES) : null,
        members,
        createdAt,
        ownNumber: ownNumberAt(createdAt),
        messages: 1,
      });
    }
    const messageCount = 8 * t.scale;
    for (let m = conversations.length; m < messageCount; m++) rng.pick(conversations).messages += 1;

    // Messages with their routing parties, written in the order they were sent.
    const messages: SeedRow<MessagingDB['message']>[] = [];
    const parties: { messageId: string; phoneNumber: string; role: string }[] = [];
    const lastMessageAt = new Map<string, string>();
    let n = 0;
    for (const conv of conversations) {
      for (let k = 0; k < conv.messages; k++, n++) {
        const direction = n === 0 ? 'SENT' : n === 1 ? 'RECEIVED' : rng.bool(0.5) ? 'SENT' : 'RECEIVED';
        const sentAt = rng.date(conv.createdAt, END);
        const messageId = uuid(rng);
        let state: string;
        if (direction === 'SENT') {
          const r = rng.float();
          state = r < 0.6 ? 'READ' : r < 0.85 ? 'DELIVERED' : r < 0.93 ? 'SENT' : r < 0.97 ? 'FAILED' : 'PENDING';
        } else state = rng.bool(0.9) ? 'READ' : 'DELIVERED';
        const deliveredAt = state === 'READ' || state === 'DELIVERED' ? plusSeconds(sentAt, rng.int(1, 90)) : null;
        const readAt = state === 'READ' ? plusSeconds(deliveredAt!, rng.int(5, 7200)) : null;
        messages.push({
          ...recordBase(t, sentAt, direction === 'RECEIVED' ? 'THIRD_PARTY' : null),
          conversationId: conv.conversationId,
          messageId,
          direction,
          body: rng.pick(BODIES),
          sentAt,
          state,
          deliveredAt,
          readAt,
          ownNumber: conv.ownNumber,
        });
        if (direction === 'SENT') {
          for (const m of conv.members) parties.push({ messageId, phoneNumber: m, role: 'RECIPIENT' });
        } else {
          const from = rng.pick(conv.members);
          parties.push({ messageId, phoneNumber: from, role: 'SENDER' });
          for (const m of conv.members) if (m !== from) parties.push({ messageId, phoneNumber: m, role: 'RECIPIENT' });
        }
        if ((lastMessageAt.get(conv.conversationId) ?? '') < sentAt) lastMessageAt.set(conv.conversationId, sentAt);
      }
    }
    messages.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));

    await db.transaction().execute(async (trx) => {
      await insertChunked(trx, 'routingIdentifier', identifiers);
      await insertChunked(trx, 'correspondent', correspondents.map((c) => ({ personId: p.id, ...c })));
      const ids = new Map(
        (await trx.selectFrom('correspondent').select(['id', 'phoneNumber']).where('personId', '=', p.id).execute()).map((r) => [
          r.phoneNumber,
          r.id,
        ]),
      );
      await insertChunked(
        trx,
        'conversation',
        conversations.map((c) => ({
          ...recordBase(t, c.createdAt),
          conversationId: c.conversationId,
          type: c.type,
          title: c.title,
          participantCount: c.members.length + 1,
          createdAt: c.createdAt,
          lastMessageAt: lastMessageAt.get(c.conversationId) ?? null,
          ownNumber: c.ownNumber,
        })),
      );
      await insertChunked(
        trx,
        'conversationMember',
        conversations.flatMap((c) => c.members.map((m) => ({ personId: p.id, conversationId: c.conversationId, correspondentId: ids.get(m)!, joinedAt: c.createdAt }))),
      );
      await insertChunked(trx, 'message', messages);
      await insertChunked(
        trx,
        'messageParty',
        parties.map((x) => ({ personId: p.id, messageId: x.messageId, correspondentId: ids.get(x.phoneNumber)!, role: x.role })),
      );
    });
  }
}
