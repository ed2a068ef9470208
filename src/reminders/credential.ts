import type { Settings } from '../config/settings';
import { DAY_MS } from '../timing/calendar-date';

export type CredentialKind = 'client-secret' | 'password' | 'other';

/** Where the expiry came from: read from Microsoft Graph, typed in chat, or the bot's settings. */
export type ExpirySource = 'graph' | 'chat' | 'settings';

/** A credential the bot reminds admins to rotate, as the registry keeps it. */
export interface Credential {
  /** Typed in chat: dynamics-secret, dynamics-password, bot-secret, or a name an admin chose. */
  readonly id: string;
  readonly name: string;
  readonly kind: CredentialKind;
  /** One the bot itself signs in with (from its settings); an admin cannot remove it. */
  readonly builtIn: boolean;
  readonly expiresAt: string | undefined;
  /** Passwords: when it was last changed (the expiry follows from the maximum age). */
  readonly changedAt: string | undefined;
  readonly source: ExpirySource | undefined;
  /** Who typed the date, when it came from chat. */
  readonly setBy: string | undefined;
  /** Why Graph could not tell the expiry, in words, while it cannot. */
  readonly graphProblem: string | undefined;
  /** "Snooze 1 day": no reminder until then, and one then. */
  readonly snoozedUntil: string | undefined;
  /** Reminders already sent (see reminder-due.ts); each is sent once. */
  readonly sent: readonly string[];
  /** The stored row's version, for updates that must not overwrite a change made meanwhile. */
  readonly etag?: string;
}

/** How Graph can tell a built-in credential's expiry (docs/domain.md §4). */
export type GraphSource =
  | { readonly type: 'app-secret'; readonly authority: string; readonly appId: string; readonly secret: string }
  | { readonly type: 'own-password'; readonly authority: string; readonly clientId: string; readonly username: string; readonly password: string };

/** A credential the bot signs in with, known from its settings. */
export interface BuiltInCredential {
  readonly id: string;
  readonly name: string;
  readonly kind: CredentialKind;
  /** Expiry (secrets) or last change (passwords) from settings, if given there. */
  readonly settingsDate: string | undefined;
  readonly graph: GraphSource | undefined;
}

/** Names an admin may give a credential of their own: they type it in commands. */
export const CREDENTIAL_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;

/** The credentials in the bot's own settings: Dynamics' (either option) and the bot's secret. */
export function builtInCredentials(settings: Settings, dataverseClientId: string): BuiltInCredential[] {
  const found: BuiltInCredential[] = [];
  const d = settings.dynamics;
  const dynamicsAuthority = (tenant: string): string => `${d.authorityHost}/${tenant}`;
  if (d.auth === 'aad') {
    found.push({
      id: 'dynamics-secret',
      name: 'Dynamics client secret',
      kind: 'client-secret',
      settingsDate: settings.reminders.dynamicsSecretExpires,
      graph: { type: 'app-secret', authority: dynamicsAuthority(d.tenantId), appId: d.clientId, secret: d.clientSecret },
    });
  } else {
    found.push({
      id: 'dynamics-password',
      name: `Office 365 password of ${d.username}`,
      kind: 'password',
      settingsDate: settings.reminders.dynamicsPasswordChanged,
      graph: {
        type: 'own-password',
        authority: dynamicsAuthority(d.username.slice(d.username.indexOf('@') + 1)),
        clientId: d.clientId ?? dataverseClientId,
        username: d.username,
        password: d.password,
      },
    });
  }
  const bot = settings.bot;
  if (bot?.password !== undefined && bot.type !== 'UserAssignedMsi') {
    found.push({
      id: 'bot-secret',
      name: 'Bot client secret',
      kind: 'client-secret',
      settingsDate: settings.reminders.botPasswordExpires,
      // The bot's app registration is in the same Microsoft cloud as the Dynamics sign-in.
      graph: bot.tenantId === undefined ? undefined : { type: 'app-secret', authority: `${d.authorityHost}/${bot.tenantId}`, appId: bot.id, secret: bot.password },
    });
  }
  return found;
}

/** A password's expiry: its last change plus the maximum age; none when passwords never expire. */
export function passwordExpiry(changedAt: string, maxAgeDays: number): string | undefined {
  return maxAgeDays === 0 ? undefined : new Date(Date.parse(changedAt) + maxAgeDays * DAY_MS).toISOString();
}
