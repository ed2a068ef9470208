import { CardFactory, type Activity, type CloudAdapter } from 'botbuilder';
import type { Settings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import { adminsWithoutChat, isAdminChat, type AdminMessenger } from '../conversations/admin-messenger';
import type { Installation, InstallationStore } from '../conversations/installation-store';
import { readerOf } from '../conversations/reader-of';
import type { Reader } from '../language/language';
import { inConversation } from './proactive';
import type { SendLimiter } from '../conversations/send-limiter';

export interface AdminMessengerDeps {
  readonly adapter: CloudAdapter;
  readonly botAppId: string;
  readonly installations: InstallationStore;
  readonly settings: Pick<Settings, 'admins' | 'teamsTenantId'>;
  readonly limiter: SendLimiter;
  /** BOT_LANGUAGE and BOT_TIME_ZONE: each admin reads in their chat's language (readerOf), this where none is known. */
  readonly reader: Reader;
  readonly logger: Logger;
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
    withoutChat: async () => adminsWithoutChat(deps.settings.admins, await adminChats()),
    async send(noticeIn, what) {
      const chats = await adminChats();
      let sent = 0;
      for (const chat of chats) {
        const notice = noticeIn(readerOf(chat, deps.reader));
        const activity: Partial<Activity> = {
          ...(notice.text === undefined ? {} : { text: notice.text }),
          ...(notice.card === undefined ? {} : { attachments: [CardFactory.adaptiveCard(notice.card)] }),
          ...(notice.summary === undefined ? {} : { summary: notice.summary }),
        };
        try {
          await deps.limiter.send(chat.conversationId, () => inConversation(deps.adapter, deps.botAppId, chat.reference, (context) => context.sendActivity(activity)));
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
