import { setTimeout as sleep } from 'node:timers/promises';
import { CardFactory, type Attachment, type CloudAdapter } from 'botbuilder';
import { leadCard, type DynamicsStanding } from '../cards/lead-card';
import type { Reader } from '../language/language';
import { message } from '../language/messages';
import { readerOf } from '../conversations/reader-of';
import type { Logger } from '../logging/create-logger';
import { AlertIncomplete, type AudienceNotifier, type LeadEscalations, type LiveStanding } from '../pipeline/lead-notifier';
import type { Audience } from '../routing/route-lead';
import type { StoredLead } from '../storage/lead-store';
import { parseRetryAfter } from '../http/retry';
import { backoffDelay } from '../timing/backoff';
import { pollUntil } from '../timing/clock';
import { inConversation } from './proactive';
import type { DeliveryStore } from '../conversations/delivery-store';
import type { Installation, InstallationStore } from '../conversations/installation-store';
import { resolveRecipients } from '../conversations/resolve-recipients';
import { NOT_SENT, type SendLimiter } from '../conversations/send-limiter';
import type { AdminMessenger } from '../conversations/admin-messenger';
import type { Telemetry } from '../telemetry/telemetry';
import type { AppInstaller, InstallOutcome } from '../conversations/app-installer';
import { updateCardCopies } from './update-card-copies';

export interface TeamsNotifierDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  readonly installations: InstallationStore;
  readonly deliveries: DeliveryStore;
  /** The organisation's tenant: lead cards go to its members only. */
  readonly organisation: string | undefined;
  readonly limiter: SendLimiter;
  /** BOT_LANGUAGE and BOT_TIME_ZONE: each chat's card is in its reader's language (readerOf), this where none is known. */
  readonly reader: Reader;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Application Insights, when it is set. */
  readonly telemetry?: Telemetry | undefined;
  /** Told when Partner Center's test lead (its Validate button) arrives. */
  readonly admins?: AdminMessenger;
  /** Installs the app for contacts with no chat, when TEAMS_APP_CATALOG_ID is set. */
  readonly installer?: AppInstaller | undefined;
  /** How long to wait for Teams to report an installation just asked for. */
  readonly installWaitMs?: number;
}

const INSTALL_WAIT_MS = 10_000;

/** Teams answers that mean "this conversation is gone for the bot": stop sending there. */
const GONE = new Set([403, 404]);
const TRANSIENT = new Set([412, 429, 502, 503, 504]);
const ATTEMPTS = 4;
/** How long one send may wait out Teams' 429s before the lead's pass is given up and retried later. */
const THROTTLED_MS = 60_000;

export type Outcome = 'sent' | 'already-sent' | 'retired' | 'failed' | 'retry-later';

/** Raised when some recipients could not be served yet; the pipeline tries the lead again later. */
export class DeliveryIncomplete extends AlertIncomplete {}

/**
 * Posts the lead card to every recipient (see resolveRecipients: the personal chats of the
 * lead's contacts, the chats its route names, whoever subscribed to every lead, and the admins
 * when no route took it). Each (lead, conversation) is recorded, so a retry serves only those
 * not served yet; one failing recipient never stops the others. Test leads never reach the sales
 * team.
 */
export function teamsNotifier(deps: TeamsNotifierDeps): AudienceNotifier {
  return {
    async notify(lead, dynamics, audience) {
      const log = deps.logger.child({ leadId: lead.id });
      if (lead.isTest) {
        log.info('test lead: not shown to the sales team');
        await tellAdminsTestLeadArrived(lead, dynamics.now(), deps);
        return { unreached: [] };
      }
      const card = cardsOf(lead, dynamics);
      const first = resolveRecipients(await deps.installations.list(), audience, deps.organisation);
      if (first.missingChats.length > 0) log.warn({ chats: first.missingChats.length }, "some chats the lead's route names do not have the app (or turned cards off): no card there");
      const targets = [...first.targets, ...(await adminChatsFor(audience, first.targets, deps))];
      const outcomes = await deliverAll(lead, targets, card, deps);
      let notInstalled = first.unreachable.filter((u) => u.reason === 'not-installed').map((u) => u.contact);
      // Contacts with no chat: the app installed for them, and the card in the chat Teams opens.
      const installed = await installFor(notInstalled, deps, log);
      if (installed.length > 0) {
        const newTargets = installed.filter((t) => !targets.some((f) => f.conversationId === t.conversationId));
        outcomes.push(...(await deliverAll(lead, newTargets, card, deps)));
        notInstalled = notInstalled.filter((c) => !installed.some((t) => t.email === c || t.userPrincipalName === c));
      }
      if (notInstalled.length > 0) log.warn({ unreachable: notInstalled.length }, 'some contacts have no chat with the bot in Teams: no card for them there');
      for (const { outcome } of outcomes) deps.telemetry?.delivered(outcome);
      const count = (o: Outcome): number => outcomes.filter((x) => x.outcome === o).length;
      log.info({ sent: count('sent'), alreadySent: count('already-sent'), retired: count('retired'), failed: count('failed'), waiting: count('retry-later') }, 'lead card delivered');
      // Contacts with no chat with the bot, and those whose chat turned out gone: mail may reach them.
      const retired = new Set(outcomes.filter((o) => o.outcome === 'retired').flatMap((o) => [o.target.email, o.target.userPrincipalName]));
      // A guest on the contact list gets no card in Teams, but the list asked for them: mail may reach them.
      const guests = first.unreachable.filter((u) => u.reason === 'not-a-member').map((u) => u.contact);
      const unreached = audience.contacts.filter((contact) => notInstalled.includes(contact) || retired.has(contact) || guests.includes(contact));
      if (count('retry-later') > 0) throw new DeliveryIncomplete(`${count('retry-later')} recipient(s) could not be reached yet`, { unreached });
      return { unreached };
    },

    async refresh(lead, dynamics) {
      if (lead.isTest) return; // the admins' notice is not a delivery: nothing to update
      await updateCardCopies(lead.id, () => Promise.resolve({ card: (reader) => leadCard({ lead, dynamics }, reader), shows: dynamics.state }), deps, { onlyStale: dynamics.state });
    },
  };
}

/**
 * Escalations in Teams (#16): the lead's card again, as a new message that notifies, saying
 * nobody has claimed it. Step 1 goes to every chat its card went to (but those that turned cards
 * off since); step 2 to the admins' personal chats and the channels and group chats that chose
 * escalations. Each chat gets each step once (recorded as the lead's deliveries, so every copy is
 * updated when someone claims it); a chat that fails is tried again at the next look.
 */
export function teamsEscalations(deps: TeamsNotifierDeps): LeadEscalations {
  return {
    async escalate(lead, step, dynamics) {
      const installations = await deps.installations.list();
      const inOrganisation = (i: Installation): boolean => deps.organisation === undefined || i.tenantId.toLowerCase() === deps.organisation.toLowerCase();
      let targets: Installation[];
      if (step === 1) {
        const cardWent = new Set((await deps.deliveries.forLead(lead.id)).filter((d) => d.status === 'sent' && (d.round ?? 0) === 0).map((d) => d.conversationId));
        targets = installations.filter((i) => cardWent.has(i.conversationId) && i.subscribed !== false);
      } else {
        const chosen = installations.filter((i) => i.escalations === true && i.kind !== 'personal' && inOrganisation(i));
        const admins = deps.admins === undefined ? [] : await deps.admins.adminChats();
        targets = [...admins, ...chosen.filter((c) => !admins.some((a) => a.conversationId === c.conversationId))];
      }
      const card: CardNow = (reader) => ({ card: CardFactory.adaptiveCard(leadCard({ lead, dynamics }, reader)), shows: dynamics.state });
      // One try per chat: a chat that fails is tried again with the step (src/pipeline/lead-escalator.ts).
      const outcomes = await Promise.all(targets.map((target) => deliverLeadCard(lead, target, card, deps, { round: step, attempts: 1 })));
      const count = (o: Outcome): number => outcomes.filter((x) => x === o).length;
      deps.logger.child({ leadId: lead.id }).info({ step, sent: count('sent'), alreadySent: count('already-sent'), failed: count('failed') + count('retired'), waiting: count('retry-later') }, 'lead escalated in Teams');
      if (count('retry-later') > 0) throw new DeliveryIncomplete(`${String(count('retry-later'))} chat(s) could not be reached yet`, { unreached: [] });
    },
  };
}

/** The lead card as it should be sent now to this reader, and the Dynamics standing it shows. */
export type CardNow = (reader: Reader) => { readonly card: Attachment; readonly shows: DynamicsStanding['state'] };

/** The lead's card as of each moment it is sent, built once per language and Dynamics standing (state, reason and link). */
function cardsOf(lead: StoredLead, dynamics: LiveStanding): CardNow {
  const built = new Map<string, Attachment>();
  return (reader) => {
    const standing = dynamics.now();
    const key = JSON.stringify([reader, standing]);
    let card = built.get(key);
    if (card === undefined) {
      card = CardFactory.adaptiveCard(leadCard({ lead, dynamics: standing }, reader));
      built.set(key, card);
    }
    return { card, shows: standing.state };
  };
}

/** A lead no route took goes to the admins' personal chats too (those not among the targets already). */
async function adminChatsFor(audience: Audience, targets: readonly Installation[], deps: TeamsNotifierDeps): Promise<Installation[]> {
  if (!audience.admins || deps.admins === undefined) return [];
  return (await deps.admins.adminChats()).filter((chat) => !targets.some((t) => t.conversationId === chat.conversationId));
}

/** Sends the card to each target not served yet; one failing never stops the others. */
async function deliverAll(lead: StoredLead, targets: readonly Installation[], card: CardNow, deps: TeamsNotifierDeps): Promise<{ outcome: Outcome; target: Installation }[]> {
  const served = new Set((await deps.deliveries.forLead(lead.id)).filter((d) => d.status === 'sent' && (d.round ?? 0) === 0).map((d) => d.conversationId));
  return Promise.all(targets.map(async (target) => ({ target, outcome: served.has(target.conversationId) ? ('already-sent' as const) : await deliverLeadCard(lead, target, card, deps) })));
}

/**
 * Installs the app for contacts with no chat, and waits a moment for Teams to report the chats
 * of those it was just installed for; returns those chats. A contact asked for earlier whose
 * chat never came is not waited for again.
 */
async function installFor(contacts: readonly string[], deps: TeamsNotifierDeps, log: Logger): Promise<Installation[]> {
  const installer = deps.installer;
  if (installer === undefined || contacts.length === 0) return [];
  const outcomes = await Promise.all(
    contacts.map((c) =>
      installer.install(c).catch((err: unknown) => {
        log.warn({ err }, 'could not install the app for a contact');
        return { state: 'unavailable' as const, reason: 'storage or Graph failed' };
      }),
    ),
  );
  const known = await chatsNamedByGraph(contacts, outcomes, deps);
  const asked = contacts.filter((_, i) => outcomes[i]?.state === 'requested');
  if (asked.length === 0) return known;
  const isAsked = (i: Installation): boolean => i.kind === 'personal' && asked.some((c) => c === i.email || c === i.userPrincipalName);
  const chats = await pollUntil(
    async () => (await deps.installations.list()).filter(isAsked),
    (found) => found.length >= asked.length,
    { everyMs: 250, timeoutMs: deps.installWaitMs ?? INSTALL_WAIT_MS },
  );
  return [...known, ...chats];
}

/**
 * The chats Graph named for contacts who had the app already, kept as installations so later
 * leads find them. A personal chat is reached through the service URL Teams gave the bot's other
 * chats in the organisation; with none known yet, there is nothing to write through.
 */
async function chatsNamedByGraph(contacts: readonly string[], outcomes: readonly InstallOutcome[], deps: TeamsNotifierDeps): Promise<Installation[]> {
  const named = contacts.flatMap((contact, i) => {
    const outcome = outcomes[i];
    return outcome?.state === 'installed' ? [{ contact, ...outcome }] : [];
  });
  if (named.length === 0) return [];
  const model = (await deps.installations.list()).find((i) => i.kind === 'personal');
  if (model === undefined) return [];
  const chats = named.map(
    ({ contact, chatId, aadObjectId }): Installation => ({
      conversationId: chatId,
      kind: 'personal',
      tenantId: model.tenantId,
      userId: undefined,
      aadObjectId,
      email: contact,
      userPrincipalName: undefined,
      name: undefined,
      reference: { ...model.reference, conversation: { id: chatId, conversationType: 'personal', isGroup: false, name: '' }, user: undefined },
      updatedAt: deps.now().toISOString(),
    }),
  );
  await Promise.all(chats.map((chat) => deps.installations.save(chat)));
  return chats;
}

/**
 * Whoever pressed Validate in Partner Center sees it worked, with the card as the sales team would
 * have it (marked as a test). Best effort, once: a lost notice must not hold the lead back.
 */
async function tellAdminsTestLeadArrived(lead: StoredLead, dynamics: DynamicsStanding, deps: TeamsNotifierDeps): Promise<void> {
  if (deps.admins === undefined) return;
  await deps.admins.send(
    (reader) => ({
      text: message(reader.language, 'testLeadNotice.text', { written: dynamics.state === 'written' ? 'yes' : 'no' }),
      card: leadCard({ lead, dynamics }, reader),
      summary: message(reader.language, 'testLeadNotice.summary'),
    }),
    'test lead',
  );
}

/**
 * Sends one lead card to one chat, retried within Teams' limits, so it is never sent there twice:
 * the send is taken (recorded as `sending`) before Teams is asked, so a crash between Teams
 * accepting the card and its record, a second pass over the lead or a second instance finds it
 * taken and sends nothing. Teams' refusals and storage's failures are told apart by where they
 * came from: a failed record never passes for a failed send.
 */
export async function deliverLeadCard(
  lead: StoredLead,
  target: Installation,
  card: CardNow,
  deps: TeamsNotifierDeps,
  { round = 0, attempts = ATTEMPTS }: { readonly round?: number; readonly attempts?: number } = {},
): Promise<Outcome> {
  const record = (status: 'sent' | 'failed', activityId?: string, error?: string, shows?: string): Promise<void> =>
    deps.deliveries.record({ leadId: lead.id, conversationId: target.conversationId, status, activityId, error, at: deps.now().toISOString(), shows, round });
  let lastError = '';
  let failures = 0;
  let throttledMs = 0;
  let mustTake = true;
  for (;;) {
    // Taken in the limiter's turn, just before Teams is asked, so only a send really in flight
    // when an instance dies is left as `sending`. A failed record stays a storage failure.
    let recordFailed: { readonly error: unknown } | undefined;
    const take = async (): Promise<boolean> => {
      if (!mustTake) return true;
      try {
        mustTake = !(await deps.deliveries.start(lead.id, target.conversationId, deps.now(), round));
        return !mustTake;
      } catch (error) {
        recordFailed = { error };
        return false;
      }
    };
    let sent: { readonly activityId: string | undefined; readonly shows: string } | typeof NOT_SENT;
    try {
      sent = await deps.limiter.send(
        target.conversationId,
        async () => {
          // Built as it goes: once Dynamics has answered, the card says so and needs no update.
          const reader = readerOf(target, deps.reader);
          const now = card(reader);
          const summary = message(reader.language, round === 0 ? 'leadCard.summary' : 'leadCard.escalatedSummary');
          const activityId = await inConversation(deps.adapter, deps.botAppId, target.reference, async (context) => (await context.sendActivity({ attachments: [now.card], summary }))?.id);
          return { activityId, shows: now.shows };
        },
        { prepare: take },
      );
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
      // A 429 is Teams saying when to come back, not a failure of this send: it keeps its place
      // (and every send of this instance waits) for up to THROTTLED_MS in all, rather than the
      // lead waiting a whole failed pass because Teams was busy for a few seconds.
      const throttled = status === 429;
      const wait = throttled ? retryAfterOf(error) : backoffDelay(failures + 1, 500, 10_000);
      if (throttled) {
        deps.limiter.pause(wait);
        throttledMs += wait;
      } else {
        failures++;
      }
      if (failures >= attempts || throttledMs > THROTTLED_MS) break;
      if (throttled) {
        // Teams refused this card: while it waits, it is not in flight, so an instance dying now
        // leaves it to be sent by the next pass rather than recorded as perhaps sent.
        await record('failed', undefined, lastError);
        mustTake = true;
      }
      deps.telemetry?.retried('teams-delivery');
      await sleep(wait);
      continue;
    }
    if (recordFailed !== undefined) throw recordFailed.error;
    if (sent === NOT_SENT) return taken(lead, target, deps, round);
    // Teams has the card. Should storage fail now, the pass fails and is retried, and the card,
    // still taken as `sending`, is not sent again.
    await record('sent', sent.activityId, undefined, sent.shows);
    return 'sent';
  }
  await record('failed', undefined, lastError);
  return 'retry-later';
}

/** The card to this chat was taken by another pass: sent, or being sent — or sent perhaps, by an instance that stopped. */
async function taken(lead: StoredLead, target: Installation, deps: TeamsNotifierDeps, round: number): Promise<Outcome> {
  if ((await deps.deliveries.get(lead.id, target.conversationId, round))?.status === 'sending') {
    deps.logger.warn({ leadId: lead.id }, 'a card to this chat is being sent, or was when an instance stopped: not sent again');
  }
  return 'already-sent';
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

/** The wait Teams asked for with its 429, a second when it did not say. */
function retryAfterOf(error: unknown): number {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined } } }).response?.headers;
  return parseRetryAfter(headers?.get?.('retry-after')) || 1000;
}
