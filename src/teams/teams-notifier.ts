import { setTimeout as sleep } from 'node:timers/promises';
import { CardFactory, type CloudAdapter } from 'botbuilder';
import { leadCard, type DynamicsStanding } from '../cards/lead-card';
import type { Logger } from '../logging/create-logger';
import type { LeadNotifier, Reach } from '../pipeline/lead-notifier';
import type { StoredLead } from '../storage/lead-store';
import { backoffDelay } from '../timing/backoff';
import { inConversation } from './proactive';
import type { DeliveryStore } from './delivery-store';
import type { Installation, InstallationStore } from './installation-store';
import { resolveRecipients } from './resolve-recipients';
import type { SendLimiter } from './send-limiter';
import type { AdminMessenger } from './send-to-admins';
import type { Telemetry } from '../telemetry/telemetry';
import { updateCardCopies } from './update-card-copies';

export interface TeamsNotifierDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  readonly installations: InstallationStore;
  readonly deliveries: DeliveryStore;
  /** LEAD_CONTACTS: e-mail addresses, lower-cased. */
  readonly contacts: readonly string[];
  readonly limiter: SendLimiter;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Application Insights, when it is set. */
  readonly telemetry?: Telemetry | undefined;
  /** Told when Partner Center's test lead (its Validate button) arrives. */
  readonly admins?: AdminMessenger;
}

/** Teams answers that mean "this conversation is gone for the bot": stop sending there. */
const GONE = new Set([403, 404]);
const TRANSIENT = new Set([412, 429, 502, 503, 504]);
const ATTEMPTS = 4;

type Outcome = 'sent' | 'already-sent' | 'retired' | 'failed' | 'retry-later';

/** Raised when some recipients could not be served yet; the pipeline tries the lead again later. */
export class DeliveryIncomplete extends Error {
  constructor(
    message: string,
    /** Who could not be reached at all meanwhile: mail need not wait for the retry. */
    readonly reach: Reach,
  ) {
    super(message);
  }
}

/**
 * Posts the lead card to every recipient (see resolveRecipients: the contact list's personal
 * chats and whoever subscribed). Each (lead, conversation) is recorded, so a retry serves only
 * those not served yet; one failing recipient never stops the others. Test leads never reach
 * the sales team.
 */
export function teamsNotifier(deps: TeamsNotifierDeps): LeadNotifier {
  return {
    async notify(lead, dynamics) {
      const log = deps.logger.child({ leadId: lead.id });
      if (lead.isTest) {
        log.info('test lead: not shown to the sales team');
        await tellAdminsTestLeadArrived(lead, dynamics, deps);
        return { unreached: [] };
      }
      const { targets, unreachable } = resolveRecipients(await deps.installations.list(), deps.contacts);
      const notInstalled = unreachable.filter((u) => u.reason === 'not-installed').length;
      if (notInstalled > 0) log.warn({ unreachable: notInstalled }, 'some contacts have no chat with the bot in Teams: no card for them there');
      const served = new Set((await deps.deliveries.forLead(lead.id)).filter((d) => d.status === 'sent').map((d) => d.conversationId));
      const card = CardFactory.adaptiveCard(leadCard({ lead, dynamics, claimedBy: lead.claimedBy }));
      const outcomes = await Promise.all(
        targets.map((target) => (served.has(target.conversationId) ? Promise.resolve<Outcome>('already-sent') : deliver(lead, target, card, deps))),
      );
      for (const outcome of outcomes) deps.telemetry?.delivered(outcome);
      const count = (o: Outcome): number => outcomes.filter((x) => x === o).length;
      log.info({ sent: count('sent'), alreadySent: count('already-sent'), retired: count('retired'), failed: count('failed'), waiting: count('retry-later') }, 'lead card delivered');
      // Contacts with no chat with the bot, and those whose chat turned out gone: mail may reach them.
      const retired = new Set(targets.filter((_, i) => outcomes[i] === 'retired').flatMap((t) => [t.email, t.userPrincipalName]));
      const unreached = deps.contacts.filter((contact) => unreachable.some((u) => u.contact === contact && u.reason === 'not-installed') || retired.has(contact));
      if (count('retry-later') > 0) throw new DeliveryIncomplete(`${count('retry-later')} recipient(s) could not be reached yet`, { unreached });
      return { unreached };
    },

    async refresh(lead, dynamics) {
      if (lead.isTest) return; // the admins' notice is not a delivery: nothing to update
      await updateCardCopies(lead.id, leadCard({ lead, dynamics, claimedBy: lead.claimedBy }), deps);
    },
  };
}

/**
 * Whoever pressed Validate in Partner Center sees it worked, with the card as the sales team would
 * have it (marked as a test). Best effort, once: a lost notice must not hold the lead back.
 */
async function tellAdminsTestLeadArrived(lead: StoredLead, dynamics: DynamicsStanding, deps: TeamsNotifierDeps): Promise<void> {
  if (deps.admins === undefined) return;
  const text =
    "✅ **Partner Center's test lead arrived.** The lead endpoint works: the lead was accepted and kept " +
    `(marked MSFT_TEST)${dynamics.state === 'written' ? ' and written to Dynamics' : ''}. The sales team was not alerted. ` +
    'This is what they will see for a real lead:';
  const card = CardFactory.adaptiveCard(leadCard({ lead, dynamics }));
  await deps.admins.send({ text, attachments: [card], summary: "Partner Center's test lead arrived" }, 'test lead');
}

async function deliver(lead: StoredLead, target: Installation, card: ReturnType<typeof CardFactory.adaptiveCard>, deps: TeamsNotifierDeps): Promise<Outcome> {
  const record = (status: 'sent' | 'failed', activityId?: string, error?: string): Promise<void> =>
    deps.deliveries.record({ leadId: lead.id, conversationId: target.conversationId, status, activityId, error, at: deps.now().toISOString() });
  let lastError = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    await deps.limiter.take(target.conversationId);
    try {
      const activityId = await inConversation(deps.adapter, deps.botAppId, target.reference, async (context) =>
        (await context.sendActivity({ attachments: [card], summary: 'New marketplace lead' }))?.id,
      );
      await record('sent', activityId);
      return 'sent';
    } catch (error) {
      const status = statusOf(error);
      lastError = `HTTP ${status ?? 'error'} ${codeOf(error)}`.trim();
      deps.telemetry?.failed('teams-delivery', String(status ?? 'error'));
      if (status !== undefined && GONE.has(status)) {
        // BotNotInConversationRoster, ConversationBlockedByUser, ConversationNotFound…: the app is gone there.
        await deps.installations.remove(target.conversationId);
        await record('failed', undefined, `${lastError}; conversation retired`);
        deps.logger.warn({ leadId: lead.id, status, code: codeOf(error) }, 'conversation no longer reachable; removed from the recipients');
        return 'retired';
      }
      if (status !== undefined && !TRANSIENT.has(status) && status < 500) {
        await record('failed', undefined, lastError);
        return 'failed';
      }
      const wait = status === 429 ? retryAfterOf(error) : backoffDelay(attempt, 500, 10_000);
      if (status === 429) deps.limiter.pause(wait);
      if (attempt < ATTEMPTS) {
        deps.telemetry?.retried('teams-delivery');
        await sleep(wait);
      }
    }
  }
  await record('failed', undefined, lastError);
  return 'retry-later';
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string {
  const e = error as { code?: unknown; body?: { error?: { code?: unknown } } };
  const code = e.body?.error?.code ?? e.code;
  return typeof code === 'string' ? code : '';
}

function retryAfterOf(error: unknown): number {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } }).response?.headers;
  const seconds = Number(headers?.get?.('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
}
