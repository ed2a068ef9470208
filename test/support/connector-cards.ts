import type { Delivered } from '../../emulators/bot-connector';

/**
 * How many cards (new messages, POST) each chat got. An update (PUT) replaces a card in place,
 * as when Dynamics answers after the card went: it is not a second card.
 */
export function cardsPerChat(delivered: readonly Delivered[]): Map<string, number> {
  const perChat = new Map<string, number>();
  for (const d of delivered) if (d.method === 'POST') perChat.set(d.conversationId, (perChat.get(d.conversationId) ?? 0) + 1);
  return perChat;
}

/** The new messages (POST) the connector accepted. */
export function cardsSent(delivered: readonly Delivered[]): Delivered[] {
  return delivered.filter((d) => d.method === 'POST');
}

/** What each chat's card for the lead shows now: its last version, sent or updated, as JSON. */
function latestCopies(delivered: readonly Delivered[], leadId: string): Map<string, string> {
  const latest = new Map<string, string>();
  for (const d of delivered) {
    const card = JSON.stringify(d.activity.attachments ?? null);
    if (card.includes(leadId)) latest.set(d.conversationId, card);
  }
  return latest;
}

/** True once every chat's card for the lead links to its Dynamics record (copies sent before Dynamics answered are updated). */
export function allShowRecord(delivered: readonly Delivered[], leadId: string): boolean {
  return [...latestCopies(delivered, leadId).values()].every((card) => card.includes('Open in Dynamics'));
}
