import { createHash } from 'node:crypto';
import { addressesOf, type ConversationKind } from '../conversations/installation-store';
import { isLanguage, type Language } from '../language/language';
import { message, messagesIn, type Messages } from '../language/messages';
import { parseRoute } from '../routing/parse-routes';
import { peopleWithOwnLeads } from '../routing/route-lead';
import type { ChatRoute } from '../storage/route-store';
import type { Command, CommandDeps, CommandRequest } from './command';
import { addChatRoute, allRoutes, describeRoute, hidesText } from './lead-routes';
import { plainText } from './plain-text';

/** Posting customer details to a channel or group chat is an admin's call; a person decides for their own chat. */
const adminsOutsidePersonalChats = (where: ConversationKind): boolean => where !== 'personal';

export const subscribeCommand: Command = {
  name: 'subscribe',
  koreanNames: ['구독'],
  usage: 'command.subscribe.usage',
  summary: 'command.subscribe.summary',
  takesArgument: true,
  adminsOnly: adminsOutsidePersonalChats,
  async run(request, deps) {
    const [what = '', value, ...extra] = plainText(request.argument).split(/\s+/).filter((w) => w !== '');
    if (what === '') return setSubscription(request, deps, true);
    const choice = choiceNamed(what);
    if (choice !== undefined && value === undefined) return setChoice(request, deps, choice, true);
    const language = what.toLowerCase();
    if (isLanguage(language) && value === undefined) return chooseLanguage(request, deps, language);
    const field = { offer: 'offers', country: 'countries' }[what.toLowerCase()];
    if (field === undefined || value === undefined || extra.length > 0) {
      await request.chat.say(message(request.chat.reader.language, 'subscription.hint'));
      return;
    }
    if (request.where === 'personal') {
      // A person taking an offer's leads from its team is the admins' call: a route names them.
      await request.chat.say(message(request.chat.reader.language, 'subscription.offerInPersonal'));
      return;
    }
    await subscribeTo(request, deps, field as 'offers' | 'countries', value);
  },
};

export const unsubscribeCommand: Command = {
  name: 'unsubscribe',
  koreanNames: ['구독취소', '구독해지'],
  usage: 'command.unsubscribe.usage',
  summary: 'command.unsubscribe.summary',
  takesArgument: true,
  adminsOnly: adminsOutsidePersonalChats,
  async run(request, deps) {
    const what = plainText(request.argument).trim();
    if (what === '') return setSubscription(request, deps, false);
    const choice = choiceNamed(what);
    if (choice !== undefined) return setChoice(request, deps, choice, false);
    await request.chat.say(message(request.chat.reader.language, 'subscription.unsubscribeHint'));
  },
};

/** What `subscribe` / `unsubscribe` may name besides lead cards: escalations or the daily digest, in English or Korean. */
function choiceNamed(word: string): 'escalations' | 'digest' | undefined {
  const w = word.toLowerCase();
  if (['escalations', 'escalation', '에스컬레이션'].includes(w)) return 'escalations';
  return ['digest', '요약'].includes(w) ? 'digest' : undefined;
}

/**
 * `subscribe escalations` in a channel or group chat (an admin's call): the leads nobody claimed
 * within ESCALATE_TO_ADMINS_AFTER_MINUTES come here as well as to the admins' own chats; not in a
 * personal chat, where an admin has them already. `subscribe digest` (an admin, anywhere): the
 * daily digest at DIGEST_HOUR, every seller's figures in it.
 */
async function setChoice({ chat, where, caller }: CommandRequest, deps: CommandDeps, choice: 'escalations' | 'digest', on: boolean): Promise<void> {
  const say = messagesIn(chat.reader.language);
  if (choice === 'escalations' && where === 'personal') {
    await chat.say(say('subscription.escalationsInPersonal'));
    return;
  }
  // Anyone may stop it in their own chat; only an admin starts it (every seller's figures are in it).
  if (choice === 'digest' && on && !caller.isAdmin) {
    await chat.say(say('subscription.digestAdminsOnly'));
    return;
  }
  const here = await deps.installations.get(chat.conversationId);
  if (here === undefined) {
    await chat.say(say('subscription.unknownChat'));
    return;
  }
  const changed = (here[choice] === true) !== on;
  if (changed) await deps.installations.setChoice(chat.conversationId, choice, on);
  deps.logger.info({ where, [choice]: on, changed }, `${choice} subscription set`);
  await chat.say([say(changed ? 'subscription.done' : 'subscription.unchanged'), choiceState(choice, on, where, deps, say)].join(' '));
}

function choiceState(choice: 'escalations' | 'digest', on: boolean, where: ConversationKind, deps: CommandDeps, say: Messages): string {
  if (choice === 'digest') return on ? say('subscription.digest', { where, hour: String(deps.settings.digestHour).padStart(2, '0'), zone: deps.settings.reader.timeZone }) : say('subscription.noDigest', { where });
  const minutes = deps.settings.escalation.toAdminsAfterMinutes;
  if (!on) return say('subscription.noEscalations', { where });
  return minutes === 0 ? say('subscription.escalationsOff') : say('subscription.escalations', { where, minutes: String(minutes) });
}

/**
 * `subscribe ko` / `subscribe en`: the language the bot writes in here from now on (lead cards,
 * answers, notices), whatever BOT_LANGUAGE or the person's Teams says. Only the language: which
 * leads come here stays as it was. Answered in the new language.
 */
async function chooseLanguage({ chat, where }: CommandRequest, deps: CommandDeps, language: Language): Promise<void> {
  await deps.installations.setLanguage(chat.conversationId, language);
  deps.logger.info({ where, language }, "chat's language chosen");
  await chat.say(message(language, 'subscription.language', { where }));
}

/**
 * Cards on or off here. Someone (or a chat) a route or LEAD_CONTACTS names gets back the leads
 * routed to them; anyone else subscribes to every lead. Idempotent: says whether anything
 * changed, and always the state now. Unsubscribing also ends this chat's offer and country routes.
 */
async function setSubscription({ chat, where }: CommandRequest, deps: CommandDeps, subscribe: boolean): Promise<void> {
  const conversationId = chat.conversationId;
  const before = await deps.installations.get(conversationId);
  const routes = await allRoutes(deps);
  const routed =
    where === 'personal'
      ? addressesOf(before).some((a) => peopleWithOwnLeads(routes, deps.settings.leadContacts).includes(a))
      : routes.some((r) => r.chats.includes(conversationId));
  const next = !subscribe ? false : routed ? undefined : true;
  if (before !== undefined && before.subscribed !== next) {
    if (next === undefined) await deps.installations.clearSubscribed(conversationId);
    else await deps.installations.setSubscribed(conversationId, next);
  }
  const ended = subscribe ? [] : await endChatSubscriptions(conversationId, deps);
  // Whether cards come here, before and now: what the person asked about, whatever the flag's value.
  const gets = (subscribed: boolean | undefined): boolean => (routed ? subscribed !== false : subscribed === true);
  const changed = gets(before?.subscribed) !== gets(next) || ended.length > 0;
  deps.logger.info({ where, subscribe, routed, changed }, 'lead card subscription set');
  const say = messagesIn(chat.reader.language);
  const state = say(!subscribe ? 'subscription.none' : routed ? 'subscription.routed' : 'subscription.everyLead', { where });
  const removed = ended.length > 0 ? [say('subscription.removed', { names: ended.map((n) => `**${n}**`).join(', ') })] : [];
  await chat.say([say(changed ? 'subscription.done' : 'subscription.unchanged'), ...removed, state, say(subscribe ? 'subscription.toStop' : 'subscription.toStart')].join(' '));
}

/**
 * `subscribe offer …` / `subscribe country …` in a channel or group chat: a route from chat taking
 * those leads here, tried before the routes file's, so a team takes its own leads. A chat that
 * had every lead, or none, gets just these.
 */
async function subscribeTo({ chat, where, caller }: CommandRequest, deps: CommandDeps, field: 'offers' | 'countries', value: string): Promise<void> {
  const say = messagesIn(chat.reader.language);
  const here = await deps.installations.get(chat.conversationId);
  if (here === undefined) {
    await chat.say(say('subscription.unknownChat'));
    return;
  }
  const name = `${value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30) || 'leads'}-${subscriptionTag(chat.conversationId)}`;
  const parsed = parseRoute({ name, [field]: [value], chats: [chat.conversationId] }, { kind: 'chat', addedBy: caller.displayName ?? '', addedAt: deps.now().toISOString() }, `route "${name}"`, chat.conversationId);
  if (parsed.problems !== undefined) {
    await chat.say(say('subscription.notSubscribed', { problems: parsed.problems.map((p) => p.replace(`route "${name}": `, '')).join('; ') }));
    return;
  }
  const route = parsed.route as ChatRoute;
  const already = (await deps.routes.list()).some((r) => r.name === name);
  const placed = already ? undefined : await addChatRoute(route, deps, say);
  if (placed !== undefined && 'refused' in placed) {
    await chat.say(say('subscription.notSubscribed', { problems: placed.refused }));
    return;
  }
  if (here.subscribed !== undefined) await deps.installations.clearSubscribed(chat.conversationId);
  deps.logger.info({ where, route: name, added: !already }, 'chat subscribed to a route');
  const takes = say('subscription.takes', { where, field, value, instead: here.subscribed === true ? 'yes' : 'no', route: describeRoute(route, say) });
  await chat.say(
    [say(already ? 'subscription.unchanged' : 'subscription.done'), takes, say('route.chatRoutesFirst'), hidesText(placed?.hides ?? [], say), say('subscription.toStop')].filter((p) => p !== '').join(' '),
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
