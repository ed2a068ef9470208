import { setTimeout as sleep } from 'node:timers/promises';
import { formatTime } from '../language/times';
import { reminderCard } from '../cards/reminder-card';
import { rotationCard } from '../cards/rotation-card';
import { DAY_MS, parseCalendarDate } from '../timing/calendar-date';
import { CREDENTIAL_ID, type Credential, type CredentialKind } from '../reminders/credential';
import { credentialFacts, describeExpiry, reminderFor } from '../reminders/describe-credential';
import { daysLeft } from '../reminders/reminder-due';
import type { CardAction, Command, CommandDeps } from './command';
import type { Reader } from '../language/language';

/** How long "I've rotated it" waits for Graph: Teams wants an answer to a button within seconds. */
const GRAPH_WAIT_MS = 8_000;
const NO_LONGER_TRACKED = 'I no longer track this credential. Type **rotation** to see those I do.';
/** A date further out than this is a typo (secrets last up to 2 years in the portal). */
const MAX_YEARS_AHEAD = 10;
const USAGE =
  // Teams reads <…> as HTML and hides it: placeholders are in capitals.
  'Type **rotation set NAME YYYY-MM-DD** to set an expiry (for a password: the day it was last changed), **rotated NAME** after renewing one, ' +
  '**rotation add NAME YYYY-MM-DD** to track another credential, **rotation remove NAME** to stop.';

export const rotationCommand: Command = {
  name: 'rotation',
  koreanNames: ['교체'],
  usage: 'command.rotation.usage',
  summary: 'command.rotation.summary',
  takesArgument: true,
  adminsOnly: () => true,
  async run({ chat, argument, caller }, deps) {
    const [action = '', id = '', date = '', ...extra] = argument.split(/\s+/).filter((w) => w !== '');
    if (extra.length > 0 || !['', 'set', 'add', 'remove'].includes(action.toLowerCase())) {
      await chat.say(`I did not understand "rotation ${argument.slice(0, 80)}". ${USAGE}`);
      return;
    }
    switch (action.toLowerCase()) {
      case '':
        await chat.say({ card: await listCard(deps) });
        return;
      case 'set':
        await chat.say(await setDate(id, date, caller.name, deps));
        return;
      case 'add':
        await chat.say(await addCredential(id, date, caller.name, deps));
        return;
      default:
        await chat.say(await removeCredential(id, deps));
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
    const [id = '', date, ...extra] = argument.split(/\s+/).filter((w) => w !== '');
    const credential = extra.length > 0 ? undefined : await findCredential(id, deps);
    if (credential === undefined) {
      await chat.say(await unknownCredential(id, deps));
      return;
    }
    const outcome = await recordRotation(credential, date, caller.name, deps);
    await chat.say(outcome.message);
  },
};

/** "I've rotated it" on a reminder: records the date typed on the card, or reads Graph again. */
export const credentialRotatedAction: CardAction = {
  verb: 'credentialRotated',
  title: 'button.rotated',
  adminsOnly: true,
  async handle(_chat, data, caller, deps) {
    const credential = await credentialOf(data, deps);
    if (credential === undefined) return NO_LONGER_TRACKED;
    const newDate = (data as { newDate?: unknown }).newDate;
    const outcome = await recordRotation(credential, typeof newDate === 'string' && newDate !== '' ? newDate : undefined, caller.name, deps);
    if (outcome.credential === undefined) return outcome.message;
    const now = deps.now();
    return reminderCard({ ...reminderFor(outcome.credential, deps.settings, now), confirmation: outcome.message });
  },
};

/** "Snooze 1 day" on a reminder: quiet for a day, then one reminder. */
export const snoozeReminderAction: CardAction = {
  verb: 'snoozeReminder',
  title: 'button.snooze',
  adminsOnly: true,
  async handle(_chat, data, caller, deps) {
    const credential = await credentialOf(data, deps);
    if (credential === undefined) return NO_LONGER_TRACKED;
    const now = deps.now();
    const until = new Date(now.getTime() + DAY_MS);
    await deps.credentials.registry.snooze(credential.id, until);
    deps.logger.info({ credential: credential.id, until: until.toISOString() }, 'rotation reminder snoozed');
    const snoozed = { ...credential, snoozedUntil: until.toISOString() };
    return reminderCard({ ...reminderFor(snoozed, deps.settings, now), confirmation: `Snoozed by ${caller.name}: I will remind you again on ${formatTime(until.toISOString(), inEnglish(deps))}.` });
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
async function recordRotation(credential: Credential, dateText: string | undefined, by: string, deps: CommandDeps): Promise<Recorded> {
  if (credential.source === 'graph') return dateText === undefined ? rereadGraph(credential, deps) : { message: readFromGraph(credential) };
  const date = dateText === undefined ? (credential.kind === 'password' ? deps.now() : undefined) : parseCalendarDate(dateText);
  if (date === undefined) {
    return { message: dateText === undefined ? `When does the new one expire? Type **rotated ${credential.id} YYYY-MM-DD**.` : notADate(dateText) };
  }
  return recordDate(credential, date, by, deps);
}

async function setDate(id: string, dateText: string, by: string, deps: CommandDeps): Promise<string> {
  const credential = await findCredential(id, deps);
  if (credential === undefined) return unknownCredential(id, deps);
  if (credential.source === 'graph') return readFromGraph(credential);
  const date = parseCalendarDate(dateText);
  return date === undefined ? notADate(dateText) : (await recordDate(credential, date, by, deps)).message;
}

interface Recorded {
  readonly message: string;
  /** The credential as now recorded; absent when nothing was. */
  readonly credential?: Credential;
}

/** A date an admin gave: checked, recorded, confirmed. */
async function recordDate(credential: Credential, date: Date, by: string, deps: CommandDeps): Promise<Recorded> {
  const problem = checkDate(credential.kind, date, deps.now());
  if (problem !== undefined) return { message: problem };
  const recorded = await deps.credentials.record(credential, date, by);
  if (recorded === undefined) return { message: NO_LONGER_TRACKED };
  deps.logger.info({ credential: credential.id, expiresAt: recorded.expiresAt }, 'credential date recorded');
  const settingsHint = credential.builtIn ? " Make sure the new value is in the bot's settings; type validate to check." : '';
  return { message: `Recorded by ${by}: ${credential.name} ${describeExpiry(recorded, deps.now(), inEnglish(deps))}.${settingsHint}`, credential: recorded };
}

/** Reads Graph again for "I've rotated it"; a turn cannot wait long, so a slow Graph is left to the next check. */
async function rereadGraph(credential: Credential, deps: CommandDeps): Promise<Recorded> {
  const refreshed = await Promise.race([deps.credentials.refresh(credential.id), sleep(GRAPH_WAIT_MS, 'slow' as const, { ref: false })]);
  if (refreshed === 'slow') return { message: 'Graph is slow to answer. I read it again at the next check; type **rotation** then to see the new date.' };
  if (refreshed?.expiresAt !== undefined && refreshed.expiresAt !== credential.expiresAt) {
    return { message: `Graph now shows it ${describeExpiry(refreshed, deps.now(), inEnglish(deps))}.`, credential: refreshed };
  }
  return {
    message: `Graph still shows the one in the bot's settings expiring ${formatTime(credential.expiresAt ?? '', inEnglish(deps))}. Put the new value into the bot's settings and restart it (see the steps on the reminder); I read Graph again at the next check.`,
  };
}

function readFromGraph(credential: Credential): string {
  return `I read **${credential.id}**'s dates from Microsoft Graph at every check, so a typed date would not last. After renewing it, type **rotated ${credential.id}**.`;
}

/** The credential an admin named; anything that cannot be a name is not looked up. */
async function findCredential(name: string, deps: CommandDeps): Promise<Credential | undefined> {
  const id = name.toLowerCase();
  return CREDENTIAL_ID.test(id) ? deps.credentials.registry.get(id) : undefined;
}

async function addCredential(id: string, dateText: string, by: string, deps: CommandDeps): Promise<string> {
  const name = id.toLowerCase();
  if (!CREDENTIAL_ID.test(name)) return `"${id.slice(0, 60)}" cannot be a credential's name: use 2 to 40 lower-case letters, digits or "-", like **partner-center-key**.`;
  if ((await deps.credentials.registry.get(name)) !== undefined) return `I already track **${name}**. Type **rotation set ${name} YYYY-MM-DD** to change its expiry.`;
  const date = parseCalendarDate(dateText);
  if (date === undefined) return notADate(dateText);
  const problem = checkDate('other', date, deps.now());
  if (problem !== undefined) return problem;
  await deps.credentials.registry.ensure(name, name, 'other', false);
  const added = await deps.credentials.registry.get(name);
  const recorded = added === undefined ? undefined : await deps.credentials.record(added, date, by);
  if (recorded === undefined) return NO_LONGER_TRACKED;
  return `Now tracking **${name}**: it ${describeExpiry(recorded, deps.now(), inEnglish(deps))}. Admins get reminders 30, 14, 7, 3 and 1 days before, on the day, and daily after.`;
}

async function removeCredential(id: string, deps: CommandDeps): Promise<string> {
  const credential = await findCredential(id, deps);
  if (credential === undefined) return unknownCredential(id, deps);
  if (credential.builtIn) return `**${credential.id}** is one the bot signs in with, so it stays tracked. Only credentials added with **rotation add** can be removed.`;
  await deps.credentials.registry.remove(credential.id);
  return `Stopped tracking **${credential.id}**; no more reminders about it.`;
}

/** A date that parses but cannot be right for this credential; undefined when it can. */
function checkDate(kind: CredentialKind, date: Date, now: Date): string | undefined {
  if (kind === 'password' && date.getTime() > now.getTime()) {
    return `For a password, give the day it was last changed; ${date.toISOString().slice(0, 10)} is in the future.`;
  }
  if (date.getTime() > now.getTime() + MAX_YEARS_AHEAD * 365 * DAY_MS) return `${date.toISOString().slice(0, 10)} is more than ${String(MAX_YEARS_AHEAD)} years away; check the year.`;
  return undefined;
}

function notADate(text: string): string {
  return text === '' ? `Which date? ${USAGE}` : `"${text.slice(0, 40)}" is not a date; write it as YYYY-MM-DD, like 2027-03-31.`;
}

async function unknownCredential(id: string, deps: CommandDeps): Promise<string> {
  const ids = (await deps.credentials.registry.list()).map((c) => `**${c.id}**`);
  const known = ids.length === 0 ? 'I track no credential yet.' : `I track ${ids.join(', ')}.`;
  return `${id === '' ? 'Which credential?' : `I don't track "${id.slice(0, 40)}".`} ${known} ${USAGE}`;
}

async function listCard(deps: CommandDeps): Promise<ReturnType<typeof rotationCard>> {
  const now = deps.now();
  const credentials = await deps.credentials.registry.list();
  const adminChats = await deps.admins.adminChats();
  return rotationCard({
    generatedAt: now.toISOString(),
    credentials: credentials.map((c) => ({
      id: c.id,
      name: c.name,
      urgent: c.expiresAt !== undefined && daysLeft({ expiresAt: c.expiresAt, source: c.source }, now, deps.settings.reader.timeZone) <= 7,
      facts: credentialFacts(c, deps.settings, now),
    })),
    warning:
      adminChats.length === 0
        ? 'No admin has the app in a personal chat, so reminders reach nobody: each admin (ADMINS) should open the bot in Teams once.'
        : credentials.some((c) => c.expiresAt === undefined)
          ? 'Some expiry dates are not known: set them with **rotation set**, or let the bot read them from Microsoft Graph (docs/credential-reminders.md).'
          : '',
    usage: USAGE,
  }, inEnglish(deps));
}

/** `rotation` answers in English still (#14), its times in the team's zone. */
function inEnglish(deps: CommandDeps): Reader {
  return { language: 'en', timeZone: deps.settings.reader.timeZone };
}
