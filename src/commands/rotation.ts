import { setTimeout as sleep } from 'node:timers/promises';
import { formatTime } from '../language/times';
import { messagesIn, type Messages } from '../language/messages';
import type { Reader } from '../language/language';
import { reminderCard } from '../cards/reminder-card';
import { rotationCard } from '../cards/rotation-card';
import { calendarDateIn, DAY_MS, parseCalendarDate } from '../timing/calendar-date';
import { CREDENTIAL_ID, type Credential, type CredentialKind } from '../reminders/credential';
import { credentialFacts, credentialName, describeExpiry, reminderFor } from '../reminders/describe-credential';
import { daysLeft } from '../reminders/reminder-due';
import type { CardAction, Command, CommandDeps } from './command';

/** How long "I've rotated it" waits for Graph: Teams wants an answer to a button within seconds. */
const GRAPH_WAIT_MS = 8_000;
/** A date further out than this is a typo (secrets last up to 2 years in the portal). */
const MAX_YEARS_AHEAD = 10;

/** What the commands need to answer one admin: the store and clock, and the admin's words and zone. */
interface Asked {
  readonly deps: CommandDeps;
  readonly reader: Reader;
  readonly say: Messages;
}

function asked(deps: CommandDeps, reader: Reader): Asked {
  return { deps, reader, say: messagesIn(reader.language) };
}

export const rotationCommand: Command = {
  name: 'rotation',
  koreanNames: ['교체'],
  usage: 'command.rotation.usage',
  summary: 'command.rotation.summary',
  takesArgument: true,
  adminsOnly: () => true,
  async run({ chat, argument, caller }, deps) {
    const a = asked(deps, chat.reader);
    const [action = '', id = '', date = '', ...extra] = argument.split(/\s+/).filter((w) => w !== '');
    if (extra.length > 0 || !['', 'set', 'add', 'remove'].includes(action.toLowerCase())) {
      await chat.say(a.say('rotation.notUnderstood', { text: argument.slice(0, 80), usage: a.say('rotation.usage') }));
      return;
    }
    switch (action.toLowerCase()) {
      case '':
        await chat.say({ card: await listCard(a) });
        return;
      case 'set':
        await chat.say(await setDate(id, date, caller.name, a));
        return;
      case 'add':
        await chat.say(await addCredential(id, date, caller.name, a));
        return;
      default:
        await chat.say(await removeCredential(id, a));
    }
  },
};

export const rotatedCommand: Command = {
  name: 'rotated',
  koreanNames: ['교체완료'],
  usage: 'command.rotated.usage',
  summary: 'command.rotated.summary',
  takesArgument: true,
  adminsOnly: () => true,
  // The reminder card's "Rotated" button is the usual way in.
  notInMenu: true,
  async run({ chat, argument, caller }, deps) {
    const a = asked(deps, chat.reader);
    const [id = '', date, ...extra] = argument.split(/\s+/).filter((w) => w !== '');
    const credential = extra.length > 0 ? undefined : await findCredential(id, deps);
    if (credential === undefined) {
      await chat.say(await unknownCredential(id, a));
      return;
    }
    const outcome = await recordRotation(credential, date, caller.name, a);
    await chat.say(outcome.message);
  },
};

/** "I've rotated it" on a reminder: records the date typed on the card, or reads Graph again. */
export const credentialRotatedAction: CardAction = {
  verb: 'credentialRotated',
  title: 'button.rotated',
  adminsOnly: true,
  async handle(chat, data, caller, deps) {
    const a = asked(deps, chat.reader);
    const credential = await credentialOf(data, deps);
    if (credential === undefined) return a.say('rotation.noLongerTracked');
    const newDate = (data as { newDate?: unknown }).newDate;
    const outcome = await recordRotation(credential, typeof newDate === 'string' && newDate !== '' ? newDate : undefined, caller.name, a);
    if (outcome.credential === undefined) return outcome.message;
    return reminderCard({ ...reminderFor(outcome.credential, deps.settings, deps.now(), a.reader), confirmation: outcome.message }, a.reader);
  },
};

/** "Snooze 1 day" on a reminder: quiet for a day, then one reminder. */
export const snoozeReminderAction: CardAction = {
  verb: 'snoozeReminder',
  title: 'button.snooze',
  adminsOnly: true,
  async handle(chat, data, caller, deps) {
    const a = asked(deps, chat.reader);
    const credential = await credentialOf(data, deps);
    if (credential === undefined) return a.say('rotation.noLongerTracked');
    const now = deps.now();
    const until = new Date(now.getTime() + DAY_MS);
    await deps.credentials.registry.snooze(credential.id, until);
    deps.logger.info({ credential: credential.id, until: until.toISOString() }, 'rotation reminder snoozed');
    const snoozed = { ...credential, snoozedUntil: until.toISOString() };
    const confirmation = a.say('rotation.snoozed', { name: caller.name, time: formatTime(until.toISOString(), a.reader) });
    return reminderCard({ ...reminderFor(snoozed, deps.settings, now, a.reader), confirmation }, a.reader);
  },
};

async function credentialOf(data: unknown, deps: CommandDeps): Promise<Credential | undefined> {
  const id = (data as { credentialId?: unknown } | undefined)?.credentialId;
  return typeof id === 'string' ? findCredential(id, deps) : undefined;
}

/**
 * Records a renewal. A credential Graph knows is read again (Graph sees the new secret once the
 * settings carry it); a password was changed now unless a date is given; any other needs its
 * new expiry.
 */
async function recordRotation(credential: Credential, dateText: string | undefined, by: string, a: Asked): Promise<Recorded> {
  if (credential.source === 'graph') return dateText === undefined ? rereadGraph(credential, a) : { message: a.say('rotation.readFromGraph', { id: credential.id }) };
  const date = dateText === undefined ? (credential.kind === 'password' ? a.deps.now() : undefined) : parseCalendarDate(dateText);
  if (date === undefined) {
    return { message: dateText === undefined ? a.say('rotation.whenNewExpires', { id: credential.id }) : notADate(dateText, a.say) };
  }
  return recordDate(credential, date, by, a);
}

async function setDate(id: string, dateText: string, by: string, a: Asked): Promise<string> {
  const credential = await findCredential(id, a.deps);
  if (credential === undefined) return unknownCredential(id, a);
  if (credential.source === 'graph') return a.say('rotation.readFromGraph', { id: credential.id });
  const date = parseCalendarDate(dateText);
  return date === undefined ? notADate(dateText, a.say) : (await recordDate(credential, date, by, a)).message;
}

interface Recorded {
  readonly message: string;
  /** The credential as now recorded; absent when nothing was. */
  readonly credential?: Credential;
}

/** A date an admin gave: checked, recorded, confirmed. */
async function recordDate(credential: Credential, date: Date, by: string, a: Asked): Promise<Recorded> {
  const problem = dateProblem(credential.kind, date, a.deps.now(), a.reader.timeZone, a.say);
  if (problem !== undefined) return { message: problem };
  const recorded = await a.deps.credentials.record(credential, date, by);
  if (recorded === undefined) return { message: a.say('rotation.noLongerTracked') };
  a.deps.logger.info({ credential: credential.id, expiresAt: recorded.expiresAt }, 'credential date recorded');
  const values = { by, name: credentialName(recorded, a.deps.settings, a.reader), expiry: describeExpiry(recorded, a.deps.now(), a.reader) };
  return { message: a.say(credential.builtIn ? 'rotation.recordedBuiltIn' : 'rotation.recorded', values), credential: recorded };
}

/** Reads Graph again for "I've rotated it"; a turn cannot wait long, so a slow Graph is left to the next check. */
async function rereadGraph(credential: Credential, a: Asked): Promise<Recorded> {
  const refreshed = await Promise.race([a.deps.credentials.refresh(credential.id), sleep(GRAPH_WAIT_MS, 'slow' as const, { ref: false })]);
  if (refreshed === 'slow') return { message: a.say('rotation.graphSlow') };
  if (refreshed?.expiresAt !== undefined && refreshed.expiresAt !== credential.expiresAt) {
    return { message: a.say('rotation.graphNow', { expiry: describeExpiry(refreshed, a.deps.now(), a.reader) }), credential: refreshed };
  }
  return { message: a.say('rotation.graphStill', { time: formatTime(credential.expiresAt ?? '', a.reader) }) };
}

/** The credential an admin named; anything that cannot be a name is not looked up. */
async function findCredential(name: string, deps: CommandDeps): Promise<Credential | undefined> {
  const id = name.toLowerCase();
  return CREDENTIAL_ID.test(id) ? deps.credentials.registry.get(id) : undefined;
}

async function addCredential(id: string, dateText: string, by: string, a: Asked): Promise<string> {
  const { deps, say } = a;
  const name = id.toLowerCase();
  if (!CREDENTIAL_ID.test(name)) return say('rotation.badName', { text: id.slice(0, 60) });
  if ((await deps.credentials.registry.get(name)) !== undefined) return say('rotation.alreadyTracked', { id: name });
  const date = parseCalendarDate(dateText);
  if (date === undefined) return notADate(dateText, say);
  const problem = dateProblem('other', date, deps.now(), a.reader.timeZone, say);
  if (problem !== undefined) return problem;
  await deps.credentials.registry.ensure(name, name, 'other', false);
  const added = await deps.credentials.registry.get(name);
  const recorded = added === undefined ? undefined : await deps.credentials.record(added, date, by);
  if (recorded === undefined) return say('rotation.noLongerTracked');
  return say('rotation.added', { id: name, expiry: describeExpiry(recorded, deps.now(), a.reader) });
}

async function removeCredential(id: string, a: Asked): Promise<string> {
  const credential = await findCredential(id, a.deps);
  if (credential === undefined) return unknownCredential(id, a);
  if (credential.builtIn) return a.say('rotation.builtInStays', { id: credential.id });
  await a.deps.credentials.registry.remove(credential.id);
  return a.say('rotation.removed', { id: credential.id });
}

/** A date that parses but cannot be right for this credential, in the reader's words; undefined when it can. */
export function dateProblem(kind: CredentialKind, date: Date, now: Date, timeZone: string, say: Messages): string | undefined {
  const day = date.toISOString().slice(0, 10);
  // A typed day is a day on the team's calendar: today in Seoul is not in the future at 08:00 KST.
  if (kind === 'password' && day > calendarDateIn(now, timeZone)) return say('rotation.passwordInFuture', { date: day });
  if (date.getTime() > now.getTime() + MAX_YEARS_AHEAD * 365 * DAY_MS) return say('rotation.tooFar', { date: day, years: String(MAX_YEARS_AHEAD) });
  return undefined;
}

function notADate(text: string, say: Messages): string {
  return text === '' ? say('rotation.whichDate', { usage: say('rotation.usage') }) : say('rotation.notADate', { text: text.slice(0, 40) });
}

async function unknownCredential(id: string, a: Asked): Promise<string> {
  const ids = (await a.deps.credentials.registry.list()).map((c) => `**${c.id}**`);
  const values = {
    text: id.slice(0, 40),
    known: ids.length === 0 ? a.say('rotation.trackNone') : a.say('rotation.trackThese', { ids: ids.join(', ') }),
    usage: a.say('rotation.usage'),
  };
  return a.say(id === '' ? 'rotation.whichCredential' : 'rotation.unknownCredential', values);
}

async function listCard(a: Asked): Promise<ReturnType<typeof rotationCard>> {
  const { deps, reader, say } = a;
  const now = deps.now();
  const credentials = await deps.credentials.registry.list();
  const adminChats = await deps.admins.adminChats();
  return rotationCard({
    generatedAt: now.toISOString(),
    credentials: credentials.map((c) => ({
      id: c.id,
      name: credentialName(c, deps.settings, reader),
      urgent: c.expiresAt !== undefined && daysLeft({ expiresAt: c.expiresAt, source: c.source }, now, reader.timeZone) <= 7,
      facts: credentialFacts(c, deps.settings, now, reader),
    })),
    warning: adminChats.length === 0 ? say('rotation.noAdminChat') : credentials.some((c) => c.expiresAt === undefined) ? say('rotation.someUnknown') : '',
    usage: say('rotation.usage'),
  }, reader);
}
