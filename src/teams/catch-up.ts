import type { TableClient } from '@azure/data-tables';
import { pollUntil } from '../timing/clock';
import { CardFactory } from 'botbuilder';
import { isConflict, isNotFound } from '../storage/storage-errors';
import { catchUpCard } from '../cards/catch-up-card';
import { leadCard } from '../cards/lead-card';
import { message } from '../language/messages';
import { readerOf } from '../conversations/reader-of';
import { dynamicsStanding } from '../pipeline/dynamics-standing';
import type { LeadStore, StoredLead } from '../storage/lead-store';
import { addressesOf, type Installation } from '../conversations/installation-store';
import type { Route } from '../routing/route';
import { audienceOf } from '../routing/route-lead';
import { conversationRowKey } from '../conversations/conversation-key';
import { inConversation } from './proactive';
import { deliverLeadCard, type TeamsNotifierDeps } from './teams-notifier';

export interface CatchUpDeps extends TeamsNotifierDeps {
  readonly leads: LeadStore;
  /** LEAD_CONTACTS and ADMINS: whom a lead routed before routing existed, or by no route, went to. */
  readonly settings: { readonly leadContacts: readonly string[]; readonly admins: readonly string[] };
  /** The routes now: a person none of them names (nor LEAD_CONTACTS, nor ADMINS) has nothing to catch up on. */
  readonly routes: () => Promise<readonly Route[]>;
  readonly catchUpHours: number;
  /** Whether this lead was mailed to this contact already (they heard of it). */
  readonly mailed: (leadId: string, contact: string) => Promise<boolean>;
  readonly recordUrl: (recordId: string) => string | undefined;
  /** Where a chat's catch-up is claimed: Teams reports one installation twice (installationUpdate and conversationUpdate), maybe to two instances. */
  readonly state: TableClient;
}

/**
 * A contact got the app late (installed for them, or they opened it): the leads of the last
 * LEAD_CATCH_UP_HOURS routed to them that nobody claimed and that did not reach them (in Teams or
 * by mail) come to their new chat, one card when there is one, else one message listing them (a
 * burst of cards would bury them). Leads still being alerted are the alert's to deliver.
 */
export async function catchUp(chat: Installation, deps: CatchUpDeps): Promise<number> {
  if (chat.kind !== 'personal') return 0;
  const addresses = addressesOf(chat);
  const named = new Set([...deps.settings.leadContacts, ...deps.settings.admins, ...(await deps.routes()).flatMap((r) => r.contacts)]);
  if (!addresses.some((a) => named.has(a)) || !(await claimCatchUp(chat.conversationId, deps))) return 0;
  const since = new Date(deps.now().getTime() - deps.catchUpHours * 3_600_000).toISOString();
  const recent = await settledLeads(since, deps);
  const missed: StoredLead[] = [];
  for (const timeline of recent) {
    const lead = await deps.leads.get(timeline.id);
    if (lead === undefined || lead.claimedBy !== undefined) continue;
    // Only a lead routed to this person: lead data goes to the people it was sent to.
    const contact = addresses.find((a) => audienceOf(lead.routing, deps.settings).contacts.includes(a));
    if (contact === undefined) continue;
    if ((await deps.deliveries.get(lead.id, chat.conversationId))?.status === 'sent') continue;
    if (await deps.mailed(lead.id, contact)) continue;
    missed.push(lead);
  }
  const log = deps.logger.child({ conversationKind: chat.kind });
  const [only] = missed;
  if (missed.length === 1 && only !== undefined) {
    const standing = dynamicsStanding(only, deps.recordUrl);
    await deliverLeadCard(only, chat, (reader) => ({ card: CardFactory.adaptiveCard(leadCard({ lead: only, dynamics: standing }, reader)), shows: standing.state }), deps);
  } else if (missed.length > 1) {
    const sorted = [...missed].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    const reader = readerOf(chat, deps.reader);
    await deps.limiter.send(chat.conversationId, () =>
      inConversation(deps.adapter, deps.botAppId, chat.reference, (context) =>
        context.sendActivity({ attachments: [CardFactory.adaptiveCard(catchUpCard(sorted, reader))], summary: message(reader.language, 'catchUpCard.summary', { count: missed.length }) }),
      ),
    );
  }
  if (missed.length > 0) log.info({ leads: missed.length }, 'caught a new chat up on the leads it missed');
  return missed.length;
}

/** How long the catch-up waits for alerts going out as the chat opens: longer than an alert waits for an install. */
const SETTLE_MS = 20_000;

/**
 * The recent real leads, once the alerts going out as this chat opened have finished: one that
 * gave up waiting for this chat is the catch-up's to deliver, one that found it was delivered.
 */
async function settledLeads(since: string, deps: CatchUpDeps): Promise<{ id: string }[]> {
  const recent = await pollUntil(
    async () => (await deps.leads.timelines(new Date(since))).filter((t) => !t.isTest && t.receivedAt >= since),
    (leads) => leads.every((t) => t.alertedAt !== undefined),
    { everyMs: 500, timeoutMs: SETTLE_MS },
  );
  return recent.filter((t) => t.alertedAt !== undefined);
}

/** True for the one caller that may catch this chat up now (none again within the catch-up window). */
async function claimCatchUp(conversationId: string, deps: CatchUpDeps): Promise<boolean> {
  const key = { partitionKey: 'catch-up', rowKey: conversationRowKey(conversationId) };
  const at = deps.now().toISOString();
  try {
    await deps.state.createEntity({ ...key, at });
    return true;
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  try {
    const row = await deps.state.getEntity<{ at: string }>(key.partitionKey, key.rowKey);
    if (deps.now().getTime() - Date.parse(row.at) < deps.catchUpHours * 3_600_000) return false;
    await deps.state.updateEntity({ ...key, at }, 'Replace', { etag: row.etag });
    return true;
  } catch (error) {
    if (isConflict(error) || isNotFound(error)) return false;
    throw error;
  }
}
