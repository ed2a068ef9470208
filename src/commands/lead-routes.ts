import { resolveRecipients } from '../conversations/resolve-recipients';
import { parseHttpsLead } from '../leads/parse-https-lead';
import { countryCode, routingProbe } from '../routing/lead-traits';
import { covers, mismatch } from '../routing/match-route';
import { orderProblems, parseRoute } from '../routing/parse-routes';
import { LEAD_ACTIONS, MARKETPLACE_CHANNELS, MATCH_FIELDS, routesInOrder, type LeadAction, type MarketplaceChannel, type Route } from '../routing/route';
import type { ChatRoute } from '../storage/route-store';
import type { Command, CommandDeps, CommandRequest } from './command';
import { plainText } from './plain-text';

const TEST_USAGE = '**route test** *offer id* *country* [*action*] [*channel*], for example `route test contoso.sales-insights KR contact-me appsource`';

const USAGE = [
  '**route list**: the routes, in the order they are tried',
  '**route add** *name* *field*=*value*,*value* …: a route from chat, with the routes file\'s fields, e.g. `route add insights-korea offers=contoso.sales-insights* countries=KR contacts=jimin@contoso.example` (`chats=here` names this chat)',
  '**route remove** *name*: removes a route added in chat',
  `${TEST_USAGE}: which route a lead would take, and who would get it`,
].join('\n\n');

/**
 * `route`: the admins' view and control of routing in chat. Routes added here are kept in
 * storage and tried before the routes file's, so an admin can send an offer's leads elsewhere
 * at once; LEAD_CONTACTS comes last, for leads no route takes.
 */
export const routeCommand: Command = {
  name: 'route',
  koreanNames: ['경로'],
  usage: 'command.route.usage',
  summary: 'command.route.summary',
  takesArgument: true,
  adminsOnly: () => true,
  async run(request, deps) {
    const [verb = '', ...rest] = plainText(request.argument).split(/\s+/).filter((w) => w !== '');
    const handlers: Readonly<Record<string, () => Promise<string>>> = {
      list: () => listRoutes(deps),
      add: () => addRoute(rest, request, deps),
      remove: () => removeRoute(rest, deps),
      test: () => testRoute(rest, deps),
    };
    const handler = handlers[verb.toLowerCase()];
    await request.chat.say(handler === undefined ? `${verb === '' ? '' : `I don't know **route ${verb.slice(0, 20)}**. `}${USAGE}` : await handler());
  },
};

/** Every route in the order they are tried (LEAD_CONTACTS after them). */
export async function allRoutes(deps: Pick<CommandDeps, 'routes' | 'settings'>): Promise<Route[]> {
  return routesInOrder(await deps.routes.list(), deps.settings.routes);
}

async function listRoutes(deps: CommandDeps): Promise<string> {
  const routes = await allRoutes(deps);
  const lines = routes.map((route, i) => `${String(i + 1)}. ${describeRoute(route)}`);
  const contacts = deps.settings.leadContacts;
  const last = contacts.length > 0 ? `every other lead → ${contacts.join(', ')} (LEAD_CONTACTS)` : 'every other lead → the admins (LEAD_CONTACTS is empty)';
  return [`**Routes**, tried in this order; the first that matches a lead takes it:`, ...lines, `${String(routes.length + 1)}. ${last}`].join('\n\n');
}

/** A route in one line: its name, what it matches, whom it sends to, how, and where it was set. */
export function describeRoute(route: Route): string {
  const match = MATCH_FIELDS.flatMap((field) => (route[field] === undefined ? [] : [`${field} ${route[field].map((v) => `\`${v}\``).join(', ')}`]));
  const to = [...route.contacts, ...route.chats.map((c) => `chat \`${c}\``)].join(', ');
  const mode = route.mode === 'round-robin' ? `round-robin, ${String(route.claimWithinMinutes)} min to claim` : 'broadcast';
  const origin = route.origin.kind === 'file' ? 'routes file' : `added in chat by ${route.origin.addedBy} on ${route.origin.addedAt.slice(0, 10)}`;
  return `**${route.name}**: ${match.length > 0 ? match.join('; ') : 'any lead'} → ${to} (${mode}; ${origin})`;
}

async function addRoute(words: readonly string[], { chat, caller }: CommandRequest, deps: CommandDeps): Promise<string> {
  const [name, ...fields] = words;
  if (name === undefined || fields.length === 0) return `Give the route a name and at least whom it sends to. ${USAGE}`;
  const raw: Record<string, unknown> = { name };
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) return `"${field.slice(0, 60)}" is not *field*=*value*: write each field as, for example, countries=KR,JP (no spaces around = or ,).`;
    const key = field.slice(0, eq);
    const values = field.slice(eq + 1).split(',').filter((v) => v !== '').map((v) => (key === 'chats' && v.toLowerCase() === 'here' ? chat.conversationId : v));
    raw[key] = key === 'mode' || key === 'name' ? values[0] : key === 'claimWithinMinutes' ? Number(values[0]) : values;
  }
  const parsed = parseRoute(raw, { kind: 'chat', addedBy: caller.displayName ?? 'an admin', addedAt: deps.now().toISOString() }, `route "${name.slice(0, 40)}"`, chat.conversationId);
  if (parsed.problems !== undefined) return `Not added: ${parsed.problems.join('; ')}.`;
  const placed = await addChatRoute(parsed.route as ChatRoute, deps);
  if ('refused' in placed) return `Not added: ${placed.refused}.`;
  return [
    `Added route ${String(placed.position)} of ${String(placed.of)}: ${describeRoute(parsed.route)}.`,
    'Routes from chat are tried before the routes file\'s.',
    hidesText(placed.hides),
  ].filter((p) => p !== '').join(' ');
}

/**
 * Adds a route from chat, after the others from chat and before the file's (the order it will be
 * tried in); refused when it could never match or its name is taken. Says where it went, and the
 * file's routes it hides entirely while it stands.
 */
export async function addChatRoute(route: ChatRoute, deps: CommandDeps): Promise<{ refused: string } | { position: number; of: number; hides: string[] }> {
  const chatRoutes = await deps.routes.list();
  const order = routesInOrder([...chatRoutes, route], deps.settings.routes);
  const problem = orderProblems(order).find((p) => p.startsWith(`route "${route.name}"`));
  if (problem !== undefined) return { refused: problem };
  if ((await deps.routes.add(route)) === 'exists') return { refused: `there is a route called **${route.name}** already` };
  deps.logger.info({ route: route.name }, 'route added in chat');
  return { position: chatRoutes.length + 1, of: order.length, hides: deps.settings.routes.filter((r) => covers(route, r)).map((r) => r.name) };
}

/** The routes of the file a route from chat hides, said plainly; '' when none. */
export function hidesText(hides: readonly string[]): string {
  return hides.length > 0 ? `The routes file's ${hides.map((n) => `**${n}**`).join(', ')} can no longer match any lead while it stands.` : '';
}

async function removeRoute(words: readonly string[], deps: CommandDeps): Promise<string> {
  const [name] = words;
  if (name === undefined) return 'Say which route: **route remove** *name* (**route list** shows them).';
  const inFile = deps.settings.routes.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (await deps.routes.remove(name)) {
    deps.logger.info({ route: name }, 'route removed in chat');
    return `Removed route **${name}**. Leads it took now go to the next route that matches them (**route list**).`;
  }
  if (inFile !== undefined) return `**${inFile.name}** is in the routes file (LEAD_ROUTES_FILE): change the file and restart the bot to remove it.`;
  return `There is no route called **${name.slice(0, 40)}**: **route list** shows them.`;
}

async function testRoute(words: readonly string[], deps: CommandDeps): Promise<string> {
  const [offerId, country, ...rest] = words;
  if (offerId === undefined || country === undefined) return `Say which lead: ${TEST_USAGE}.`;
  const code = countryCode(country);
  if (code === undefined) return `"${country.slice(0, 20)}" is not an ISO 3166 country code, such as KR, US or DE.`;
  // The action and the channel may come in either order: each word is one or the other.
  const action = rest.find((w): w is LeadAction => (LEAD_ACTIONS as readonly string[]).includes(w));
  const channel = rest.find((w): w is MarketplaceChannel => (MARKETPLACE_CHANNELS as readonly string[]).includes(w));
  const unknown = rest.find((w) => w !== action && w !== channel);
  if (unknown !== undefined || rest.length > 2) return `"${(unknown ?? rest.join(' ')).slice(0, 30)}" is neither a lead action (${LEAD_ACTIONS.join(', ')}) nor a marketplace channel (${MARKETPLACE_CHANNELS.join(', ')}): ${TEST_USAGE}.`;
  const lead = parseHttpsLead(routingProbe(offerId, code, action, channel));
  const title = `A lead for \`${offerId}\` from ${code}${[action, channel].some((w) => w !== undefined) ? ` (${[action, channel].filter((w) => w !== undefined).join(', ')})` : ''}:`;
  const untold = { actions: action === undefined, channels: channel === undefined } as const;
  const tried: string[] = [];
  for (const route of await allRoutes(deps)) {
    const field = mismatch(route, lead);
    if (field === undefined) return [title, ...tried, `**${route.name}** takes it → ${await describeReach(route.contacts, route.chats, deps)}`].join('\n\n');
    const hint = (field === 'actions' || field === 'channels') && untold[field] ? `: give the ${field === 'actions' ? 'action' : 'channel'} to test it` : '';
    tried.push(`- ${route.name}: not this one (${field}${hint})`);
  }
  const contacts = deps.settings.leadContacts;
  const fallback = contacts.length > 0 ? `No route takes it: LEAD_CONTACTS does → ${await describeReach(contacts, [], deps)}` : 'No route takes it and LEAD_CONTACTS is empty: it would go to the admins, marked "no route for this lead".';
  return [title, ...tried, fallback].join('\n\n');
}

/** Who would get a lead, and how: in Teams, by mail, or not at all (and why). */
async function describeReach(contacts: readonly string[], chats: readonly string[], deps: CommandDeps): Promise<string> {
  const { unreachable, missingChats } = resolveRecipients(await deps.installations.list(), { contacts, chats }, deps.settings.teamsTenantId);
  const mail = deps.settings.outlook;
  const why = { 'not-installed': mail === undefined ? 'no chat with the bot: not reached' : 'no chat with the bot: by mail', unsubscribed: 'turned cards off', 'not-a-member': mail === undefined ? 'a guest: not reached' : 'a guest: by mail' } as const;
  const people = contacts.map((c) => {
    const gap = unreachable.find((u) => u.contact === c);
    return gap === undefined ? `${c} (Teams${mail?.delivery === 'always' ? ' and mail' : ''})` : `${c} (${why[gap.reason]})`;
  });
  const rooms = chats.map((c) => `chat \`${c}\` (${missingChats.includes(c) ? 'the app is not there, or it turned cards off' : 'Teams'})`);
  return [...people, ...rooms].join(', ');
}
