import type { AdaptiveCardJson } from '../cards/lead-card';
import { statusCard, type Fact, type StatusReport } from '../cards/status-card';
import { DYNAMICS_ERROR_KINDS, DynamicsError, dynamicsError, explainDynamicsError, explainRecorded, type DynamicsErrorCode } from '../dynamics/dynamics-error';
import type { Reader } from '../language/language';
import { messagesIn, type Messages } from '../language/messages';
import { describeSignIn } from '../dynamics/sign-in';
import { explainNotFinished } from '../pipeline/not-finished';
import { formatTime, formatTimeAgo } from '../language/times';
import { credentialName, describeExpiry } from '../reminders/describe-credential';
import type { LeadTimeline } from '../storage/lead-store';
import { resolveRecipients } from '../conversations/resolve-recipients';
import type { Route } from '../routing/route';
import type { Routing } from '../routing/route-lead';
import type { CardAction, Command, CommandDeps } from './command';
import { allRoutes } from './lead-routes';

const HOUR = 3_600_000;
/** How far back "last received" looks; older activity reads as "not in the last 7 days". */
const LOOKBACK_DAYS = 7;
/** Dead letters listed by name on the card (the count covers all). */
const LISTED = 5;

export const statusCommand: Command = {
  name: 'status',
  koreanNames: ['상태'],
  usage: 'command.status.usage',
  summary: 'command.status.summary',
  takesArgument: false,
  adminsOnly: () => false,
  async run({ chat, caller }, deps) {
    await chat.say({ card: await buildStatusCard(deps, caller.isAdmin, chat.reader) });
  },
};

/** The card's Refresh button. */
export const refreshStatusAction: CardAction = {
  verb: 'refreshStatus',
  title: 'button.refresh',
  adminsOnly: false,
  handle: (chat, _data, caller, deps) => buildStatusCard(deps, caller.isAdmin, chat.reader),
};

export async function buildStatusCard(deps: CommandDeps, isAdmin: boolean, reader: Reader): Promise<AdaptiveCardJson> {
  return statusCard(await buildStatusReport(deps, isAdmin, reader), reader);
}

/** Reads storage and the worker's state into the report `status` shows, in the reader's words. */
export async function buildStatusReport(deps: CommandDeps, isAdmin: boolean, reader: Reader): Promise<StatusReport> {
  const say = messagesIn(reader.language);
  const now = deps.now();
  const [timelines, deadLetters, installations, failures, credentials, mailRefusals] = await Promise.all([
    deps.leads.timelines(new Date(now.getTime() - LOOKBACK_DAYS * 24 * HOUR)),
    deps.deadLetters.list(),
    deps.installations.list(),
    deps.deliveries.failuresSince(new Date(now.getTime() - 24 * HOUR), now),
    deps.credentials.registry.list(),
    deps.mails?.refusedSince(new Date(now.getTime() - LOOKBACK_DAYS * 24 * HOUR)) ?? Promise.resolve([]),
  ]);
  const routes = await allRoutes(deps);
  // Everyone a lead may be routed to: each route's contacts and chats, and LEAD_CONTACTS.
  const contacts = [...new Set([...routes.flatMap((r) => r.contacts), ...deps.settings.leadContacts])];
  const { targets, unreachable } = resolveRecipients(installations, { contacts, chats: routes.flatMap((r) => r.chats) }, deps.settings.teamsTenantId);
  const inTeams = contacts.length - unreachable.length;
  const mail = deps.settings.outlook;
  // With mail on, a contact with no chat is reached by mail, unless Graph refused their mailbox.
  const refused = new Map(mailRefusals.map((m) => [m.recipient.toLowerCase(), m.error ?? 'refused']));
  const byMail = mail === undefined ? [] : contacts.filter((c) => (mail.delivery === 'always' || unreachable.some((u) => u.contact === c && u.reason === 'not-installed')) && !refused.has(c));
  // Why the app could not be installed for those with no chat, when the bot tried.
  const noInstall = new Map(
    await Promise.all(unreachable.filter((u) => u.reason === 'not-installed').map(async (u) => [u.contact, await deps.installer?.reasonFor(u.contact)] as const)),
  );
  const chats = targets.filter((t) => t.kind !== 'personal').length;
  const byConversation = new Map(installations.map((i) => [i.conversationId, i]));
  const sorted = [...deadLetters].sort((a, b) => b.at.localeCompare(a.at));

  return {
    generatedAt: now.toISOString(),
    leadFacts: leadFacts(timelines, now, reader, deps.settings.escalation.toAdminsAfterMinutes > 0),
    // Where Dynamics is, who the bot signs in as, its errors and the leads given up on are the admins' to see.
    dynamicsFacts: isAdmin
      ? [
          { label: say('status.environment'), value: deps.settings.dynamics.url },
          { label: say('status.signsInAs'), value: describeSignIn(deps.settings.dynamics, reader.language) },
          ...credentials.filter((c) => c.builtIn).map((c) => ({ label: credentialName(c, deps.settings, reader), value: describeExpiry(c, now, reader) })),
          ...waitingFacts(timelines, now, reader),
          sellerActionsFact(timelines, say),
        ]
      : waitingFacts(timelines, now, reader),
    teamsFacts: [
      {
        label: say('status.contactsReached'),
        value: say('status.contactsReachedValue', { reached: inTeams, total: contacts.length, routed: routes.length === 0 ? 'no' : 'yes', mail: mail?.sender ?? 'none', byMail: byMail.length }),
      },
      { label: say('status.alsoSentTo'), value: describeOthers(targets.length - chats - inTeams, chats, say) },
    ],
    routeFacts: routeFacts(routes, timelines, deps.settings.leadContacts, say),
    problem: isAdmin ? currentProblem(deps, timelines, reader) : undefined,
    // A Dynamics failure reads in the reader's words, what the service said as it came; any other as recorded.
    deadLetters: isAdmin
      ? sorted.slice(0, LISTED).map((d) => {
          const recorded = { code: d.code, message: d.reason, fix: d.fix };
          const { message, fix } = explainNotFinished(recorded, reader.language) ?? explainRecorded(recorded, reader.language);
          return { leadId: d.leadId, reason: message, fix, at: d.at };
        })
      : [],
    deadLetterCount: deadLetters.length,
    unreachable: [
      ...unreachable
        .filter((u) => u.reason !== 'not-installed' || mail === undefined || refused.has(u.contact))
        .map((u) => ({
          contact: u.contact,
          why:
            u.reason === 'unsubscribed'
              ? say('status.why.unsubscribed')
              : u.reason === 'not-a-member'
                ? say('status.why.guest', { mail: mail === undefined ? 'no' : 'yes' })
                : say('status.why.noChat', { install: noInstall.get(u.contact) ?? 'none', refused: refused.get(u.contact) ?? 'none' }),
        })),
    ],
    failedDeliveries: failures.map((f) => ({
      where: describeConversation(byConversation.get(f.conversationId), say),
      error: f.status === 'sending' ? say('status.mayNotHaveArrived') : (f.error ?? say('status.failed')),
      at: f.at,
    })),
    canRetry: isAdmin && deadLetters.length > 0,
  };
}

function leadFacts(timelines: readonly LeadTimeline[], now: Date, reader: Reader, escalateToAdmins: boolean): Fact[] {
  const say = messagesIn(reader.language);
  const dayAgo = new Date(now.getTime() - 24 * HOUR).toISOString();
  const real = timelines.filter((t) => !t.isTest);
  // Alerts go out whatever Dynamics does: a lead waiting for Dynamics has been sent all the same.
  const notified = real.map((t) => t.alertedAt ?? (t.status === 'done' ? t.doneAt : undefined));
  const inDay = (times: readonly (string | undefined)[]): number => times.filter((t) => t !== undefined && t >= dayAgo).length;
  const last = (times: readonly (string | undefined)[]): string => {
    const latest = times.filter((t): t is string => t !== undefined).sort().at(-1);
    return latest === undefined ? say('status.noneLately', { days: LOOKBACK_DAYS }) : say('status.last', { when: formatTimeAgo(latest, now, reader) });
  };
  const row = (label: string, times: readonly (string | undefined)[]): Fact => ({ label, value: say('status.inDay', { count: inDay(times), last: last(times) }) });
  const tests = timelines.filter((t) => t.isTest && t.receivedAt >= dayAgo).length;
  return [
    row(say('status.received'), real.map((t) => t.receivedAt)),
    row(say('status.written'), real.map((t) => t.writtenAt)),
    row(say('status.sent'), notified),
    unclaimedFact(real, now, reader, escalateToAdmins),
    ...(tests > 0 ? [{ label: say('status.testLeads'), value: say('status.testLeadsValue', { count: tests }) }] : []),
  ];
}

/** The sales team's leads of the last days nobody has claimed or disqualified, and how many of them went to the admins. */
function unclaimedFact(real: readonly LeadTimeline[], now: Date, reader: Reader, escalateToAdmins: boolean): Fact {
  const since = new Date(now.getTime() - LOOKBACK_DAYS * 24 * HOUR).toISOString();
  const open = real.filter((t) => t.receivedAt >= since && t.claimedBy === undefined && t.disqualified === undefined && !t.doNotContact && t.routing?.kind !== 'own-domain');
  const oldest = open.map((t) => t.receivedAt).sort()[0];
  const say = messagesIn(reader.language);
  return {
    label: say('status.unclaimed'),
    value: say('status.unclaimedValue', {
      count: open.length,
      days: LOOKBACK_DAYS,
      oldest: oldest === undefined ? 'none' : formatTimeAgo(oldest, now, reader),
      // With the step turned off, a step taken before went nowhere: nothing is said of it.
      toAdmins: escalateToAdmins ? open.filter((t) => t.escalatedToAdmins).length : 0,
    }),
  };
}

/**
 * Claims, first touches and disqualifications Dynamics does not have: a seller with no Dynamics
 * user (an admin adds them), refusals, and writes still being tried, by their codes.
 */
function sellerActionsFact(timelines: readonly LeadTimeline[], say: Messages): Fact {
  const real = timelines.filter((t) => !t.isTest);
  const noUser = [...new Set(real.filter((t) => t.owner?.state === 'no-user').map((t) => t.claimedBy ?? ''))].filter((n) => n !== '');
  const standings = real.flatMap((t) => [t.owner, t.statusInDynamics]);
  const codes = (of: readonly string[]): string => [...new Set(of)].sort().join(', ');
  const refused = standings.flatMap((s) => (s?.state === 'refused' ? [s.code] : []));
  const waiting = standings.flatMap((s) => (s?.state === 'pending' && s.code !== undefined ? [s.code] : []));
  const parts = [
    ...(noUser.length > 0 ? [say('status.sellerActionsNoUser', { names: noUser.join(', ') })] : []),
    ...(refused.length > 0 ? [say('status.sellerActionsRefused', { count: refused.length, codes: codes(refused) })] : []),
    ...(waiting.length > 0 ? [say('status.sellerActionsWaiting', { count: waiting.length, codes: codes(waiting) })] : []),
  ];
  return { label: say('status.sellerActions'), value: parts.length === 0 ? say('status.sellerActionsUpToDate') : parts.join('; ') };
}

/** Each route and how many real leads it took in the last 7 days, then LEAD_CONTACTS and leads no route took. */
function routeFacts(routes: readonly Route[], timelines: readonly LeadTimeline[], leadContacts: readonly string[], say: Messages): Fact[] {
  const routings = timelines.filter((t) => !t.isTest).flatMap((t) => (t.routing === undefined ? [] : [t.routing]));
  const count = (took: (routing: Routing) => boolean): number => routings.filter(took).length;
  const unrouted = count((r) => r.kind === 'no-route');
  if (routes.length === 0 && unrouted === 0) return [];
  const fact = (label: string, n: number, to: string): Fact => ({ label, value: say('status.routeLeads', { count: n, to }) });
  return [
    ...routes.map((route) => fact(route.name, count((r) => r.kind === 'route' && r.route.toLowerCase() === route.name.toLowerCase()), recipientsOf(route, say))),
    fact('LEAD_CONTACTS', count((r) => r.kind === 'contacts'), leadContacts.length === 0 ? say('status.nobodyEmpty') : say('status.contacts', { count: leadContacts.length })),
    ...(unrouted === 0 ? [] : [fact(say('status.noRoute'), unrouted, say('status.theAdmins'))]),
  ];
}

function recipientsOf(route: Route, say: Messages): string {
  const people = route.contacts.length > 0 ? say('status.contacts', { count: route.contacts.length }) : '';
  const chats = route.chats.length > 0 ? say('status.chats', { count: route.chats.length }) : '';
  const both = people !== '' && chats !== '' ? say('status.othersAnd', { first: people, second: chats }) : people || chats;
  return `${both}${route.mode === 'round-robin' ? say('status.inTurn') : ''}`;
}

function waitingFacts(timelines: readonly LeadTimeline[], now: Date, reader: Reader): Fact[] {
  const say = messagesIn(reader.language);
  const inProgress = timelines.filter((t) => t.status === 'received' || t.status === 'queued' || t.status === 'written');
  const waiting = timelines.filter((t) => t.status === 'waiting');
  const value = (list: readonly LeadTimeline[]): string => {
    const first = list.map((t) => t.receivedAt).sort()[0];
    return say('status.leadsOldest', { count: list.length, oldest: first === undefined ? 'none' : formatTimeAgo(first, now, reader) });
  };
  return [
    { label: say('status.inProgress'), value: value(inProgress) },
    { label: say('status.waitingForFix'), value: value(waiting) },
  ];
}

/** What keeps leads from Dynamics now: this instance's sign-in block, else the waiting leads' last error. */
function currentProblem(deps: CommandDeps, timelines: readonly LeadTimeline[], reader: Reader): StatusReport['problem'] {
  const say = messagesIn(reader.language);
  const blocked = deps.worker.blocked;
  if (blocked !== undefined) {
    const { message, fix } = blocked.error instanceof DynamicsError ? explainDynamicsError(blocked.error, reader.language) : blocked.error;
    return { message: say('status.since', { when: formatTime(blocked.since.toISOString(), reader), message }), fix };
  }
  const code = timelines.find((t) => t.status === 'waiting' && t.lastErrorCode !== undefined)?.lastErrorCode;
  if (code === undefined || !(code in DYNAMICS_ERROR_KINDS)) return undefined;
  return explainDynamicsError(dynamicsError(code as DynamicsErrorCode), reader.language);
}

function describeOthers(people: number, chats: number, say: Messages): string {
  const parts = [people > 0 ? say('status.othersPeople', { count: people }) : '', chats > 0 ? say('status.othersChats', { count: chats }) : ''].filter((p) => p !== '');
  const [first = '', second] = parts;
  return parts.length === 0 ? say('status.othersNone') : second === undefined ? first : say('status.othersAnd', { first, second });
}

function describeConversation(installation: { kind: string; name: string | undefined } | undefined, say: Messages): string {
  if (installation === undefined) return say('status.removedChat');
  return installation.kind === 'personal' ? say('status.someonesChat', { name: installation.name ?? say('status.aPerson') }) : installation.kind === 'channel' ? say('status.aChannel') : say('status.aGroupChat');
}
