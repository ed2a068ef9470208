import type { Reader } from '../language/language';
import { messagesIn } from '../language/messages';
import { formatTime } from '../language/times';
import type { ReminderCardInput } from '../cards/reminder-card';
import type { Fact } from '../cards/status-card';
import type { Settings } from '../config/settings';
import type { Credential } from './credential';
import { daysLeft, nextReminderAt, type Expiry } from './reminder-due';
import { calendarDateIn, DAY_MS } from '../timing/calendar-date';

/** Azure portal's recommended lifetime for a new client secret, suggested on "I've rotated it". */
const SUGGESTED_SECRET_DAYS = 180;

/** A built-in credential's name in the reader's words; one an admin added is named as they typed it. */
export function credentialName(credential: Credential, settings: Settings, reader: Reader): string {
  const say = messagesIn(reader.language);
  if (!credential.builtIn) return credential.name;
  switch (credential.id) {
    case 'dynamics-secret':
      return say('credential.nameDynamicsSecret');
    case 'dynamics-password':
      return settings.dynamics.auth === 'o365' ? say('credential.nameDynamicsPassword', { username: settings.dynamics.username }) : credential.name;
    case 'bot-secret':
      return say('credential.nameBotSecret');
    default:
      return credential.name;
  }
}

/** Where the date came from, in words. */
export function describeSource(credential: Credential, reader: Reader): string {
  const say = messagesIn(reader.language);
  switch (credential.source) {
    case 'graph':
      return 'Microsoft Graph';
    case 'chat':
      // A fact's value renders markdown: a display name stays plain text.
      return credential.setBy === undefined ? say('credential.sourceChat') : say('credential.sourceChatBy', { name: credential.setBy.replace(/[[\]()*_`#<>~\\]/g, '') });
    case 'settings':
      return say('credential.sourceSettings');
    case undefined:
      return say('credential.sourceUnknown');
  }
}

/**
 * "expires in 7 days", "expires today", "expired 2 days ago". On the day, "expired today" once
 * past the exact time Graph gave; a typed date (a day, no time) reads "expires today" all day.
 */
export function whenItExpires(expiry: Expiry, now: Date, reader: Reader): string {
  const say = messagesIn(reader.language);
  const { expiresAt, source } = expiry;
  const left = daysLeft(expiry, now, reader.timeZone);
  if (left > 1) return say('credential.expiresInDays', { days: left });
  if (left === 1) return say('credential.expiresTomorrow');
  if (left === 0) return say(source === 'graph' && Date.parse(expiresAt) <= now.getTime() ? 'credential.expiredToday' : 'credential.expiresToday');
  return say('credential.expiredDaysAgo', { days: -left });
}

/** "expires in 12 days (2 Jan 2027, 00:00 UTC)", or why there is no date. */
export function describeExpiry(credential: Credential, now: Date, reader: Reader): string {
  const say = messagesIn(reader.language);
  if (credential.expiresAt !== undefined) return say('credential.expiry', { when: whenItExpires({ expiresAt: credential.expiresAt, source: credential.source }, now, reader), date: formatTime(credential.expiresAt, reader) });
  if (credential.changedAt !== undefined) return say('credential.neverExpires');
  return say('credential.noExpiry', { id: credential.id });
}

/** The facts shown about a credential on the reminder and in `rotation`. */
export function credentialFacts(credential: Credential, settings: Settings, now: Date, reader: Reader): Fact[] {
  const say = messagesIn(reader.language);
  const facts: Fact[] = [];
  if (credential.expiresAt !== undefined) facts.push({ label: say('credential.factExpires'), value: formatTime(credential.expiresAt, reader) });
  if (credential.changedAt !== undefined) facts.push({ label: say('credential.factLastChanged'), value: formatTime(credential.changedAt, reader) });
  if (credential.kind === 'password' && credential.builtIn) {
    const days = settings.reminders.passwordMaxAgeDays;
    facts.push({ label: say('credential.factMustChange'), value: days === 0 ? say('credential.mustChangeNever') : say('credential.mustChangeEvery', { days: String(days) }) });
  }
  facts.push({ label: say('credential.factKnownFrom'), value: describeSource(credential, reader) });
  // Graph's problem is kept as recorded, like a service's own words.
  if (credential.graphProblem !== undefined && credential.source !== 'graph') facts.push({ label: 'Graph', value: credential.graphProblem });
  const next = nextReminderAt(credential, now, reader.timeZone);
  const snoozed = credential.snoozedUntil !== undefined && Date.parse(credential.snoozedUntil) > now.getTime();
  if (next !== undefined) {
    const time = formatTime(next.toISOString(), reader);
    facts.push({ label: say('credential.factNextReminder'), value: next.getTime() <= now.getTime() ? say('credential.nextAtNextCheck') : snoozed ? say('credential.nextSnoozed', { time }) : time });
  }
  return facts;
}

/** Exactly where to renew it, then where this bot reads it. */
export function rotationSteps(credential: Credential, settings: Settings, reader: Reader): string[] {
  const say = messagesIn(reader.language);
  const d = settings.dynamics;
  // The `d.auth` checks narrow the settings' type: each credential exists only with its own option.
  switch (credential.id) {
    case 'dynamics-secret':
      return [say('rotationSteps.newSecret', { app: d.auth === 'aad' ? d.clientId : '' }), say('rotationSteps.dynamicsSecretSetting'), say('rotationSteps.validateThenDelete')];
    case 'dynamics-password':
      return [
        say('rotationSteps.resetPassword', { user: d.auth === 'o365' ? d.username : '' }),
        say('rotationSteps.dynamicsPasswordSetting'),
        say('rotationSteps.validateAvoidPasswords', { days: String(settings.reminders.passwordMaxAgeDays) }),
      ];
    case 'bot-secret':
      return [say('rotationSteps.newSecret', { app: settings.bot?.id ?? '' }), say('rotationSteps.botSecretSetting'), say('rotationSteps.messageTheBot')];
    default:
      return [say('rotationSteps.renewWhereIssued'), say('rotationSteps.pressRotated')];
  }
}

/** What stops when it expires. */
function consequenceOf(credential: Credential, reader: Reader): string {
  const say = messagesIn(reader.language);
  if (credential.id === 'dynamics-secret' || credential.id === 'dynamics-password') return say('credential.consequenceDynamics');
  if (credential.id === 'bot-secret') return say('credential.consequenceBot');
  return '';
}

/** The reminder card's content for a credential, `now`, in the reader's words and zone. */
export function reminderFor(credential: Credential, settings: Settings, now: Date, reader: Reader): ReminderCardInput {
  const say = messagesIn(reader.language);
  const fromGraph = credential.source === 'graph';
  const isPassword = credential.kind === 'password';
  const suggested = isPassword ? now : new Date(now.getTime() + SUGGESTED_SECRET_DAYS * DAY_MS);
  return {
    credentialId: credential.id,
    name: credentialName(credential, settings, reader),
    when: credential.expiresAt === undefined ? say('credential.noKnownExpiry') : whenItExpires({ expiresAt: credential.expiresAt, source: credential.source }, now, reader),
    urgent: credential.expiresAt !== undefined && daysLeft({ expiresAt: credential.expiresAt, source: credential.source }, now, reader.timeZone) <= 3,
    consequence: consequenceOf(credential, reader),
    facts: credentialFacts(credential, settings, now, reader),
    steps: rotationSteps(credential, settings, reader),
    // Graph knows the new date once the settings carry the new value; otherwise the admin says it.
    dateLabel: fromGraph ? '' : say(isPassword ? 'credential.changedOn' : 'credential.newExpiry'),
    // The day as the team's calendar has it: a date picker shows a day, not an instant.
    suggestedDate: calendarDateIn(suggested, reader.timeZone),
  };
}
