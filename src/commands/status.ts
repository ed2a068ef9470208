import { formatTime, formatTimeAgo } from '../cards/format-time';
import type { AdaptiveCardJson } from '../cards/lead-card';
import { statusCard, type Fact, type StatusReport } from '../cards/status-card';
import { DYNAMICS_ERROR_KINDS, dynamicsError, type DynamicsErrorCode } from '../dynamics/dynamics-error';
import { describeExpiry } from '../reminders/describe-credential';
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
    await chat.say({ card: await buildStatusCard(deps, caller.isAdmin) });
  },
};

/** The card's Refresh button. */
export const refreshStatusAction: CardAction = {
  verb: 'refreshStatus',
  title: 'Refresh',
  adminsOnly: false,
  handle: (_chat, _data, caller, deps) => buildStatusCard(deps, caller.isAdmin),
};

export async function buildStatusCard(deps: CommandDeps, isAdmin: boolean): Promise<AdaptiveCardJson> {
  return statusCard(await buildStatusReport(deps, isAdmin));
}

/** Reads storage and the worker's state into the report `status` shows. */
export async function buildStatusReport(deps: CommandDeps, isAdmin: boolean): Promise<StatusReport> {
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
    leadFacts: leadFacts(timelines, now),
    // Where Dynamics is, who the bot signs in as, its errors and the leads given up on are the admins' to see.
    dynamicsFacts: isAdmin
      ? [
          { label: 'Environment', value: deps.settings.dynamics.url },
          { label: 'Signs in as', value: deps.signIn.description },
          ...credentials.filter((c) => c.builtIn).map((c) => ({ label: c.name, value: describeExpiry(c, now) })),
          ...waitingFacts(timelines, now),
        ]
      : waitingFacts(timelines, now),
    teamsFacts: [
      { label: 'Contacts reached', value: `${inTeams} of ${contacts.length} ${routes.length === 0 ? 'on the contact list (LEAD_CONTACTS)' : 'on the routes and the contact list'} in Teams${mail === undefined ? '' : `; ${String(byMail.length)} by mail from ${mail.sender}`}` },
      { label: 'Also sent to', value: describeOthers(targets.length - chats - inTeams, chats) },
    ],
    routeFacts: routeFacts(routes, timelines, deps.settings.leadContacts),
    problem: isAdmin ? currentProblem(deps, timelines) : undefined,
    deadLetters: isAdmin ? sorted.slice(0, LISTED).map((d) => ({ leadId: d.leadId, reason: d.reason, fix: d.fix, at: d.at })) : [],
    deadLetterCount: deadLetters.length,
    unreachable: [
      ...unreachable
        .filter((u) => u.reason !== 'not-installed' || mail === undefined || refused.has(u.contact))
        .map((u) => ({
          contact: u.contact,
          why:
            u.reason === 'unsubscribed'
              ? 'turned lead cards off (unsubscribe)'
              : u.reason === 'not-a-member'
                ? 'is a guest in the organisation\'s Teams: lead cards go to members only' + (mail === undefined ? '' : '; mail reaches them')
                : `has no chat with the bot in Teams${noInstall.get(u.contact) === undefined ? '' : ` (the app could not be installed for them: ${noInstall.get(u.contact) ?? ''})`}, ` +
                (refused.has(u.contact) ? `and Graph refused mail to them: ${refused.get(u.contact) ?? ''}` : 'and mail is off (set OUTLOOK_SENDER to reach them by mail)'),
        })),
    ],
    failedDeliveries: failures.map((f) => ({
      where: describeConversation(byConversation.get(f.conversationId)),
      error: f.status === 'sending' ? 'may not have arrived: the bot stopped while sending it, and does not send it twice' : (f.error ?? 'failed'),
      at: f.at,
    })),
    canRetry: isAdmin && deadLetters.length > 0,
  };
}

function leadFacts(timelines: readonly LeadTimeline[], now: Date): Fact[] {
  const dayAgo = new Date(now.getTime() - 24 * HOUR).toISOString();
  const real = timelines.filter((t) => !t.isTest);
  // Alerts go out whatever Dynamics does: a lead waiting for Dynamics has been sent all the same.
  const notified = real.map((t) => t.alertedAt ?? (t.status === 'done' ? t.doneAt : undefined));
  const inDay = (times: readonly (string | undefined)[]): number => times.filter((t) => t !== undefined && t >= dayAgo).length;
  const last = (times: readonly (string | undefined)[]): string => {
    const latest = times.filter((t): t is string => t !== undefined).sort().at(-1);
    return latest === undefined ? `none in the last ${LOOKBACK_DAYS} days` : `last ${formatTimeAgo(latest, now)}`;
  };
  const row = (label: string, times: readonly (string | undefined)[]): Fact => ({ label, value: `${inDay(times)} in 24 h; ${last(times)}` });
  const tests = timelines.filter((t) => t.isTest && t.receivedAt >= dayAgo).length;
  return [
    row('Received', real.map((t) => t.receivedAt)),
    row('Written to Dynamics', real.map((t) => t.writtenAt)),
    row('Sent to the sales team', notified),
    ...(tests > 0 ? [{ label: 'Test leads', value: `${tests} in 24 h (Partner Center's Validate; written, not sent to sales)` }] : []),
  ];
}

/** Each route and how many real leads it took in the last 7 days, then LEAD_CONTACTS and leads no route took. */
function routeFacts(routes: readonly Route[], timelines: readonly LeadTimeline[], leadContacts: readonly string[]): Fact[] {
  const routings = timelines.filter((t) => !t.isTest).flatMap((t) => (t.routing === undefined ? [] : [t.routing]));
  const count = (took: (routing: Routing) => boolean): number => routings.filter(took).length;
  const unrouted = count((r) => r.kind === 'no-route');
  if (routes.length === 0 && unrouted === 0) return [];
  const fact = (label: string, n: number, to: string): Fact => ({ label, value: `${String(n)} lead(s) → ${to}` });
  return [
    ...routes.map((route) => fact(route.name, count((r) => r.kind === 'route' && r.route.toLowerCase() === route.name.toLowerCase()), recipientsOf(route))),
    fact('LEAD_CONTACTS', count((r) => r.kind === 'contacts'), leadContacts.length === 0 ? 'nobody (empty)' : `${String(leadContacts.length)} contact(s)`),
    ...(unrouted === 0 ? [] : [fact('No route', unrouted, 'the admins')]),
  ];
}

function recipientsOf(route: Route): string {
  const people = route.contacts.length > 0 ? `${String(route.contacts.length)} contact(s)` : '';
  const chats = route.chats.length > 0 ? `${String(route.chats.length)} chat(s)` : '';
  return `${[people, chats].filter((p) => p !== '').join(' and ')}${route.mode === 'round-robin' ? ', in turn' : ''}`;
}

function waitingFacts(timelines: readonly LeadTimeline[], now: Date): Fact[] {
  const inProgress = timelines.filter((t) => t.status === 'received' || t.status === 'queued' || t.status === 'written');
  const waiting = timelines.filter((t) => t.status === 'waiting');
  const oldest = (list: readonly LeadTimeline[]): string => {
    const first = list.map((t) => t.receivedAt).sort()[0];
    return first === undefined ? '' : `, oldest received ${formatTimeAgo(first, now)}`;
  };
  return [
    { label: 'In progress', value: `${inProgress.length} lead(s)${oldest(inProgress)}` },
    { label: 'Waiting for a fix', value: `${waiting.length} lead(s)${oldest(waiting)}` },
  ];
}

/** What keeps leads from Dynamics now: this instance's sign-in block, else the waiting leads' last error. */
function currentProblem(deps: CommandDeps, timelines: readonly LeadTimeline[]): StatusReport['problem'] {
  const blocked = deps.worker.blocked;
  if (blocked !== undefined) return { message: `Since ${formatTime(blocked.since.toISOString())}: ${blocked.error.message}`, fix: blocked.error.fix };
  const code = timelines.find((t) => t.status === 'waiting' && t.lastErrorCode !== undefined)?.lastErrorCode;
  if (code === undefined || !(code in DYNAMICS_ERROR_KINDS)) return undefined;
  const error = dynamicsError(code as DynamicsErrorCode);
  return { message: error.message, fix: error.fix };
}

function describeOthers(people: number, chats: number): string {
  const parts = [people > 0 ? `${people} other person(s) who subscribed` : '', chats > 0 ? `${chats} channel(s) or group chat(s)` : ''].filter((p) => p !== '');
  return parts.length === 0 ? 'no channel or group chat (type subscribe in one to add it)' : parts.join(' and ');
}

function describeConversation(installation: { kind: string; name: string | undefined } | undefined): string {
  if (installation === undefined) return 'a conversation the app was removed from';
  return installation.kind === 'personal' ? `${installation.name ?? 'a person'}'s chat` : installation.kind === 'channel' ? 'a channel' : 'a group chat';
}
