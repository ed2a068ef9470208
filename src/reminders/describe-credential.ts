import type { Reader } from '../language/language';
import { messagesIn } from '../language/messages';
import { formatTime } from '../language/times';
import type { ReminderCardInput } from '../cards/reminder-card';
import type { Fact } from '../cards/status-card';
import type { Settings } from '../config/settings';
import type { Credential } from './credential';
import { daysLeft, nextReminderAt, type Expiry } from './reminder-due';
import { DAY_MS } from '../timing/calendar-date';

/** Azure portal's recommended lifetime for a new client secret, suggested on "I've rotated it". */
const SUGGESTED_SECRET_DAYS = 180;

/** Where the date came from, in words. */
export function describeSource(credential: Credential): string {
  switch (credential.source) {
    case 'graph':
      return 'Microsoft Graph';
    case 'chat':
      // A fact's value renders markdown: a display name stays plain text.
      return `set in chat${credential.setBy === undefined ? '' : ` by ${credential.setBy.replace(/[[\]()*_`#<>~\\]/g, '')}`}`;
    case 'settings':
      return "the bot's settings";
    case undefined:
      return 'not known yet';
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
export function credentialFacts(credential: Credential, settings: Settings, now: Date): Fact[] {
  // The reminders are in English still (#14): the times in the team's zone all the same.
  const reader: Reader = { language: 'en', timeZone: settings.reader.timeZone };
  const facts: Fact[] = [];
  if (credential.expiresAt !== undefined) facts.push({ label: 'Expires', value: formatTime(credential.expiresAt, reader) });
  if (credential.changedAt !== undefined) facts.push({ label: 'Last changed', value: formatTime(credential.changedAt, reader) });
  if (credential.kind === 'password' && credential.builtIn) {
    const days = settings.reminders.passwordMaxAgeDays;
    facts.push({ label: 'Must change', value: days === 0 ? 'never (DYNAMICS_PASSWORD_MAX_AGE_DAYS=0)' : `every ${String(days)} days (DYNAMICS_PASSWORD_MAX_AGE_DAYS)` });
  }
  facts.push({ label: 'Known from', value: describeSource(credential) });
  if (credential.graphProblem !== undefined && credential.source !== 'graph') facts.push({ label: 'Graph', value: credential.graphProblem });
  const next = nextReminderAt(credential, now, reader.timeZone);
  const snoozed = credential.snoozedUntil !== undefined && Date.parse(credential.snoozedUntil) > now.getTime();
  if (next !== undefined) facts.push({ label: 'Next reminder', value: next.getTime() <= now.getTime() ? 'at the next check' : `${formatTime(next.toISOString(), reader)}${snoozed ? ' (snoozed)' : ''}` });
  return facts;
}

/** Exactly where to renew it, then where this bot reads it. */
export function rotationSteps(credential: Credential, settings: Settings): string[] {
  const d = settings.dynamics;
  const validate = 'Type **validate** here to check the whole path with the new value.';
  switch (credential.id) {
    case 'dynamics-secret':
      return [
        `Azure portal → Microsoft Entra ID → App registrations → the app ${d.auth === 'aad' ? d.clientId : ''} → Certificates & secrets → New client secret.`,
        "Put its Value into DYNAMICS_CLIENT_SECRET in this bot's settings (its Key Vault secret, or the App Service's environment variables) and restart the app.",
        `${validate} Then delete the old secret in the portal.`,
      ];
    case 'dynamics-password':
      return [
        `Microsoft 365 admin center → Users → Active users → ${d.auth === 'o365' ? d.username : 'the user'} → Reset password (or sign in as that user and change it).`,
        "Put the new password into DYNAMICS_PASSWORD in this bot's settings (its Key Vault secret, or the App Service's environment variables) and restart the app.",
        `${validate} The Azure AD app option (DYNAMICS_AUTH=aad) avoids this every ${String(settings.reminders.passwordMaxAgeDays)} days.`,
      ];
    case 'bot-secret':
      return [
        `Azure portal → Microsoft Entra ID → App registrations → the app ${settings.bot?.id ?? ''} → Certificates & secrets → New client secret.`,
        "Put its Value into BOT_PASSWORD in this bot's settings and restart the app.",
        'Message the bot: it answers only when the new secret works. Then delete the old secret in the portal.',
      ];
    default:
      return ['Renew it where it was issued.', "Press **I've rotated it** with its new expiry, or type **rotated** followed by its name."];
  }
}

/** What stops when it expires. */
function consequenceOf(credential: Credential): string {
  if (credential.id === 'dynamics-secret' || credential.id === 'dynamics-password') {
    return 'When it expires, no lead can be written to Dynamics: they wait safely in the queue until the new one is in the settings.';
  }
  if (credential.id === 'bot-secret') return 'When it expires, the bot can no longer post lead cards to Teams.';
  return '';
}

/** The reminder card's content for a credential, `now`. */
export function reminderFor(credential: Credential, settings: Settings, now: Date): ReminderCardInput {
  // The reminders are in English still (#14): the days and times in the team's zone all the same.
  const inEnglish: Reader = { language: 'en', timeZone: settings.reader.timeZone };
  const fromGraph = credential.source === 'graph';
  const isPassword = credential.kind === 'password';
  const suggested = isPassword ? now : new Date(now.getTime() + SUGGESTED_SECRET_DAYS * DAY_MS);
  return {
    credentialId: credential.id,
    name: credential.name,
    when: credential.expiresAt === undefined ? 'has no known expiry' : whenItExpires({ expiresAt: credential.expiresAt, source: credential.source }, now, inEnglish),
    urgent: credential.expiresAt !== undefined && daysLeft({ expiresAt: credential.expiresAt, source: credential.source }, now, settings.reader.timeZone) <= 3,
    consequence: consequenceOf(credential),
    facts: credentialFacts(credential, settings, now),
    steps: rotationSteps(credential, settings),
    // Graph knows the new date once the settings carry the new value; otherwise the admin says it.
    dateLabel: fromGraph ? '' : isPassword ? 'Changed on' : 'New expiry',
    suggestedDate: suggested.toISOString().slice(0, 10),
  };
}
