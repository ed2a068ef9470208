import { createHash } from 'node:crypto';
import type { ConversationKind } from '../conversations/installation-store';
import { resolveRecipients } from '../conversations/resolve-recipients';
import { orderProblems, parseRoute } from '../routing/parse-routes';
import { routesInOrder } from '../routing/route';
import type { ChatRoute } from '../storage/route-store';
import type { Command, CommandDeps, CommandRequest } from './command';
import { describeRoute } from './lead-routes';

/** Posting customer details to a channel or group chat is an admin's call; a person decides for their own chat. */
const adminsOutsidePersonalChats = (where: ConversationKind): boolean => where !== 'personal';

export const subscribeCommand: Command = {
  name: 'subscribe',
  usage: 'subscribe [offer ID | country CODE]',
  summary: "Get lead cards in this chat or channel: every lead, or one offer's or country's",
  takesArgument: true,
  adminsOnly: adminsOutsidePersonalChats,
  async run(request, deps) {
    const [what = '', value, ...extra] = request.argument.split(/\s+/).filter((w) => w !== '');
    if (what === '') return setSubscription(request, deps, true);
    const field = { offer: 'offers', country: 'countries' }[what.toLowerCase()];
    if (field === undefined || value === undefined || extra.length > 0) {
      await request.chat.say('Type **subscribe** for every lead, **subscribe offer** *offer id* (`contoso.sales-insights`, or a pattern such as `contoso.*`) or **subscribe country** *code* (KR).');
      return;
    }
    await subscribeTo(request, deps, field as 'offers' | 'countries', value);
  },
};

export const unsubscribeCommand: Command = {
  name: 'unsubscribe',
  usage: 'unsubscribe',
  summary: 'Stop lead cards in this chat or channel',
  takesArgument: false,
  adminsOnly: adminsOutsidePersonalChats,
  run: (request, deps) => setSubscription(request, deps, false),
};

const STATE: Readonly<Record<ConversationKind, { on: string; off: string }>> = {
  personal: { on: 'You get a card for every new lead.', off: 'You get no lead cards.' },
  groupChat: { on: 'This chat gets a card for every new lead.', off: 'This chat gets no lead cards.' },
  channel: { on: 'This channel gets a card for every new lead.', off: 'This channel gets no lead cards.' },
};

/** Idempotent: says whether anything changed, and always the state now. Unsubscribing also ends this chat's offer and country routes. */
async function setSubscription({ chat, where }: CommandRequest, deps: CommandDeps, subscribe: boolean): Promise<void> {
  const conversationId = chat.conversationId;
  const before = await deps.installations.get(conversationId);
  const wasGetting = before !== undefined && resolveRecipients([before], { contacts: deps.settings.leadContacts, chats: [] }, deps.settings.teamsTenantId).targets.length > 0;
  if (before !== undefined && before.subscribed !== subscribe) await deps.installations.setSubscribed(conversationId, subscribe);
  const ended = subscribe ? [] : await endChatSubscriptions(conversationId, deps);
  const changed = wasGetting !== subscribe || ended.length > 0;
  deps.logger.info({ where, subscribe, changed }, 'lead card subscription set');
  const next = subscribe ? 'Type **unsubscribe** to stop.' : 'Type **subscribe** to get them.';
  const routes = ended.length > 0 ? ` Removed ${ended.map((n) => `**${n}**`).join(', ')}.` : '';
  await chat.say(`${changed ? 'Done.' : 'Nothing to change.'}${routes} ${subscribe ? STATE[where].on : STATE[where].off} ${next}`);
}

/**
 * `subscribe offer …` / `subscribe country …`: a route from chat taking those leads to this chat
 * (a channel or group chat), or to the person (a personal chat). Tried before the routes file's,
 * so a team takes its own leads. A chat that had turned cards off gets them again.
 */
async function subscribeTo({ chat, where, caller }: CommandRequest, deps: CommandDeps, field: 'offers' | 'countries', value: string): Promise<void> {
  const here = await deps.installations.get(chat.conversationId);
  const person = here?.email ?? here?.userPrincipalName;
  if (here === undefined || (where === 'personal' && person === undefined)) {
    await chat.say('I do not know this chat yet (or your e-mail address in Teams): type **help** once, then try again.');
    return;
  }
  const name = `${value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'leads'}-${subscriptionTag(chat.conversationId)}`;
  const to = where === 'personal' ? { contacts: [person] } : { chats: [chat.conversationId] };
  const parsed = parseRoute({ name, [field]: [value], ...to }, { kind: 'chat', addedBy: caller.displayName ?? 'an admin', addedAt: deps.now().toISOString() }, `route "${name}"`, chat.conversationId);
  if (parsed.problems !== undefined) {
    await chat.say(`Not subscribed: ${parsed.problems.map((p) => p.replace(`route "${name}": `, '')).join('; ')}.`);
    return;
  }
  const route = parsed.route as ChatRoute;
  const existing = await deps.routes.list();
  const problem = orderProblems(routesInOrder([...existing, route], deps.settings.routes)).find((p) => p.startsWith(`route "${name}"`));
  if (problem !== undefined && !problem.includes('another route is called')) {
    await chat.say(`Not subscribed: ${problem}.`);
    return;
  }
  const added = (await deps.routes.add(route)) === 'added';
  if (here.subscribed === false) await deps.installations.clearSubscribed(chat.conversationId);
  deps.logger.info({ where, route: name, added }, 'chat subscribed to a route');
  const whose = where === 'personal' ? 'You get' : `This ${where === 'channel' ? 'channel' : 'chat'} gets`;
  await chat.say(
    `${added ? 'Done.' : 'Nothing to change.'} ${whose} the leads of ${field === 'offers' ? 'offer' : 'country'} \`${value}\`: ${describeRoute(route)}. ` +
      'Routes from chat are tried before the routes file\'s. Type **unsubscribe** to stop.',
  );
}

/** Ends the routes `subscribe offer/country` made for this chat; their names. */
async function endChatSubscriptions(conversationId: string, deps: CommandDeps): Promise<string[]> {
  const tag = `-${subscriptionTag(conversationId)}`;
  const mine = (await deps.routes.list()).filter((r) => r.name.endsWith(tag));
  for (const route of mine) await deps.routes.remove(route.name);
  return mine.map((r) => r.name);
}

/** A short, stable tag of a chat, ending the names of the routes it subscribed to. */
function subscriptionTag(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('hex').slice(0, 6);
}
