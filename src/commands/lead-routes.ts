import { resolveRecipients } from '../conversations/resolve-recipients';
import { parseHttpsLead } from '../leads/parse-https-lead';
import { countryCode, routingProbe } from '../routing/lead-traits';
import { covers, mismatch } from '../routing/match-route';
import { orderProblems, parseRoute } from '../routing/parse-routes';
import { LEAD_ACTIONS, MARKETPLACE_CHANNELS, MATCH_FIELDS, routesInOrder, type LeadAction, type MarketplaceChannel, type Route } from '../routing/route';
import type { ChatRoute } from '../storage/route-store';
import type { Command, CommandDeps, CommandRequest } from './command';
import { plainText } from './plain-text';
import { messagesIn, type Messages } from '../language/messages';

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
    const say = messagesIn(request.chat.reader.language);
    const [verb = '', ...rest] = plainText(request.argument).split(/\s+/).filter((w) => w !== '');
    const handlers: Readonly<Record<string, () => Promise<string>>> = {
      list: () => listRoutes(deps, say),
      add: () => addRoute(rest, request, deps, say),
      remove: () => removeRoute(rest, deps, say),
      test: () => testRoute(rest, deps, say),
    };
    const handler = handlers[verb.toLowerCase()];
    const usage = say('route.usage');
    await request.chat.say(handler === undefined ? (verb === '' ? usage : say('route.unknownVerb', { verb: verb.slice(0, 20), usage })) : await handler());
  },
};

/** Every route in the order they are tried (LEAD_CONTACTS after them). */
export async function allRoutes(deps: Pick<CommandDeps, 'routes' | 'settings'>): Promise<Route[]> {
  return routesInOrder(await deps.routes.list(), deps.settings.routes);
}

async function listRoutes(deps: CommandDeps, say: Messages): Promise<string> {
  const routes = await allRoutes(deps);
  const lines = routes.map((route, i) => `${String(i + 1)}. ${describeRoute(route, say)}`);
  const contacts = deps.settings.leadContacts;
  const last = contacts.length > 0 ? say('route.everyOtherLead', { contacts: contacts.join(', ') }) : say('route.everyOtherLeadToAdmins');
  return [say('route.listTitle'), ...lines, `${String(routes.length + 1)}. ${last}`].join('\n\n');
}

/** A route in one line: its name, what it matches, whom it sends to, how, and where it was set. */
export function describeRoute(route: Route, say: Messages): string {
  // The match fields are the routes file's own words, the same in every language.
  const match = MATCH_FIELDS.flatMap((field) => (route[field] === undefined ? [] : [`${field} ${route[field].map((v) => `\`${v}\``).join(', ')}`]));
  const to = [...route.contacts, ...route.chats.map((c) => say('route.chat', { id: c }))].join(', ');
  const mode = route.mode === 'round-robin' ? say('route.roundRobin', { minutes: String(route.claimWithinMinutes) }) : say('route.broadcast');
  const origin = route.origin.kind === 'file' ? say('route.fromFile') : say('route.fromChat', { by: route.origin.addedBy === '' ? 'none' : route.origin.addedBy, day: route.origin.addedAt.slice(0, 10) });
  return say('route.line', { name: route.name, match: match.length > 0 ? match.join('; ') : say('route.anyLead'), to, mode, origin });
}

async function addRoute(words: readonly string[], { chat, caller }: CommandRequest, deps: CommandDeps, say: Messages): Promise<string> {
  const [name, ...fields] = words;
  if (name === undefined || fields.length === 0) return say('route.addNeedsName', { usage: say('route.usage') });
  const raw: Record<string, unknown> = { name };
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) return say('route.notAField', { text: field.slice(0, 60) });
    const key = field.slice(0, eq);
    const values = field.slice(eq + 1).split(',').filter((v) => v !== '').map((v) => (key === 'chats' && v.toLowerCase() === 'here' ? chat.conversationId : v));
    raw[key] = key === 'mode' || key === 'name' ? values[0] : key === 'claimWithinMinutes' ? Number(values[0]) : values;
  }
  const parsed = parseRoute(raw, { kind: 'chat', addedBy: caller.displayName ?? '', addedAt: deps.now().toISOString() }, `route "${name.slice(0, 40)}"`, chat.conversationId);
  // The routes file's checker explains a problem in its own (English) words, as at start-up.
  if (parsed.problems !== undefined) return say('route.notAdded', { problems: parsed.problems.join('; ') });
  const placed = await addChatRoute(parsed.route as ChatRoute, deps, say);
  if ('refused' in placed) return say('route.notAdded', { problems: placed.refused });
  return [
    say('route.added', { position: placed.position, of: placed.of, route: describeRoute(parsed.route, say) }),
    say('route.chatRoutesFirst'),
    hidesText(placed.hides, say),
  ].filter((p) => p !== '').join(' ');
}

/**
 * Adds a route from chat, after the others from chat and before the file's (the order it will be
 * tried in); refused when it could never match or its name is taken. Says where it went, and the
 * file's routes it hides entirely while it stands.
 */
export async function addChatRoute(route: ChatRoute, deps: CommandDeps, say: Messages): Promise<{ refused: string } | { position: number; of: number; hides: string[] }> {
  const chatRoutes = await deps.routes.list();
  const order = routesInOrder([...chatRoutes, route], deps.settings.routes);
  const problem = orderProblems(order).find((p) => p.startsWith(`route "${route.name}"`));
  if (problem !== undefined) return { refused: problem };
  if ((await deps.routes.add(route)) === 'exists') return { refused: say('route.nameTaken', { name: route.name }) };
  deps.logger.info({ route: route.name }, 'route added in chat');
  return { position: chatRoutes.length + 1, of: order.length, hides: deps.settings.routes.filter((r) => covers(route, r)).map((r) => r.name) };
}

/** The routes of the file a route from chat hides, said plainly; '' when none. */
export function hidesText(hides: readonly string[], say: Messages): string {
  return hides.length > 0 ? say('route.hides', { names: hides.map((n) => `**${n}**`).join(', ') }) : '';
}

async function removeRoute(words: readonly string[], deps: CommandDeps, say: Messages): Promise<string> {
  const [name] = words;
  if (name === undefined) return say('route.removeWhich');
  const inFile = deps.settings.routes.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (await deps.routes.remove(name)) {
    deps.logger.info({ route: name }, 'route removed in chat');
    return say('route.removed', { name });
  }
  if (inFile !== undefined) return say('route.inFile', { name: inFile.name });
  return say('route.noSuchRoute', { name: name.slice(0, 40) });
}

async function testRoute(words: readonly string[], deps: CommandDeps, say: Messages): Promise<string> {
  const [offerId, country, ...rest] = words;
  const testUsage = say('route.testUsage');
  if (offerId === undefined || country === undefined) return say('route.testWhich', { usage: testUsage });
  const code = countryCode(country);
  if (code === undefined) return say('route.notACountry', { text: country.slice(0, 20) });
  // The action and the channel may come in either order: each word is one or the other.
  const action = rest.find((w): w is LeadAction => (LEAD_ACTIONS as readonly string[]).includes(w));
  const channel = rest.find((w): w is MarketplaceChannel => (MARKETPLACE_CHANNELS as readonly string[]).includes(w));
  const unknown = rest.find((w) => w !== action && w !== channel);
  if (unknown !== undefined || rest.length > 2) {
    return say('route.neitherActionNorChannel', { text: (unknown ?? rest.join(' ')).slice(0, 30), actions: LEAD_ACTIONS.join(', '), channels: MARKETPLACE_CHANNELS.join(', '), usage: testUsage });
  }
  const lead = parseHttpsLead(routingProbe(offerId, code, action, channel));
  const given = [action, channel].filter((w) => w !== undefined);
  const title = say('route.testTitle', { offer: offerId, country: code, given: given.length > 0 ? ` (${given.join(', ')})` : '' });
  const untold = { actions: action === undefined, channels: channel === undefined } as const;
  const tried: string[] = [];
  for (const route of await allRoutes(deps)) {
    const field = mismatch(route, lead);
    if (field === undefined) return [title, ...tried, say('route.takesIt', { name: route.name, reach: await describeReach(route.contacts, route.chats, deps, say) })].join('\n\n');
    const hint = (field === 'actions' || field === 'channels') && untold[field] ? field : 'none';
    tried.push(say('route.notThisOne', { name: route.name, field, hint }));
  }
  const contacts = deps.settings.leadContacts;
  const fallback = contacts.length > 0 ? say('route.leadContactsTake', { reach: await describeReach(contacts, [], deps, say) }) : say('route.nobodyTakes');
  return [title, ...tried, fallback].join('\n\n');
}

const REASON_WORD = { 'not-installed': 'notInstalled', unsubscribed: 'unsubscribed', 'not-a-member': 'guest' } as const;

/** Who would get a lead, and how: in Teams, by mail, or not at all (and why). */
async function describeReach(contacts: readonly string[], chats: readonly string[], deps: CommandDeps, say: Messages): Promise<string> {
  const { unreachable, missingChats } = resolveRecipients(await deps.installations.list(), { contacts, chats }, deps.settings.teamsTenantId);
  const mail = deps.settings.outlook;
  const byMail = mail === undefined ? 'no' : 'yes';
  const people = contacts.map((c) => {
    const gap = unreachable.find((u) => u.contact === c);
    if (gap === undefined) return say('route.reachTeams', { contact: c, mail: mail?.delivery === 'always' ? 'yes' : 'no' });
    // ICU select keys cannot hold "-": the reasons go in as words.
    return say('route.reachGap', { contact: c, reason: REASON_WORD[gap.reason], byMail });
  });
  const rooms = chats.map((c) => say(missingChats.includes(c) ? 'route.reachChatMissing' : 'route.reachChat', { id: c }));
  return [...people, ...rooms].join(', ');
}
