import { CardFactory, type Activity, type CloudAdapter } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/lead-card';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import type { Installation, InstallationStore } from './installation-store';
import { inConversation } from './proactive';
import type { SendLimiter } from './send-limiter';

/** A message for the admins, in the bot's own terms (no Bot Framework types outside src/teams/). */
export interface AdminNotice {
  readonly text?: string;
  readonly card?: AdaptiveCardJson;
  /** What Teams shows in the notification, for a card. */
  readonly summary?: string;
}

export interface AdminMessenger {
  /** Posts to every admin's personal chat with the bot; how many it reached. */
  send(notice: AdminNotice, what: string): Promise<{ readonly sent: number; readonly admins: number }>;
  /** The personal chats of admins, from the organisation the bot serves. */
  adminChats(): Promise<Installation[]>;
}

export interface AdminMessengerDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  readonly installations: InstallationStore;
  readonly settings: Pick<Settings, 'admins' | 'teamsTenantId'>;
  readonly limiter: SendLimiter;
  readonly logger: Logger;
}

/** Whether a personal chat is an admin's (ADMINS by Azure AD object id, e-mail or UPN). */
export function isAdminChat(installation: Installation, settings: Pick<Settings, 'admins' | 'teamsTenantId'>): boolean {
  if (installation.kind !== 'personal' || installation.tenantId.toLowerCase() !== settings.teamsTenantId) return false;
  const ids = [installation.aadObjectId, installation.email, installation.userPrincipalName].flatMap((a) => (a === undefined ? [] : [a.toLowerCase()]));
  return ids.some((id) => settings.admins.includes(id));
}

/**
 * Reminders and alarms go to the admins where Teams lets a bot start a message: their personal
 * chats with it (docs/domain.md §5). An admin who has not installed the app is not reached; the
 * caller decides whether to try again later.
 */
export function adminMessenger(deps: AdminMessengerDeps): AdminMessenger {
  const adminChats = async (): Promise<Installation[]> => (await deps.installations.list()).filter((i) => isAdminChat(i, deps.settings));
  return {
    adminChats,
    async send(notice, what) {
      const activity: Partial<Activity> = {
        ...(notice.text === undefined ? {} : { text: notice.text }),
        ...(notice.card === undefined ? {} : { attachments: [CardFactory.adaptiveCard(notice.card)] }),
        ...(notice.summary === undefined ? {} : { summary: notice.summary }),
      };
      const chats = await adminChats();
      let sent = 0;
      for (const chat of chats) {
        await deps.limiter.take(chat.conversationId);
        try {
          await inConversation(deps.adapter, deps.botAppId, chat.reference, (context) => context.sendActivity(activity));
          sent++;
        } catch (err) {
          deps.logger.warn({ err, conversationId: chat.conversationId, what }, 'could not reach an admin in Teams');
        }
      }
      if (chats.length === 0) deps.logger.warn({ what }, 'no admin has the app in a personal chat in Teams: nobody could be told');
      return { sent, admins: chats.length };
    },
  };
}
