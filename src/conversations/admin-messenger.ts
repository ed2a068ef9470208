import type { AdaptiveCardJson } from '../cards/lead-card';
import type { Settings } from '../config/settings';
import type { Reader } from '../language/language';
import type { Installation } from './installation-store';

/** A message for the admins, in the bot's own terms (no Bot Framework types outside src/teams/). */
export interface AdminNotice {
  readonly text?: string;
  readonly card?: AdaptiveCardJson;
  /** What Teams shows in the notification, for a card. */
  readonly summary?: string;
}

/** A notice as one admin reads it: each gets it in their own language, times in the team's zone. */
export type AdminNoticeIn = (reader: Reader) => AdminNotice;

export interface AdminMessenger {
  /** Posts to every admin's personal chat with the bot, in that admin's language; how many it reached. */
  send(notice: AdminNoticeIn, what: string): Promise<{ readonly sent: number; readonly admins: number }>;
  /** The personal chats of admins, from the organisation the bot serves. */
  adminChats(): Promise<Installation[]>;
  /** The admins named in ADMINS by address who have no personal chat with the bot: mail is the one way to them. */
  withoutChat(): Promise<string[]>;
}

/** Whether a personal chat is an admin's (ADMINS by Azure AD object id, e-mail or UPN). */
export function isAdminChat(installation: Installation, settings: Pick<Settings, 'admins' | 'teamsTenantId'>): boolean {
  if (installation.kind !== 'personal' || installation.tenantId.toLowerCase() !== settings.teamsTenantId) return false;
  return idsOf(installation).some((id) => settings.admins.includes(id));
}

/** ADMINS' addresses that none of these admin chats answers to. */
export function adminsWithoutChat(admins: readonly string[], chats: readonly Installation[]): string[] {
  const reached = new Set(chats.flatMap(idsOf));
  return admins.filter((a) => a.includes('@') && !reached.has(a));
}

function idsOf(installation: Installation): string[] {
  return [installation.aadObjectId, installation.email, installation.userPrincipalName].flatMap((a) => (a === undefined ? [] : [a.toLowerCase()]));
}
